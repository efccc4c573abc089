"""LearningRateScheduler, CSVLogger, TerminateOnNaN, LambdaCallback and TensorBoard."""

import csv
import importlib.util
import sys

import numpy as np
import pytest

import cornu
from callback_models import (FakeModel, assert_same_weights, drive, noise_validation,
                             regression_data, small_model)

keras = pytest.importorskip("keras")


def f32(value):
    return float(np.float32(value))


# ------------------------------------------------------------------ LearningRateScheduler


def test_scheduler_sets_the_rate_before_each_epoch():
    x, y = regression_data()
    model = small_model(cornu.optimizers.SGD(0.1))
    seen = []
    callbacks = [
        cornu.callbacks.LearningRateScheduler(lambda epoch, lr: lr if epoch == 0 else lr / 2),
        cornu.callbacks.LambdaCallback(
            on_epoch_begin=lambda epoch, logs: seen.append(float(model.optimizer.learning_rate)))]
    history = model.fit(x, y, epochs=4, batch_size=32, verbose=0, callbacks=callbacks)
    assert seen == [f32(0.1), f32(0.05), f32(0.025), f32(0.0125)]
    assert history.history["learning_rate"] == seen


def test_scheduler_accepts_a_one_argument_schedule_and_the_rate_is_used():
    x, y = regression_data()
    model = small_model(cornu.optimizers.SGD(0.1))
    before = model.get_weights()
    schedule = cornu.callbacks.LearningRateScheduler(lambda epoch: 0.0)
    history = model.fit(x, y, epochs=2, verbose=0, callbacks=[schedule])
    assert history.history["learning_rate"] == [0.0, 0.0]
    assert_same_weights(model.get_weights(), before)  # a zero rate leaves the weights alone


def test_scheduler_matches_keras_on_a_fake_model():
    def schedule(epoch, lr):
        return lr * 0.9 if epoch % 2 else lr + 0.01

    logs = [{"loss": 1.0}] * 5
    ours, theirs = FakeModel(cornu.optimizers.Adam(0.01)), FakeModel(keras.optimizers.Adam(0.01))
    ours_logs = drive(cornu.callbacks.LearningRateScheduler(schedule), ours, logs)
    their_logs = drive(keras.callbacks.LearningRateScheduler(schedule), theirs, logs)
    assert ours_logs == their_logs


def test_scheduler_requires_a_float():
    model = FakeModel(cornu.optimizers.SGD(0.1))
    with pytest.raises(ValueError, match="should be a float. Got: 1"):
        drive(cornu.callbacks.LearningRateScheduler(lambda epoch: 1), model, [{}])


# ------------------------------------------------------------------ CSVLogger


def test_csv_logger_writes_one_row_per_epoch(tmp_path):
    x, y = regression_data()
    model = small_model()
    path = tmp_path / "log.csv"
    history = model.fit(x, y, validation_data=noise_validation(), epochs=3, verbose=0,
                        callbacks=[cornu.callbacks.CSVLogger(path)])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["epoch", "loss", "val_loss"]
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    for key in ("loss", "val_loss"):
        assert [float(r[key]) for r in rows] == history.history[key]


def test_csv_logger_appends_without_a_second_header(tmp_path):
    x, y = regression_data()
    model = small_model()
    path = tmp_path / "log.csv"
    model.fit(x, y, epochs=2, verbose=0, callbacks=[cornu.callbacks.CSVLogger(path, ";")])
    model.fit(x, y, epochs=1, verbose=0,
              callbacks=[cornu.callbacks.CSVLogger(path, ";", append=True)])
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch;loss;val_loss"
    assert [line.split(";")[0] for line in lines[1:]] == ["0", "1", "0"]
    assert all(line.endswith(";NA") for line in lines[1:])  # val_ columns with no validation


@pytest.mark.parametrize("logs", [
    [{"loss": 0.5, "acc": 0.25}, {"loss": 0.25, "acc": 0.5}],
    [{"loss": 0.5, "val_loss": 0.75}, {"loss": 1 / 3, "val_loss": 0.1, "extra": 1.0}],
    [{"loss": 0.5, "vec": [1.0, 2.0], "name": "a;b"}]])
@pytest.mark.parametrize("separator", [",", ";"])
def test_csv_logger_file_matches_keras(tmp_path, logs, separator):
    ours, theirs = tmp_path / "ours.csv", tmp_path / "theirs.csv"
    for append in (False, True):
        drive(cornu.callbacks.CSVLogger(ours, separator, append), FakeModel(), logs)
        drive(keras.callbacks.CSVLogger(str(theirs), separator, append), FakeModel(), logs)
    assert ours.read_bytes() == theirs.read_bytes()


# ------------------------------------------------------------------ TerminateOnNaN


