import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest

from conv_test_utils import check_keras_parity
from cornu import layers
from layer_test_utils import run_layer_test


def test_depthwise_layers():
    run_layer_test(layers.DepthwiseConv2D, {"kernel_size": 3, "depth_multiplier": 2,
                                            "padding": "same"},
                   input_shape=(2, 5, 6, 3), expected_output_shape=(2, 5, 6, 6),
                   expected_num_trainable_weights=2)
    run_layer_test(layers.DepthwiseConv1D, {"kernel_size": 3, "strides": 2,
                                            "data_format": "channels_first"},
                   input_shape=(2, 3, 9), expected_output_shape=(2, 3, 4),
                   expected_num_trainable_weights=2)


def test_separable_layers():
    run_layer_test(layers.SeparableConv2D, {"filters": 4, "kernel_size": 3,
                                            "depth_multiplier": 2, "activation": "relu"},
                   input_shape=(2, 5, 6, 3), expected_output_shape=(2, 3, 4, 4),
                   expected_num_trainable_weights=3)
    run_layer_test(layers.SeparableConv1D, {"filters": 4, "kernel_size": 3, "padding": "same",
                                            "use_bias": False},
                   input_shape=(2, 7, 3), expected_output_shape=(2, 7, 4),
                   expected_num_trainable_weights=2)


@pytest.mark.parametrize("name, kwargs, shape", [
    ("DepthwiseConv1D", {"kernel_size": 3}, (2, 8, 3)),
    ("DepthwiseConv1D", {"kernel_size": 4, "strides": 2, "padding": "same",
                         "depth_multiplier": 3}, (2, 9, 2)),
    ("DepthwiseConv1D", {"kernel_size": 3, "dilation_rate": 2, "padding": "same",
                         "data_format": "channels_first"}, (2, 3, 8)),
    ("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2}, (2, 6, 7, 3)),
    ("DepthwiseConv2D", {"kernel_size": 3, "strides": 2, "padding": "same"}, (2, 7, 9, 3)),
    ("DepthwiseConv2D", {"kernel_size": (2, 3), "depth_multiplier": 2, "padding": "same",
                         "data_format": "channels_first"}, (2, 3, 6, 5)),
    ("DepthwiseConv2D", {"kernel_size": 3, "dilation_rate": 2}, (2, 7, 7, 2)),
    ("SeparableConv1D", {"filters": 4, "kernel_size": 3, "depth_multiplier": 2}, (2, 8, 3)),
    ("SeparableConv1D", {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same",
                         "data_format": "channels_first"}, (2, 3, 9)),
    ("SeparableConv2D", {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same",
                         "depth_multiplier": 2}, (2, 7, 9, 3)),
    ("SeparableConv2D", {"filters": 5, "kernel_size": 2, "dilation_rate": 2,
                         "data_format": "channels_first"}, (2, 3, 6, 6)),
])
def test_keras_parity(name, kwargs, shape):
    check_keras_parity(name, kwargs, shape)


def test_aliases():
    assert layers.SeparableConvolution1D is layers.SeparableConv1D
    assert layers.SeparableConvolution2D is layers.SeparableConv2D


def test_clear_errors():
    with pytest.raises(ValueError, match="depth_multiplier.*positive.*depth_multiplier=0"):
        layers.DepthwiseConv2D(3, depth_multiplier=0)
    with pytest.raises(ValueError, match="filters.*positive"):
        layers.SeparableConv2D(-1, 3)
    with pytest.raises(ValueError, match="rank 4.*rank 3"):
        layers.SeparableConv2D(2, 3)(np.zeros((1, 5, 3), "float32"))
    with pytest.raises(ValueError, match="padding"):
        layers.DepthwiseConv1D(3, padding="causal")
