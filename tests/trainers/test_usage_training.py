"""The compile / fit / evaluate / predict / saving snippets of USAGE.md, as users write them."""

import warnings

import numpy as np

import cornu as keras
from cornu import layers


def _data(n=120):
    rng = np.random.default_rng(0)
    x = rng.random((n, 8)).astype("float32")
    y = (x.sum(1) > 4).astype("int64")
    return x, y


def test_usage_compile_fit_evaluate_predict_callbacks_and_saving(tmp_path):
    x, y = _data()

    class MyCallback(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if logs.get("acc") > 0.9:
                self.model.stop_training = True

    def mean_pred(y_true, y_pred):
        return keras.ops.mean(y_pred)

    model = keras.Sequential([layers.Dense(16, activation="relu", input_shape=(8,)),
                              layers.Dense(1, activation="sigmoid")])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        optimizer = keras.optimizers.SGD(lr=0.05, momentum=0.0, nesterov=False)
    assert any("lr" in str(w.message) for w in caught)
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["acc", mean_pred])
    history = model.fit(x[:100], y[:100], batch_size=16, epochs=3,
                        validation_data=(x[100:], y[100:]),
                        callbacks=[MyCallback(), keras.callbacks.EarlyStopping(),
                                   keras.callbacks.ModelCheckpoint(str(tmp_path / "best.keras"))])
    assert {"acc", "loss", "mean_pred", "val_acc", "val_loss", "val_mean_pred"} <= set(history.history)
    test_scores = model.evaluate(x, y, verbose=2)
    assert len(test_scores) == 3
    prob = model.predict(x[0:1])
    assert isinstance(prob, np.ndarray) and prob.shape == (1, 1)
    assert (tmp_path / "best.keras").exists()

    for layer in model.layers[:-1]:
        layer.trainable = False
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    frozen = model.layers[0].get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], frozen[0])

    model.save(tmp_path / "my_keras_model.h5")
    restored = keras.models.load_model(tmp_path / "my_keras_model.h5",
                                       custom_objects={"mean_pred": mean_pred})
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
    model.save(tmp_path / "my_model.keras")
    model.save(tmp_path / "path_to_my_model")
    assert (tmp_path / "path_to_my_model").is_dir()
    for path in ("my_model.keras", "path_to_my_model"):
        again = keras.models.load_model(tmp_path / path, custom_objects={"mean_pred": mean_pred})
        np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0),
                                   rtol=1e-6)
    model.save_weights(tmp_path / "w.weights.h5")
    model.load_weights(tmp_path / "w.weights.h5")


def test_usage_fashion_mnist_shaped_data_and_to_categorical():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 255, (64, 28, 28)).astype("uint8")
    y = keras.utils.to_categorical(rng.integers(0, 10, 64), 10)
    assert y.shape == (64, 10) and y.dtype == np.float32
    model = keras.Sequential([layers.Flatten(input_shape=(28, 28)), layers.Dense(10, activation="softmax")])
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    model.fit(x / 255.0, y, epochs=1, verbose=0)
