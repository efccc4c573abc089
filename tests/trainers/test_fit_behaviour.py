"""What `fit`, `evaluate`, `predict` and the batch calls accept, return and refuse."""

import numpy as np
import pytest
import torch

import cornu as keras
from cornu import layers


def _model(n_in=4, n_out=3):
    model = keras.Sequential([keras.Input((n_in,)), layers.Dense(8, activation="relu"),
                              layers.Dense(n_out)])
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def _data(n=64, n_in=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, n_in)).astype("float32"), rng.integers(0, 3, n)


def test_history_epochs_and_validation():
    x, y = _data()
    model = _model()
    history = model.fit(x, y, epochs=3, batch_size=16, validation_data=(x[:16], y[:16]),
                        validation_freq=2, verbose=0)
    assert history.epoch == [0, 1, 2]
    assert len(history.history["loss"]) == 3
    assert len(history.history["val_loss"]) == 1  # only epoch 2 (index 1) validates
    assert model.history is history
    history = model.fit(x, y, epochs=5, initial_epoch=3, verbose=0)
    assert history.epoch == [3, 4]


@pytest.mark.parametrize("kind", ["torch", "dataset", "dataloader", "generator", "list"])
def test_inputs_of_every_kind_train_to_the_same_weights(kind):
    x, y = _data()
    reference = _model()
    initial = reference.get_weights()
    reference.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)

    model = _model()
    model.set_weights(initial)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    if kind == "torch":
        model.fit(xt, yt, batch_size=16, epochs=1, shuffle=False, verbose=0)
    elif kind == "dataset":
        model.fit(torch.utils.data.TensorDataset(xt, yt), batch_size=16, epochs=1, shuffle=False,
                  verbose=0)
    elif kind == "dataloader":
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(xt, yt), batch_size=16)
        model.fit(loader, epochs=1, verbose=0)
    elif kind == "generator":
        def batches():
            while True:
                for i in range(0, 64, 16):
                    yield x[i:i + 16], y[i:i + 16]
        model.fit(batches(), steps_per_epoch=4, epochs=1, verbose=0)
    else:
        model.fit(list(map(list, x)), list(y), batch_size=16, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_dict_inputs_by_name_and_multi_output_predict_dict():
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    x = layers.concatenate([a, b])
    model = keras.Model({"a": a, "b": b}, {"out1": layers.Dense(1, name="o1")(x),
                                           "out2": layers.Dense(2, name="o2")(x)})
    data = {"a": np.ones((5, 3), "float32"), "b": np.zeros((5, 2), "float32")}
    out = model.predict(data, verbose=0)
    assert set(out) == {"out1", "out2"} and out["out2"].shape == (5, 2)
    assert isinstance(out["out1"], np.ndarray)


def test_evaluate_returns_scalar_list_or_dict():
    x, y = _data()
    model = _model()
    result = model.evaluate(x, y, verbose=0)
    assert isinstance(result, list) and len(result) == 2
    assert model.metrics_names == ["loss", "accuracy"]
    assert set(model.evaluate(x, y, verbose=0, return_dict=True)) == {"loss", "accuracy"}
    plain = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    plain.compile("sgd", "mse")
    assert isinstance(plain.evaluate(x, y.astype("float32"), verbose=0), float)


def test_batch_level_calls():
    x, y = _data()
    model = _model()
    before = model.get_weights()
    logs = model.train_on_batch(x[:8], y[:8], return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
    loss, acc = model.test_on_batch(x[:8], y[:8])
    assert 0 <= acc <= 1 and loss > 0
    assert model.predict_on_batch(x[:8]).shape == (8, 3)


def test_frozen_layers_are_untouched_by_fit():
    x, y = _data()
    model = _model()
    model.layers[0].trainable = False
    frozen = model.layers[0].get_weights()
    other = model.layers[1].get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    for a, b in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)
    assert any(not np.allclose(a, b) for a, b in zip(other, model.layers[1].get_weights()))


def test_stop_training_from_a_callback():
    class StopAtOne(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if logs.get("accuracy") is not None and epoch == 1:
                self.model.stop_training = True

    x, y = _data()
    history = _model().fit(x, y, epochs=10, callbacks=[StopAtOne()], verbose=0)
    assert history.epoch == [0, 1]


def test_batch_logs_are_python_floats_for_callbacks():
    seen = []

    class Reader(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append((batch, logs["loss"], logs.get("accuracy")))

    x, y = _data()
    _model().fit(x, y, batch_size=32, epochs=1, callbacks=[Reader()], verbose=0)
    assert [s[0] for s in seen] == [0, 1]
    assert all(isinstance(s[1], float) and isinstance(s[2], float) for s in seen)


def test_add_loss_only_model_trains():
    class Penalized(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, x):
            out = self.dense(x)
            self.add_loss(keras.ops.mean(keras.ops.square(out)))
            return out

    model = Penalized()
    model.compile("sgd")
    history = model.fit(np.ones((16, 3), "float32"), epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


# ---------------------------------------------------------------- bad input


def test_cardinality_mismatch_is_a_clear_error():
    x, y = _data()
    with pytest.raises(ValueError, match="cardinality.*'x' sizes: 64 'y' sizes: 60"):
        _model().fit(x, y[:60], verbose=0)


def test_wrong_feature_count_is_a_clear_error():
    x, y = _data(n_in=5)
    with pytest.raises(ValueError, match=r"expected shape=\(None, 4\), found shape=\(32, 5\)"):
        _model().fit(x, y, verbose=0)


def test_unknown_names_list_valid_ones():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    with pytest.raises(ValueError, match="Unknown optimizer.*adam"):
        model.compile(optimizer="adamm", loss="mse")
    with pytest.raises(ValueError, match="Unknown loss.*mean_squared_error"):
        model.compile(optimizer="adam", loss="mean_sqared_error")
        model.fit(np.ones((2, 4)), np.ones((2, 1)), verbose=0)
    model.compile(optimizer="adam", loss="mse", metrics=["acuracy"])
    with pytest.raises(ValueError, match="Unknown metric"):
        model.fit(np.ones((2, 4)), np.ones((2, 1)), verbose=0)


def test_targets_of_the_wrong_shape_for_the_loss_are_refused():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="shape"):
        model.fit(np.ones((8, 4), "float32"), np.ones((8, 5), "float32"), verbose=0)


def test_fit_before_compile_is_a_clear_error():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
    with pytest.raises(RuntimeError, match="compile"):
        model.fit(np.ones((2, 4)), np.ones((2, 3)), verbose=0)


def test_validation_split_takes_the_last_samples():
    x, y = _data(n=100)
    model = _model()
    model.fit(x, y, validation_split=0.2, epochs=1, verbose=0, shuffle=False)
    expected = model.evaluate(x[80:], y[80:], verbose=0, return_dict=True)
    history = model.fit(x, y, validation_split=0.2, epochs=1, verbose=0, shuffle=False)
    # The validation of the second fit ran after its epoch; evaluate again to compare.
    np.testing.assert_allclose(history.history["val_loss"][0],
                               model.evaluate(x[80:], y[80:], verbose=0, return_dict=True)["loss"],
                               rtol=1e-5)
    assert expected["loss"] > 0
