"""`add_loss` as Keras's "Making new layers and models via subclassing" guide uses it: the
losses of the last call only, in layers called alone, nested, and in subclassed models
trained with `fit` (whose `call` takes no `training` argument)."""

import keras
import numpy as np
import pytest

import cornu


def _activity_layers(K):
    class ActivityRegularizationLayer(K.layers.Layer):
        def __init__(self, rate=1e-2):
            super().__init__()
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * K.ops.mean(inputs))
            return inputs

    class OuterLayer(K.layers.Layer):
        def __init__(self):
            super().__init__()
            self.activity_reg = ActivityRegularizationLayer(1e-2)

        def call(self, inputs):
            return self.activity_reg(inputs)

    return ActivityRegularizationLayer, OuterLayer


@pytest.mark.parametrize("which", [0, 1])
def test_each_call_keeps_only_its_own_losses(which):
    x = np.full((2, 3), 2.0, "float32")
    counts = {}
    for K in (keras, cornu):
        layer = _activity_layers(K)[which]()
        seen = [len(layer.losses)]
        for _ in range(3):
            layer(K.ops.convert_to_tensor(x))  # a tensor: a built layer's quickest call
            seen.append([round(float(np.asarray(K.ops.convert_to_numpy(v))), 6)
                         for v in layer.losses])
        counts[K.__name__] = seen
    assert counts["cornu"] == counts["keras"] == [0] + [[0.02]] * 3


def _subclassed_model(K):
    class Regularized(K.Model):
        def __init__(self):
            super().__init__()
            self.hidden = K.layers.Dense(4, activation="tanh")
            self.out = K.layers.Dense(2)

        def call(self, inputs):
            h = self.hidden(inputs)
            self.add_loss(0.1 * K.ops.mean(K.ops.square(h)))
            return self.out(h)

    return Regularized()


def test_fit_of_a_subclassed_model_adding_losses_matches_keras():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 3)).astype("float32"), rng.normal(size=(32, 2)).astype("float32")
    results = {}
    for K in (keras, cornu):
        model = _subclassed_model(K)
        model(x[:1])
        if K is cornu:
            model.set_weights(results["weights"])
        else:
            results["weights"] = model.get_weights()
        model.compile(K.optimizers.SGD(0.1), "mse")
        history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
        results[K.__name__] = history.history["loss"], model.get_weights()
    np.testing.assert_allclose(results["cornu"][0], results["keras"][0], rtol=1e-5)
    for a, b in zip(results["cornu"][1], results["keras"][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_model_without_trainable_weights_warns_and_fits_like_keras():
    x = np.random.default_rng(1).random((4, 3)).astype("float32")
    losses = {}
    for K in (keras, cornu):
        inputs = K.Input((3,))
        model = K.Model(inputs, _activity_layers(K)[0]()(inputs))
        model.compile("adam", "mse")
        with pytest.warns(UserWarning, match="does not have any trainable weights"):
            losses[K.__name__] = model.fit(x, x * 0.5, batch_size=4, verbose=0).history["loss"]
    np.testing.assert_allclose(losses["cornu"], losses["keras"], rtol=1e-5)
