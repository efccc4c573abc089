import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest
import torch

import cornu
from cornu import layers
from layer_test_utils import run_layer_test


def check_keras_parity(name, kwargs, shape, seed=0):
    """Same outputs as Keras on a random input, and the same symbolic output shape."""
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(seed).standard_normal(shape).astype("float32")
    expected = keras.ops.convert_to_numpy(getattr(keras.layers, name)(**kwargs)(x))
    out = getattr(layers, name)(**kwargs)(x).detach().numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6, err_msg=f"{name}{kwargs}")
    sym = (None,) + tuple(shape[1:])
    ref_sym = tuple(getattr(keras.layers, name)(**kwargs)(keras.Input(batch_shape=sym)).shape)
    assert tuple(getattr(layers, name)(**kwargs)(cornu.Input(batch_shape=sym)).shape) == ref_sym


def reference_pool(x, pool, strides, padding, mode):
    """Keras's (TensorFlow's) pooling written with loops over output positions, channels-last:
    "same" pads at the end first and never counts the padding."""
    spatial = x.shape[1:-1]
    if padding == "same":
        outs = [-(-n // s) for n, s in zip(spatial, strides)]
        lefts = [max((o - 1) * s + k - n, 0) // 2
                 for o, s, k, n in zip(outs, strides, pool, spatial)]
    else:
        outs = [(n - k) // s + 1 for n, k, s in zip(spatial, pool, strides)]
        lefts = [0] * len(spatial)
    out = np.zeros((x.shape[0], *outs, x.shape[-1]), x.dtype)
    for idx in np.ndindex(*outs):
        window = tuple(slice(max(i * s - l, 0), min(i * s - l + k, n))
                       for i, s, l, k, n in zip(idx, strides, lefts, pool, spatial))
        values = x[(slice(None),) + window + (slice(None),)]
        axes = tuple(range(1, 1 + len(spatial)))
        out[(slice(None),) + idx + (slice(None),)] = (
            values.max(axis=axes) if mode == "max" else values.mean(axis=axes))
    return out


@pytest.mark.parametrize("cls, kwargs, shape, out_shape", [
    (layers.MaxPooling1D, {}, (2, 7, 3), (2, 3, 3)),
    (layers.MaxPooling2D, {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 7, 6, 3),
     (2, 4, 3, 3)),
    (layers.MaxPooling3D, {"data_format": "channels_first"}, (2, 3, 4, 5, 4), (2, 3, 2, 2, 2)),
    (layers.AveragePooling1D, {"pool_size": 3, "strides": 2, "padding": "same"}, (2, 6, 3),
     (2, 3, 3)),
    (layers.AveragePooling2D, {"pool_size": 2, "data_format": "channels_first"}, (2, 3, 5, 4),
     (2, 3, 2, 2)),
    (layers.AveragePooling3D, {"pool_size": 2, "padding": "same"}, (2, 3, 4, 5, 2),
     (2, 2, 2, 3, 2)),
])
def test_pooling_layer(cls, kwargs, shape, out_shape):
    run_layer_test(cls, kwargs, input_shape=shape, expected_output_shape=out_shape,
                   expected_num_trainable_weights=0)


@pytest.mark.parametrize("name", ["MaxPooling1D", "AveragePooling1D"])
@pytest.mark.parametrize("kwargs, shape", [
    ({"pool_size": 2}, (2, 7, 3)),
    ({"pool_size": 3, "strides": 1}, (2, 7, 3)),
    ({"pool_size": 3, "strides": 2, "padding": "same"}, (2, 7, 3)),
    ({"pool_size": 2, "strides": 2, "padding": "same"}, (2, 9, 3)),
    ({"pool_size": 3, "padding": "same", "data_format": "channels_first"}, (2, 3, 7)),
])
def test_pooling1d_keras_parity(name, kwargs, shape):
    check_keras_parity(name, kwargs, shape)


@pytest.mark.parametrize("name", ["MaxPooling2D", "AveragePooling2D"])
@pytest.mark.parametrize("kwargs, shape", [
    ({"pool_size": (2, 3)}, (2, 7, 8, 3)),
    ({"pool_size": 3, "strides": 2, "padding": "same"}, (2, 7, 9, 3)),
    ({"pool_size": 2, "strides": (1, 2), "padding": "same"}, (2, 5, 6, 3)),
    ({"pool_size": 2, "padding": "same", "data_format": "channels_first"}, (2, 3, 5, 7)),
])
def test_pooling2d_keras_parity(name, kwargs, shape):
    check_keras_parity(name, kwargs, shape)


@pytest.mark.parametrize("name", ["MaxPooling3D", "AveragePooling3D"])
@pytest.mark.parametrize("kwargs, shape", [
    ({"pool_size": 2}, (1, 4, 5, 4, 2)),
    ({"pool_size": 3, "strides": 2, "padding": "same"}, (1, 5, 7, 5, 2)),
    ({"pool_size": (1, 2, 2), "data_format": "channels_first"}, (1, 2, 3, 4, 5)),
])
def test_pooling3d_keras_parity(name, kwargs, shape):
    check_keras_parity(name, kwargs, shape)


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("pool, strides, shape", [
    ((3,), (2,), (2, 6, 2)),  # asymmetric "same": 1 padding element at the end
    ((3, 3), (2, 2), (2, 6, 7, 2)),
    ((4, 3), (1, 3), (2, 5, 8, 2)),
    ((3, 2), (3, 2), (2, 7, 5, 2)),
    ((3, 2, 3), (2, 2, 1), (1, 6, 5, 4, 2)),
])
def test_same_padding_matches_keras_definition(mode, pool, strides, shape):
    # Keras's torch backend pads asymmetric "same" average windows with copies of the edge,
    # which TensorFlow (and Keras's documentation) does not; compare with the definition.
    x = np.random.default_rng(1).standard_normal(shape).astype("float32")
    name = ("MaxPooling" if mode == "max" else "AveragePooling") + f"{len(pool)}D"
    out = getattr(layers, name)(pool_size=pool, strides=strides, padding="same")(x).detach().numpy()
    np.testing.assert_allclose(out, reference_pool(x, pool, strides, "same", mode),
                               rtol=1e-5, atol=1e-6)


def test_same_average_pooling_excludes_padding():
    x = np.arange(1, 7, dtype="float32").reshape(1, 6, 1)
    out = layers.AveragePooling1D(3, strides=2, padding="same")(x)
    # windows [0, 3), [2, 5), [4, 6) of 1..6 (the last one holds 2 real values)
    np.testing.assert_allclose(out.numpy().ravel(), [2.0, 4.0, 5.5])


def test_max_pooling_same_never_picks_padding():
    x = -np.ones((1, 5, 5, 1), "float32")
    out = layers.MaxPooling2D(2, padding="same")(x)
    assert tuple(out.shape) == (1, 3, 3, 1) and (out.numpy() == -1).all()


def test_channels_last_output_is_contiguous():
    for layer in (layers.MaxPooling2D(2), layers.AveragePooling2D(3, 2, padding="same"),
                  layers.MaxPooling1D(3, 2, padding="same")):
        shape = (2, 9, 3) if isinstance(layer, layers.MaxPooling1D) else (2, 7, 7, 3)
        assert layer(torch.randn(shape)).is_contiguous()


def test_aliases():
    assert layers.MaxPool1D is layers.MaxPooling1D
    assert layers.MaxPool2D is layers.MaxPooling2D
    assert layers.MaxPool3D is layers.MaxPooling3D
    assert layers.AvgPool1D is layers.AveragePooling1D
    assert layers.AvgPool2D is layers.AveragePooling2D
    assert layers.AvgPool3D is layers.AveragePooling3D


def test_clear_errors():
    with pytest.raises(ValueError, match=r"max_pool.*rank 4.*rank 3"):
        layers.MaxPooling2D(name="max_pool")(np.zeros((2, 4, 3), "float32"))
    with pytest.raises(ValueError, match="padding.*Received: padding='full'"):
        layers.AveragePooling1D(2, padding="full")
    with pytest.raises(ValueError, match="pool_size.*tuple of 2 ints"):
        layers.MaxPooling2D((2, 2, 2))
    with pytest.raises(ValueError, match="strides.*>= 1"):
        layers.AveragePooling2D(2, strides=0)
    with pytest.raises(ValueError, match="zero or negative"):
        layers.MaxPooling2D(4)(np.zeros((1, 3, 3, 1), "float32"))


@pytest.mark.parametrize("name, kwargs, shape, out_shape", [
    ("AdaptiveAveragePooling1D", {"output_size": 3}, (2, 7, 3), (2, 3, 3)),
    ("AdaptiveMaxPooling1D", {"output_size": 4, "data_format": "channels_first"}, (2, 3, 9),
     (2, 3, 4)),
    ("AdaptiveAveragePooling2D", {"output_size": (2, 3)}, (2, 5, 7, 3), (2, 2, 3, 3)),
    ("AdaptiveMaxPooling2D", {"output_size": 3, "data_format": "channels_first"},
     (2, 3, 7, 5), (2, 3, 3, 3)),
    ("AdaptiveAveragePooling3D", {"output_size": 2, "data_format": "channels_first"},
     (1, 2, 5, 4, 3), (1, 2, 2, 2, 2)),
    ("AdaptiveMaxPooling3D", {"output_size": (1, 2, 3)}, (1, 3, 5, 7, 2), (1, 1, 2, 3, 2)),
])
def test_adaptive_pooling(name, kwargs, shape, out_shape):
    run_layer_test(getattr(layers, name), kwargs, input_shape=shape,
                   expected_output_shape=out_shape, expected_num_trainable_weights=0)
    check_keras_parity(name, kwargs, shape)


def test_adaptive_pooling_errors():
    with pytest.raises(ValueError, match="output_size.*tuple of 2 ints"):
        layers.AdaptiveAveragePooling2D((2, 2, 2))
    with pytest.raises(ValueError, match="rank 3.*rank 4"):
        layers.AdaptiveMaxPooling1D(2)(np.zeros((1, 4, 4, 2), "float32"))
