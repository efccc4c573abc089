"""Small models of every kind, shared by the saving tests."""

import numpy as np

import cornu as keras

RNG = np.random.default_rng(0)
X4 = RNG.random((16, 4), dtype=np.float32)
Y2 = RNG.random((16, 2), dtype=np.float32)
Y1 = RNG.random((16, 1), dtype=np.float32)


@keras.saving.register_keras_serializable(package="cornu_tests", name="SubModel")
class SubModel(keras.Model):
    """A subclassed model with attribute layers, a list of layers and a config argument."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.encoder = keras.layers.Dense(units, activation="tanh")
        self.head = keras.layers.Dense(2)
        self.blocks = [keras.layers.Dense(2), keras.layers.Dense(2)]

    def call(self, x):
        return self.head(self.encoder(x)) + self.blocks[1](self.blocks[0](x))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def sequential():
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, activation="relu"),
                             keras.layers.Dense(2)])


def functional():
    """Two inputs, two outputs, a layer shared by both inputs, and a nested Sequential."""
    a = keras.Input((4,), name="in_a")
    b = keras.Input((4,), name="in_b")
    shared = keras.layers.Dense(3, name="shared")
    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="relu")],
                             name="inner")
    out_main = keras.layers.Dense(2, name="out_main")(inner(shared(a)))
    merged = keras.layers.Concatenate()([shared(a), shared(b)])
    out_aux = keras.layers.Dense(1, name="out_aux")(merged)
    return keras.Model([a, b], [out_main, out_aux], name="multi_io")


def subclassed():
    model = SubModel()
    model(X4[:2])
    return model


BUILDERS = {"sequential": sequential, "functional": functional, "subclassed": subclassed}


def data_for(model):
    """(x, y) matching the model's inputs and outputs."""
    if len(getattr(model, "inputs", None) or []) == 2:
        return [X4, X4[::-1].copy()], [Y2, Y1]
    return X4, Y2


def compile_model(model, optimizer="adam"):
    if len(getattr(model, "inputs", None) or []) == 2:
        model.compile(optimizer, ["mse", "mae"], metrics=[["mae"], []])
    else:
        model.compile(optimizer, "mse", metrics=["mae"])
    return model


def trained(kind, optimizer="adam", epochs=2):
    model = compile_model(BUILDERS[kind](), optimizer)
    x, y = data_for(model)
    model.fit(x, y, epochs=epochs, batch_size=8, shuffle=False, verbose=0)
    return model


def predictions(model, x):
    out = model.predict(x, verbose=0)
    return [np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])]


def assert_same_predictions(a, b, x, atol=0.0):
    for pa, pb in zip(predictions(a, x), predictions(b, x)):
        np.testing.assert_allclose(pa, pb, rtol=0, atol=atol)


def assert_same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb)
    for x, y in zip(wa, wb):
        np.testing.assert_array_equal(x, y)


def assert_same_optimizer_state(a, b):
    va, vb = a.optimizer.variables, b.optimizer.variables
    assert len(va) == len(vb) and len(va) > 2
    for x, y in zip(va, vb):
        np.testing.assert_array_equal(np.asarray(x.numpy()), np.asarray(y.numpy()))
