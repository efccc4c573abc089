"""Weight regularizers count for trainable weights only, in `layer.losses` and in `fit`, as
in Keras."""

import keras
import numpy as np

import cornu


def _model(K):
    return K.Sequential([K.Input((3,)),
                         K.layers.Dense(4, kernel_regularizer="l2", bias_regularizer="l1",
                                        activity_regularizer="l2", name="frozen"),
                         K.layers.Dense(2, kernel_regularizer="l1", name="head")])


def test_frozen_weights_add_no_penalty_like_keras():
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    y = np.ones((8, 2), "float32")
    results = {}
    for K in (keras, cornu):
        model = _model(K)
        if K is cornu:
            model.set_weights(results["weights"])
        else:
            results["weights"] = model.get_weights()
        model.get_layer("frozen").trainable = False
        model(x)
        losses = [float(np.asarray(K.ops.convert_to_numpy(l))) for l in model.losses]
        model.compile(K.optimizers.SGD(0.1), "mse")
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        results[K.__name__] = losses, history.history["loss"], model.get_weights()
    (losses, history, weights), (k_losses, k_history, k_weights) = results["cornu"], results["keras"]
    np.testing.assert_allclose(losses, k_losses, rtol=1e-5)
    np.testing.assert_allclose(history, k_history, rtol=1e-5)
    for a, b in zip(weights, k_weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
