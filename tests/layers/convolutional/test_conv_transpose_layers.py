import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from conv_test_utils import check_keras_parity
from cornu import layers
from layer_test_utils import run_layer_test


@pytest.mark.parametrize("cls, kwargs, shape, out_shape", [
    (layers.Conv1DTranspose, {"filters": 3, "kernel_size": 3, "strides": 2}, (2, 5, 2),
     (2, 11, 3)),
    (layers.Conv2DTranspose, {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same",
                              "activation": "relu"}, (2, 4, 5, 2), (2, 8, 10, 3)),
    (layers.Conv2DTranspose, {"filters": 3, "kernel_size": 2, "data_format": "channels_first",
                              "output_padding": 0}, (2, 2, 4, 5), (2, 3, 5, 6)),
    (layers.Conv3DTranspose, {"filters": 2, "kernel_size": 2, "strides": 2}, (1, 2, 3, 2, 2),
     (1, 4, 6, 4, 2)),
])
def test_conv_transpose_layer(cls, kwargs, shape, out_shape):
    run_layer_test(cls, kwargs, input_shape=shape, expected_output_shape=out_shape,
                   expected_num_trainable_weights=2)


@pytest.mark.parametrize("kwargs, shape", [
    ({"filters": 3, "kernel_size": 3}, (2, 5, 2)),
    ({"filters": 3, "kernel_size": 3, "strides": 2}, (2, 5, 2)),
    ({"filters": 3, "kernel_size": 2, "strides": 3}, (2, 5, 2)),
    ({"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 5, 2)),
    ({"filters": 3, "kernel_size": 4, "strides": 2, "padding": "same"}, (2, 5, 2)),
    ({"filters": 3, "kernel_size": 5, "strides": 3, "padding": "same", "output_padding": 2},
     (2, 4, 2)),
    ({"filters": 3, "kernel_size": 3, "strides": 2, "output_padding": 1}, (2, 5, 2)),
    ({"filters": 3, "kernel_size": 3, "dilation_rate": 2, "padding": "same"}, (2, 6, 2)),
    ({"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same",
      "data_format": "channels_first"}, (2, 2, 5)),
])
def test_conv1d_transpose_keras_parity(kwargs, shape):
    check_keras_parity("Conv1DTranspose", kwargs, shape)


@pytest.mark.parametrize("kwargs, shape", [
    ({"filters": 3, "kernel_size": (3, 2)}, (2, 4, 5, 2)),
    ({"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 3, 5, 2)),
    ({"filters": 3, "kernel_size": 3, "strides": (2, 3), "output_padding": (1, 2)},
     (2, 3, 4, 2)),
    ({"filters": 3, "kernel_size": 4, "strides": 2, "padding": "same", "output_padding": 1},
     (2, 3, 4, 2)),
    ({"filters": 3, "kernel_size": 3, "dilation_rate": 2}, (2, 4, 4, 2)),
    ({"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same",
      "data_format": "channels_first"}, (2, 2, 3, 5)),
])
def test_conv2d_transpose_keras_parity(kwargs, shape):
    check_keras_parity("Conv2DTranspose", kwargs, shape)


@pytest.mark.parametrize("kwargs, shape", [
    ({"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, (1, 3, 2, 3, 2)),
    ({"filters": 2, "kernel_size": 2, "strides": (1, 2, 3), "output_padding": (0, 1, 2),
      "data_format": "channels_first"}, (1, 2, 3, 2, 3)),
])
def test_conv3d_transpose_keras_parity(kwargs, shape):
    check_keras_parity("Conv3DTranspose", kwargs, shape)


@pytest.mark.parametrize("kernel, stride, padding, output_padding", [
    (3, 2, "same", None), (4, 2, "same", None), (5, 3, "same", 1), (3, 2, "valid", 1),
    (2, 3, "valid", None), (3, 1, "same", 0),
])
def test_transpose_is_the_adjoint_of_the_strided_conv(kernel, stride, padding, output_padding):
    # TensorFlow's definition: conv_transpose(x) is the gradient of Keras's conv (with its
    # "same" padding) on an input of the transposed output's size.
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((2, 4, 3)), dtype=torch.float32)
    layer = layers.Conv1DTranspose(2, kernel, strides=stride, padding=padding,
                                   output_padding=output_padding, use_bias=False)
    out = layer(x)
    conv = layers.Conv1D(3, kernel, strides=stride, padding=padding, use_bias=False)
    y = torch.zeros(out.shape, requires_grad=True)
    conv.build(tuple(y.shape))
    conv.set_weights(layer.get_weights())
    (grad,) = torch.autograd.grad((conv(y) * x).sum(), y)
    np.testing.assert_allclose(out.detach().numpy(), grad.numpy(), rtol=1e-5, atol=1e-5)


def test_aliases():
    assert layers.Convolution1DTranspose is layers.Conv1DTranspose
    assert layers.Convolution2DTranspose is layers.Conv2DTranspose
    assert layers.Convolution3DTranspose is layers.Conv3DTranspose


def test_clear_errors():
    with pytest.raises(ValueError, match="output_padding.*< the matching stride"):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="strides > 1.*dilation_rate > 1"):
        layers.Conv2DTranspose(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="rank 5.*rank 4"):
        layers.Conv3DTranspose(2, 3)(np.zeros((1, 4, 4, 2), "float32"))
    with pytest.raises(ValueError, match="zero or negative"):
        layers.Conv1DTranspose(2, 2, padding="same", output_padding=0)(
            np.zeros((1, 1, 2), "float32"))
