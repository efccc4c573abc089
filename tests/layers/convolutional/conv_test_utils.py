"""Keras parity check shared by the convolution tests."""

import numpy as np
import pytest

import cornu
from cornu import layers


def check_keras_parity(name, kwargs, shape, seed=0, atol=1e-5):
    """Builds `name(**kwargs)` in Keras and cornu with the same random weights, then compares
    the weights' names and shapes, the outputs on a random input, and the symbolic shapes."""
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype("float32")
    ref = getattr(keras.layers, name)(**kwargs)
    ref.build(shape)
    ref.set_weights([rng.standard_normal(w.shape).astype("float32") for w in ref.get_weights()])
    expected = keras.ops.convert_to_numpy(ref(x))

    layer = getattr(layers, name)(**kwargs)
    layer.build(shape)
    assert [(w.name, tuple(w.shape)) for w in layer.weights] == [
        (w.name, tuple(w.shape)) for w in ref.weights]
    layer.set_weights(ref.get_weights())
    out = layer(x).detach().numpy()
    assert out.shape == expected.shape, f"{name}{kwargs}: {out.shape} != {expected.shape}"
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=atol, err_msg=f"{name}{kwargs}")

    sym_shape = (None,) + tuple(shape[1:])
    ref_sym = tuple(ref.compute_output_shape(sym_shape))
    assert tuple(layer.compute_output_shape(sym_shape)) == ref_sym
    fresh = getattr(layers, name)(**kwargs)
    assert tuple(fresh(cornu.Input(batch_shape=sym_shape)).shape) == ref_sym
    return layer, out
