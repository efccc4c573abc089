"""Files move between Keras 3 and cornu with the same predictions, weights and optimizer state."""

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

import cornu  # noqa: E402

RNG = np.random.default_rng(1)


def _register(K):
    @K.saving.register_keras_serializable(package="interop_tests", name="Sub")
    class Sub(K.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.encoder = K.layers.Dense(units, activation="tanh")
            self.head = K.layers.Dense(2)
            self.blocks = [K.layers.Dense(2), K.layers.Dense(2)]

        def call(self, x):
            return self.head(self.encoder(x)) + self.blocks[1](self.blocks[0](x))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    return Sub


SUB = {keras: _register(keras), cornu: _register(cornu)}


def dense(K):
    return K.Sequential([K.Input((4,)), K.layers.Dense(5, activation="relu"), K.layers.Dense(2)])


def embedding(K):
    return K.Sequential([K.Input((6,), dtype="int32"), K.layers.Embedding(10, 3),
                         K.layers.Flatten(), K.layers.Dense(2)])


def multi_io(K):
    a, b = K.Input((4,), name="in_a"), K.Input((4,), name="in_b")
    shared = K.layers.Dense(3, name="shared")
    inner = K.Sequential([K.Input((3,)), K.layers.Dense(3, activation="relu")], name="inner")
    out_main = K.layers.Dense(2, name="out_main")(inner(shared(a)))
    out_aux = K.layers.Dense(1, name="out_aux")(K.layers.Concatenate()([shared(a), shared(b)]))
    return K.Model([a, b], [out_main, out_aux])


def subclassed(K):
    model = SUB[K]()
    model(np.zeros((2, 4), "float32"))
    return model


def lstm(K):
    return K.Sequential([K.Input((5, 3)), K.layers.LSTM(4), K.layers.Dense(2)])


def conv_bn(K):
    return K.Sequential([K.Input((6, 6, 2)), K.layers.Conv2D(3, 3), K.layers.BatchNormalization(),
                         K.layers.Flatten(), K.layers.Dense(2)])


def data(name):
    if name == "embedding":
        x = RNG.integers(0, 10, (16, 6)).astype("int32")
    elif name == "lstm":
        x = RNG.random((16, 5, 3), dtype=np.float32)
    elif name == "conv_bn":
        x = RNG.random((16, 6, 6, 2), dtype=np.float32)
    else:
        x = RNG.random((16, 4), dtype=np.float32)
    if name == "multi_io":
        return [x, x[::-1].copy()], [RNG.random((16, 2), dtype=np.float32),
                                     RNG.random((16, 1), dtype=np.float32)]
    return x, RNG.random((16, 2), dtype=np.float32)


BUILDERS = {"dense": dense, "embedding": embedding, "multi_io": multi_io,
            "subclassed": subclassed, "lstm": lstm, "conv_bn": conv_bn}


def build(K, name):
    for layer in {"lstm": ["LSTM"], "conv_bn": ["Conv2D", "BatchNormalization"]}.get(name, []):
        if not hasattr(K.layers, layer):
            pytest.skip(f"{K.__name__}.layers.{layer} does not exist yet")
    model = BUILDERS[name](K)
    loss = ["mse", "mse"] if name == "multi_io" else "mse"
    model.compile(optimizer="adam", loss=loss)
    x, y = data(name)
    model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    return model, x


def _outputs(model, x):
    out = model.predict(x, verbose=0)
    return [np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])]


def _values(variables):
    return [np.asarray(v.numpy() if hasattr(v, "numpy") else v) for v in variables]


def check_same(source, target, x, optimizer=True):
    for a, b in zip(_outputs(source, x), _outputs(target, x)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    ws, wt = source.get_weights(), target.get_weights()
    assert [w.shape for w in ws] == [w.shape for w in wt]
    for a, b in zip(ws, wt):
        np.testing.assert_array_equal(a, b)
    if optimizer:
        vs, vt = _values(source.optimizer.variables), _values(target.optimizer.variables)
        assert len(vs) == len(vt) > 2
        for a, b in zip(vs, vt):
            np.testing.assert_array_equal(a.astype(b.dtype), b)


NAMES = sorted(BUILDERS)


@pytest.mark.parametrize("name", NAMES)
def test_keras_file_loads_in_cornu(tmp_path, name):
    model, x = build(keras, name)
    model.save(tmp_path / "k.keras")
    loaded = cornu.models.load_model(tmp_path / "k.keras")
    check_same(model, loaded, x)


@pytest.mark.parametrize("name", NAMES)
def test_cornu_file_loads_in_keras(tmp_path, name):
    model, x = build(cornu, name)
    model.save(tmp_path / "c.keras")
    loaded = keras.saving.load_model(tmp_path / "c.keras")
    check_same(model, loaded, x)


@pytest.mark.parametrize("name", ["dense", "multi_io", "embedding"])
def test_keras_h5_loads_in_cornu(tmp_path, name):
    model, x = build(keras, name)
    model.save(tmp_path / "k.h5")
    loaded = cornu.models.load_model(tmp_path / "k.h5")
    check_same(model, loaded, x)


@pytest.mark.parametrize("name", ["dense", "multi_io", "embedding"])
def test_cornu_h5_loads_in_keras(tmp_path, name):
    model, x = build(cornu, name)
    model.save(tmp_path / "c.h5")
    # Keras 3.15 cannot compile from its own legacy training_config ("mse" is looked up
    # as a metric class), so the architecture and weights are checked without compiling.
    loaded = keras.saving.load_model(tmp_path / "c.h5", compile=False)
    check_same(model, loaded, x, optimizer=False)


@pytest.mark.parametrize("name", ["dense", "subclassed"])
def test_weights_files_both_ways(tmp_path, name):
    source, x = build(keras, name)
    source.save_weights(tmp_path / "k.weights.h5")
    target, _ = build(cornu, name)
    target.load_weights(tmp_path / "k.weights.h5")
    check_same(source, target, x)
    target.save_weights(tmp_path / "c.weights.h5")
    back, _ = build(keras, name)
    back.load_weights(tmp_path / "c.weights.h5")
    check_same(target, back, x)


def test_keras_lambda_needs_unsafe_mode(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda t: t * 2.0),
                              keras.layers.Dense(2)])
    model.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match="lambda"):
        cornu.models.load_model(tmp_path / "lambda.keras")
    if not hasattr(cornu.layers, "Lambda"):
        pytest.skip("cornu.layers.Lambda does not exist yet")
    loaded = cornu.models.load_model(tmp_path / "lambda.keras", safe_mode=False)
    x = RNG.random((3, 4), dtype=np.float32)
    np.testing.assert_allclose(_outputs(model, x)[0], _outputs(loaded, x)[0], atol=1e-6)
