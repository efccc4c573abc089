import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest
import torch

from conv_test_utils import check_keras_parity
from cornu import layers
from layer_test_utils import run_layer_test


@pytest.mark.parametrize("cls, kwargs, shape, out_shape", [
    (layers.Conv1D, {"filters": 4, "kernel_size": 3}, (2, 8, 3), (2, 6, 4)),
    (layers.Conv1D, {"filters": 4, "kernel_size": 3, "padding": "causal", "dilation_rate": 2},
     (2, 8, 3), (2, 8, 4)),
    (layers.Conv2D, {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same",
                     "activation": "relu"}, (2, 7, 9, 3), (2, 4, 5, 4)),
    (layers.Conv2D, {"filters": 4, "kernel_size": (3, 2), "groups": 2,
                     "data_format": "channels_first"}, (2, 4, 6, 6), (2, 4, 4, 5)),
    (layers.Conv3D, {"filters": 2, "kernel_size": 2, "padding": "same"}, (2, 4, 5, 3, 2),
     (2, 4, 5, 3, 2)),
])
def test_conv_layer(cls, kwargs, shape, out_shape):
    run_layer_test(cls, kwargs, input_shape=shape, expected_output_shape=out_shape,
                   expected_num_trainable_weights=2, expected_num_non_trainable_weights=0)


def test_conv_without_bias_and_with_regularizers():
    run_layer_test(layers.Conv2D, {"filters": 3, "kernel_size": 2, "use_bias": False,
                                   "kernel_regularizer": "l2",
                                   "activity_regularizer": "l1"},
                   input_shape=(2, 5, 5, 2), expected_output_shape=(2, 4, 4, 3),
                   expected_num_trainable_weights=1, expected_num_losses=2)


@pytest.mark.parametrize("kwargs, shape", [
    ({"filters": 3, "kernel_size": 3}, (2, 9, 4)),
    ({"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 9, 4)),
    ({"filters": 3, "kernel_size": 4, "strides": 3, "padding": "same"}, (2, 10, 4)),
    ({"filters": 3, "kernel_size": 4, "padding": "same"}, (2, 9, 4)),
    ({"filters": 3, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}, (2, 9, 4)),
    ({"filters": 4, "kernel_size": 2, "groups": 2, "strides": 2}, (2, 9, 4)),
    ({"filters": 3, "kernel_size": 3, "padding": "same", "data_format": "channels_first"},
     (2, 4, 9)),
    ({"filters": 3, "kernel_size": 3, "padding": "causal", "data_format": "channels_first"},
     (2, 4, 9)),
    ({"filters": 3, "kernel_size": 3, "activation": "tanh", "dilation_rate": 3}, (2, 11, 4)),
])
def test_conv1d_keras_parity(kwargs, shape):
    check_keras_parity("Conv1D", kwargs, shape)


@pytest.mark.parametrize("kwargs, shape", [
    ({"filters": 3, "kernel_size": (3, 2)}, (2, 7, 6, 2)),
    ({"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 7, 9, 2)),
    ({"filters": 3, "kernel_size": 4, "padding": "same"}, (2, 6, 7, 2)),
    ({"filters": 3, "kernel_size": 2, "strides": (2, 1), "padding": "same"}, (2, 7, 5, 2)),
    ({"filters": 3, "kernel_size": 3, "dilation_rate": 2, "padding": "same"}, (2, 7, 8, 2)),
    ({"filters": 6, "kernel_size": 3, "groups": 3}, (2, 6, 6, 6)),
    ({"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same",
      "data_format": "channels_first"}, (2, 2, 7, 9)),
    ({"filters": 4, "kernel_size": 3, "groups": 2, "dilation_rate": (1, 2),
      "data_format": "channels_first"}, (2, 4, 7, 8)),
])
def test_conv2d_keras_parity(kwargs, shape):
    check_keras_parity("Conv2D", kwargs, shape)


@pytest.mark.parametrize("kwargs, shape", [
    ({"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, (1, 5, 6, 7, 2)),
    ({"filters": 2, "kernel_size": 2, "dilation_rate": 2, "data_format": "channels_first"},
     (1, 2, 5, 5, 6)),
    ({"filters": 4, "kernel_size": (1, 2, 3), "groups": 2}, (1, 3, 4, 5, 2)),
])
def test_conv3d_keras_parity(kwargs, shape):
    check_keras_parity("Conv3D", kwargs, shape)


def test_channels_last_runs_without_copies():
    # (torch's CPU conv3d ignores channels_last_3d, so 3D is not checked here.)
    for layer, shape in [(layers.Conv2D(4, 3, padding="same"), (2, 6, 6, 3)),
                         (layers.Conv2D(4, 3, strides=2, padding="same"), (2, 7, 7, 3)),
                         (layers.Conv1D(4, 3, padding="causal"), (2, 6, 3))]:
        out = layer(torch.randn(shape))
        assert out.is_contiguous(), type(layer).__name__


def test_mixed_precision_casts_the_kernel():
    layer = layers.Conv2D(3, 3, dtype="mixed_bfloat16")
    out = layer(np.random.rand(1, 5, 5, 2).astype("float32"))
    assert out.dtype == torch.bfloat16 and layer.kernel.dtype == torch.float32


def test_aliases():
    assert layers.Convolution1D is layers.Conv1D
    assert layers.Convolution2D is layers.Conv2D
    assert layers.Convolution3D is layers.Conv3D


def test_clear_errors():
    with pytest.raises(ValueError, match=r"conv2d.*rank 4.*rank 3"):
        layers.Conv2D(2, 3, name="conv2d")(np.zeros((2, 5, 3), "float32"))
    with pytest.raises(ValueError, match="divisible by `groups`.*filters=5, groups=2"):
        layers.Conv2D(5, 3, groups=2)
    with pytest.raises(ValueError, match="input channels.*groups=2.*3 channels"):
        layers.Conv2D(4, 3, groups=2)(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match="strides > 1.*dilation_rate > 1"):
        layers.Conv1D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="padding.*Received: padding='causal'"):
        layers.Conv2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match="kernel_size.*>= 1"):
        layers.Conv2D(2, (3, 0))
    with pytest.raises(ValueError, match="kernel_size.*tuple of 2 ints"):
        layers.Conv2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="filters.*positive.*filters=0"):
        layers.Conv1D(0, 3)
    with pytest.raises(ValueError, match="zero or negative"):
        layers.Conv2D(2, 5)(np.zeros((1, 3, 3, 1), "float32"))
    with pytest.raises(ValueError, match="data_format"):
        layers.Conv2D(2, 3, data_format="NHWC")
    layer = layers.Conv2D(2, 3)
    layer(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match="built for inputs with 3 channels.*4 channels"):
        layer(torch.zeros(1, 5, 5, 4))