def test_terminate_on_nan_stops_at_the_first_nan_batch(capsys):
    x, y = regression_data()
    x[40, 1] = np.nan  # in the third batch of 16
    model = small_model()
    batches = []
    history = model.fit(
        x, y, epochs=5, batch_size=16, shuffle=False, verbose=0,
        callbacks=[cornu.callbacks.LambdaCallback(
                       on_train_batch_end=lambda batch, logs: batches.append(batch)),
                   cornu.callbacks.TerminateOnNaN()])
    assert history.epoch == [0]
    assert batches == [0, 1, 2]
    assert np.isnan(history.history["loss"][0])
    assert "Batch 2: Invalid loss, terminating training" in capsys.readouterr().out


def test_terminate_on_nan_can_raise():
    x, y = regression_data()
    y[3] = np.inf
    model = small_model()
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 0"):
        model.fit(x, y, epochs=2, shuffle=False, verbose=0,
                  callbacks=[cornu.callbacks.TerminateOnNaN(raise_error=True)])


def test_terminate_on_nan_ignores_finite_losses():
    x, y = regression_data()
    history = small_model().fit(x, y, epochs=2, verbose=0,
                                callbacks=[cornu.callbacks.TerminateOnNaN()])
    assert history.epoch == [0, 1]


# ------------------------------------------------------------------ LambdaCallback


def test_lambda_callback_hooks_fire_in_order():
    x, y = regression_data(n=32)
    model = small_model()
    events = []

    def record(name):
        return lambda *args: events.append((name,) + tuple(a for a in args if isinstance(a, int)))

    callback = cornu.callbacks.LambdaCallback(
        on_train_begin=record("train_begin"), on_train_end=record("train_end"),
        on_epoch_begin=record("epoch_begin"), on_epoch_end=record("epoch_end"),
        on_train_batch_begin=record("batch_begin"), on_train_batch_end=record("batch_end"),
        on_test_begin=record("test_begin"))
    model.fit(x, y, validation_data=(x[:8], y[:8]), epochs=2, batch_size=16, verbose=0,
              callbacks=[callback])
    epoch = lambda e: [("epoch_begin", e), ("batch_begin", 0), ("batch_end", 0),  # noqa: E731
                       ("batch_begin", 1), ("batch_end", 1), ("test_begin",), ("epoch_end", e)]
    assert events == [("train_begin",)] + epoch(0) + epoch(1) + [("train_end",)]


def test_lambda_callback_receives_logs():
    x, y = regression_data(n=32)
    model = small_model()
    batch_losses, epoch_logs = [], []
    model.fit(x, y, epochs=1, batch_size=16, verbose=0, callbacks=[
        cornu.callbacks.LambdaCallback(
            on_train_batch_end=lambda batch, logs: batch_losses.append(logs["loss"]),
            on_epoch_end=lambda epoch, logs: epoch_logs.append(logs))])
    assert len(batch_losses) == 2 and isinstance(batch_losses[0], float)
    assert epoch_logs[0]["loss"] == batch_losses[-1]


# ------------------------------------------------------------------ TensorBoard

_HAS_TENSORBOARD = importlib.util.find_spec("tensorboard") is not None


def test_tensorboard_without_the_package_names_it(monkeypatch):
    if _HAS_TENSORBOARD:  # make the import fail as it does without the package
        monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)
    with pytest.raises(ImportError, match="pip install tensorboard"):
        cornu.callbacks.TensorBoard(log_dir="logs")


@pytest.mark.skipif(not _HAS_TENSORBOARD,
                    reason="the `tensorboard` package is not installed (`pip install tensorboard`)")
def test_tensorboard_writes_epoch_scalars(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    x, y = regression_data()
    model = small_model()
    history = model.fit(x, y, validation_data=noise_validation(), epochs=3, verbose=0,
                        callbacks=[cornu.callbacks.TensorBoard(tmp_path, histogram_freq=1)])

    def scalars(folder, tag):
        events = EventAccumulator(str(tmp_path / folder))
        events.Reload()
        found = events.Scalars(tag)
        assert [e.step for e in found] == list(range(len(found)))
        return [e.value for e in found]

    assert scalars("train", "epoch_loss") == pytest.approx(history.history["loss"])
    assert scalars("validation", "epoch_loss") == pytest.approx(history.history["val_loss"])
    assert scalars("train", "epoch_learning_rate") == pytest.approx([0.05] * 3)


def test_tensorboard_rejects_profiling():
    if not _HAS_TENSORBOARD:
        pytest.skip("the `tensorboard` package is not installed (`pip install tensorboard`)")
    with pytest.raises(ValueError, match="profile_batch=2"):
        cornu.callbacks.TensorBoard(profile_batch=2)
