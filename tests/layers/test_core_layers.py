import numpy as np
import pytest
import torch

from cornu import layers
from layer_test_utils import run_layer_test


def test_dense():
    layer, out = run_layer_test(layers.Dense, {"units": 5, "activation": "relu"}, input_shape=(4, 3),
                                expected_output_shape=(4, 5), expected_num_trainable_weights=2,
                                expected_num_non_trainable_weights=0, supports_masking=True)
    x = torch.randn(4, 3)
    expected = torch.relu(x @ layer.kernel + layer.bias)
    np.testing.assert_allclose(layer(x).detach().numpy(), expected.detach().numpy(), rtol=1e-6)


def test_dense_3d_and_no_bias():
    run_layer_test(layers.Dense, {"units": 2, "use_bias": False}, input_shape=(2, 5, 3),
                   expected_output_shape=(2, 5, 2), expected_num_trainable_weights=1)


def test_dense_rejects_bad_units():
    with pytest.raises(ValueError, match="units"):
        layers.Dense(0)


def test_embedding():
    run_layer_test(layers.Embedding, {"input_dim": 10, "output_dim": 4}, input_shape=(3, 5),
                   input_dtype="int64", expected_output_shape=(3, 5, 4),
                   expected_num_trainable_weights=1)


def test_flatten_reshape_dropout_activation():
    run_layer_test(layers.Flatten, {}, input_shape=(2, 3, 4), expected_output_shape=(2, 12))
    run_layer_test(layers.Reshape, {"target_shape": (-1, 2)}, input_shape=(2, 3, 4),
                   expected_output_shape=(2, 6, 2))
    run_layer_test(layers.Dropout, {"rate": 0.5}, input_shape=(2, 3), expected_output_shape=(2, 3))
    run_layer_test(layers.Activation, {"activation": "tanh"}, input_shape=(2, 3),
                   expected_output_shape=(2, 3))


@pytest.mark.parametrize("cls", [layers.Add, layers.Subtract, layers.Multiply, layers.Average,
                                 layers.Maximum, layers.Minimum])
def test_elementwise_merges(cls):
    run_layer_test(cls, {}, input_shape=[(2, 3), (2, 3)], expected_output_shape=(2, 3))


def test_concatenate_and_dot():
    run_layer_test(layers.Concatenate, {"axis": -1}, input_shape=[(2, 3), (2, 4)],
                   expected_output_shape=(2, 7))
    run_layer_test(layers.Dot, {"axes": 1}, input_shape=[(2, 3), (2, 3)],
                   expected_output_shape=(2, 1))
