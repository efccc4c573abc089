"""EarlyStopping, ReduceLROnPlateau and ModelCheckpoint: Keras parity on identical log
sequences, and real `fit` runs."""

import itertools
import os

import numpy as np
import pytest

import cornu
from callback_models import (FakeModel, assert_same_weights, drive, noise_validation,
                             regression_data, small_model, weights_recorder)

keras = pytest.importorskip("keras")


def _sequences(n=12, epochs=12, seed=0):
    """Random walks of a loss and an accuracy, rounded so that ties happen."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        loss = np.round(1.0 + np.cumsum(rng.normal(0, 0.1, epochs)), 2)
        acc = np.round(np.clip(0.5 + np.cumsum(rng.normal(0, 0.05, epochs)), 0, 1), 2)
        out.append([{"loss": float(l) + 0.1, "val_loss": float(l), "val_acc": float(a)}
                    for l, a in zip(loss, acc)])
    return out


# ------------------------------------------------------------------ EarlyStopping


@pytest.mark.parametrize("patience,min_delta,baseline,start_from_epoch,monitor",
                         list(itertools.product([0, 2], [0, 0.05], [None, 0.9], [0, 3],
                                                [("val_loss", "auto"), ("val_acc", "max")])))
def test_early_stopping_matches_keras_on_the_same_logs(patience, min_delta, baseline,
                                                       start_from_epoch, monitor):
    name, mode = monitor
    if baseline is not None and name == "val_acc":
        baseline = 0.6
    for logs in _sequences():
        kwargs = dict(monitor=name, mode=mode, patience=patience, min_delta=min_delta,
                      baseline=baseline, start_from_epoch=start_from_epoch,
                      restore_best_weights=True)
        ours = cornu.callbacks.EarlyStopping(**kwargs)
        theirs = keras.callbacks.EarlyStopping(**kwargs)
        ours_model, their_model = FakeModel(), FakeModel()
        ran = len(drive(ours, ours_model, logs))
        assert ran == len(drive(theirs, their_model, logs))
        for attr in ("stopped_epoch", "best", "best_epoch", "wait"):
            assert getattr(ours, attr) == getattr(theirs, attr), attr
        assert ours_model.restored == their_model.restored


def test_early_stopping_stops_and_restores_the_best_weights():
    x, y = regression_data()
    model = small_model()
    weights = []
    stop = cornu.callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    history = model.fit(x, y, validation_data=noise_validation(), epochs=40, batch_size=16,
                        shuffle=False, verbose=0,
                        callbacks=[weights_recorder(model, weights), stop])
    epochs_run = len(history.epoch)
    assert epochs_run < 40
    # Keras's EarlyStopping, fed the same logs, stops at the same epoch.
    reference = keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    fake = FakeModel()
    logs = [{k: v[i] for k, v in history.history.items()} for i in range(epochs_run)]
    assert len(drive(reference, fake, logs)) == epochs_run
    best = int(np.argmin(history.history["val_loss"]))
    assert stop.best_epoch == best == fake.restored
    assert stop.stopped_epoch == epochs_run - 1
    assert_same_weights(model.get_weights(), weights[best])


def test_early_stopping_missing_monitor_warns_and_continues():
    stop = cornu.callbacks.EarlyStopping(monitor="val_loss")
    with pytest.warns(UserWarning, match="val_loss.*not available"):
        drive(stop, FakeModel(), [{"loss": 1.0}] * 3)


def test_auto_mode_needs_a_known_metric():
    x, y = regression_data()
    model = small_model()
    with pytest.raises(ValueError, match="mode='max'"):
        model.fit(x, y, epochs=1, verbose=0,
                  callbacks=[cornu.callbacks.EarlyStopping(monitor="custom")])


def test_auto_mode_reads_the_metric_direction():
    x, y = regression_data()
    model = cornu.Sequential([cornu.Input((4,)), cornu.layers.Dense(2)])
    model.compile("sgd", cornu.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    stop = cornu.callbacks.EarlyStopping(monitor="val_accuracy")
    model.fit(x, (y[:, 0] > 0).astype("int64"), validation_split=0.25, epochs=1, verbose=0,
              callbacks=[stop])
    assert stop.monitor_op(2.0, 1.0)  # "accuracy" increases


# ------------------------------------------------------------------ ReduceLROnPlateau


@pytest.mark.parametrize("patience,cooldown,min_delta,factor,min_lr",
                         list(itertools.product([0, 1, 2], [0, 2], [0, 1e-4, 0.05], [0.5, 0.1],
                                                [0.0, 0.004])))
def test_reduce_lr_matches_keras_on_the_same_logs(patience, cooldown, min_delta, factor, min_lr):
    kwargs = dict(patience=patience, cooldown=cooldown, min_delta=min_delta, factor=factor,
                  min_lr=min_lr)
    for logs in _sequences(n=4):
        ours = cornu.callbacks.ReduceLROnPlateau(**kwargs)
        theirs = keras.callbacks.ReduceLROnPlateau(**kwargs)
        ours_model = FakeModel(cornu.optimizers.SGD(0.1))
        their_model = FakeModel(keras.optimizers.SGD(0.1))
        ours_logs, their_logs = drive(ours, ours_model, logs), drive(theirs, their_model, logs)
        assert [l["learning_rate"] for l in ours_logs] == [l["learning_rate"] for l in their_logs]
        assert float(ours_model.optimizer.learning_rate) == float(
            their_model.optimizer.learning_rate)


def test_reduce_lr_lowers_the_optimizer_learning_rate_during_fit():
    x, y = regression_data()
    model = small_model(cornu.optimizers.SGD(0.1))
    reduce = cornu.callbacks.ReduceLROnPlateau(monitor="loss", patience=1, factor=0.5,
                                               min_delta=10.0, min_lr=0.02)
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0, callbacks=[reduce])
    f32 = lambda v: float(np.float32(v))  # noqa: E731
    # Only the first epoch "improves" (min_delta is huge): then one reduction per epoch.
    assert history.history["learning_rate"] == [f32(0.1), f32(0.1), f32(0.05), f32(0.025),
                                                f32(0.02)]
    assert float(model.optimizer.learning_rate) == f32(0.02)


def test_reduce_lr_rejects_factor_at_least_one():
    with pytest.raises(ValueError, match="factor >= 1.0. Received factor=1.0"):
        cornu.callbacks.ReduceLROnPlateau(factor=1.0)


# ------------------------------------------------------------------ ModelCheckpoint


@pytest.mark.parametrize("save_best_only,mode,threshold,monitor",
                         [(False, "auto", None, "val_loss"), (True, "auto", None, "val_loss"),
                          (True, "min", 1.0, "val_loss"), (True, "max", None, "val_acc"),
                          (True, "max", 0.55, "val_acc")])
def test_model_checkpoint_matches_keras_on_the_same_logs(save_best_only, mode, threshold,
                                                         monitor):
    path = "ckpt/{epoch:02d}-{val_loss:.2f}-{val_acc:.3f}.keras"
    kwargs = dict(monitor=monitor, save_best_only=save_best_only, mode=mode,
                  initial_value_threshold=threshold)
    saves = 0
    for logs in _sequences(n=4):
        ours, theirs = FakeModel(), FakeModel()
        drive(cornu.callbacks.ModelCheckpoint(path, **kwargs), ours, logs)
        drive(keras.callbacks.ModelCheckpoint(path, **kwargs), theirs, logs)
        assert ours.saved == theirs.saved
        saves += len(ours.saved)
    assert saves


def test_model_checkpoint_batch_frequency_matches_keras():
    logs = _sequences(n=1, epochs=3)[0]
    batches = [[{"loss": 0.5 + 0.1 * b + e, "batch": b} if e == 2 else {"loss": 0.5 + b}
                for b in range(5)] for e in range(3)]
    path = "{epoch:02d}-{batch:02d}-{loss:.1f}.weights.h5"
    for freq in (1, 2, 3, 7):
        ours, theirs = FakeModel(), FakeModel()
        kwargs = dict(save_freq=freq, save_weights_only=True)
        drive(cornu.callbacks.ModelCheckpoint(path, **kwargs), ours, logs, batches)
        drive(keras.callbacks.ModelCheckpoint(path, **kwargs), theirs, logs, batches)
        assert ours.saved == theirs.saved


@pytest.mark.parametrize("kwargs", [dict(filepath="model.h5x"), dict(filepath="model"),
                                    dict(filepath="w.h5", save_weights_only=True),
                                    dict(filepath="m.keras", save_freq="batch")])
def test_model_checkpoint_argument_errors_match_keras(kwargs):
    with pytest.raises(ValueError) as ours:
        cornu.callbacks.ModelCheckpoint(**kwargs)
    with pytest.raises(ValueError) as theirs:
        keras.callbacks.ModelCheckpoint(**kwargs)
    assert str(ours.value) == str(theirs.value)


def test_model_checkpoint_writes_formatted_files_every_epoch(tmp_path):
    x, y = regression_data()
    model = small_model()
    path = os.path.join(tmp_path, "ckpt", "{epoch:02d}-{val_loss:.2f}.keras")
    history = model.fit(x, y, validation_data=noise_validation(), epochs=3, batch_size=16,
                        verbose=0, callbacks=[cornu.callbacks.ModelCheckpoint(path)])
    expected = [f"{i + 1:02d}-{v:.2f}.keras" for i, v in enumerate(history.history["val_loss"])]
    assert sorted(os.listdir(tmp_path / "ckpt")) == sorted(expected)
    restored = cornu.saving.load_model(os.path.join(tmp_path, "ckpt", expected[-1]))
    assert_same_weights(restored.get_weights(), model.get_weights())


def test_model_checkpoint_save_best_only_saves_on_improvement(tmp_path):
    x, y = regression_data()
    model = small_model()
    weights = []
    named = os.path.join(tmp_path, "{epoch:02d}.weights.h5")
    best = os.path.join(tmp_path, "best.weights.h5")
    history = model.fit(
        x, y, validation_data=noise_validation(), epochs=8, batch_size=16, verbose=0,
        callbacks=[weights_recorder(model, weights),
                   cornu.callbacks.ModelCheckpoint(named, save_best_only=True,
                                                   save_weights_only=True),
                   cornu.callbacks.ModelCheckpoint(best, save_best_only=True,
                                                   save_weights_only=True)])
    val_loss = history.history["val_loss"]
    improved = [i for i, v in enumerate(val_loss) if v < min(val_loss[:i], default=np.inf)]
    assert len(improved) < len(val_loss)  # the validation loss got worse at some point
    assert sorted(os.listdir(tmp_path)) == sorted(
        [f"{i + 1:02d}.weights.h5" for i in improved] + ["best.weights.h5"])
    model.load_weights(best)
    assert_same_weights(model.get_weights(), weights[improved[-1]])


def test_model_checkpoint_every_n_batches(tmp_path):
    x, y = regression_data()
    model = small_model()
    path = os.path.join(tmp_path, "{epoch:02d}-{batch:02d}.weights.h5")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0,  # 4 batches per epoch
              callbacks=[cornu.callbacks.ModelCheckpoint(path, save_weights_only=True,
                                                         save_freq=3)])
    assert sorted(os.listdir(tmp_path)) == ["01-03.weights.h5", "02-02.weights.h5"]


def test_model_checkpoint_best_of_batches_within_the_first_epoch(tmp_path):
    x, y = regression_data()
    model = small_model()
    path = os.path.join(tmp_path, "{epoch}-{batch}.weights.h5")
    losses = []
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[  # 8 batches
        cornu.callbacks.LambdaCallback(
            on_train_batch_end=lambda batch, logs: losses.append(logs["loss"])),
        cornu.callbacks.ModelCheckpoint(path, monitor="loss", save_best_only=True,
                                        save_weights_only=True, save_freq=2)])
    checked = losses[1::2]
    improved = [i for i, v in enumerate(checked) if v < min(checked[:i], default=np.inf)]
    assert sorted(os.listdir(tmp_path)) == sorted(
        f"1-{2 * i + 2}.weights.h5" for i in improved)


def test_model_checkpoint_reports_a_missing_log_field(tmp_path):
    x, y = regression_data()
    model = small_model()
    path = os.path.join(tmp_path, "{epoch:02d}-{val_loss:.2f}.keras")
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[cornu.callbacks.ModelCheckpoint(path)])
