import os

import numpy as np
import pytest
import torch

from cornu.utils.numerical_utils import normalize, to_categorical

CATEGORICAL_CASES = [
    ([0, 1, 2, 3], None),
    ([0, 1, 2, 3], 6),
    (np.array([[0], [2], [1]]), None),  # trailing singleton dimension is squeezed
    (np.array([[0, 1], [2, 1]]), 4),
    (np.arange(24).reshape(2, 3, 4) % 5, None),
    (np.array([[[1]], [[0]]]), 3),
    (np.array([1.0, 2.0]), None),  # float labels are cast
    (3, 5),
]


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


@pytest.mark.parametrize("x, num_classes", CATEGORICAL_CASES)
def test_to_categorical_matches_keras(keras, x, num_classes):
    expected = keras.utils.to_categorical(x, num_classes)
    result = to_categorical(x, num_classes)
    assert result.dtype == np.float32
    assert result.shape == expected.shape
    np.testing.assert_array_equal(result, expected)


def test_to_categorical_torch_input():
    x = torch.tensor([[2], [0], [1]])
    result = to_categorical(x)
    assert isinstance(result, torch.Tensor) and result.dtype == torch.float32
    assert result.shape == (3, 3)
    np.testing.assert_array_equal(result.numpy(), to_categorical(x.numpy()))
    assert to_categorical(torch.tensor([1, 0]), num_classes=4).shape == (2, 4)


def test_to_categorical_errors():
    with pytest.raises(ValueError, match=r"\[0, 2\].*Received values in \[0, 3\]"):
        to_categorical([0, 3], num_classes=3)
    with pytest.raises(ValueError, match="Received values in \\[-1, 1\\]"):
        to_categorical([-1, 1])
    with pytest.raises(ValueError, match="num_classes"):
        to_categorical([0, 1], num_classes=-2)
    with pytest.raises(ValueError, match="num_classes"):
        to_categorical([])
    with pytest.raises(ValueError, match="class indices"):
        to_categorical(["a", "b"])


NORMALIZE_CASES = [
    (np.array([[3.0, 4.0], [0.0, 0.0]]), -1, 2),
    (np.arange(24, dtype="float32").reshape(2, 3, 4) - 10, 1, 2),
    (np.arange(24, dtype="float64").reshape(2, 3, 4), -2, 1),
    (np.array([[1, 2, 3], [4, 5, 6]]), -1, 2),
    (np.array([1.0, -2.0, 2.0]), 0, np.inf),
]


@pytest.mark.parametrize("x, axis, order", NORMALIZE_CASES)
def test_normalize_matches_keras(keras, x, axis, order):
    expected = keras.utils.normalize(x, axis=axis, order=order)
    result = normalize(x, axis=axis, order=order)
    assert isinstance(result, np.ndarray) and result.dtype == expected.dtype
    np.testing.assert_allclose(result, expected, rtol=1e-6)


def test_normalize_axis_0():
    # Keras's NumPy path normalizes along the last axis when axis=0; cornu uses axis 0.
    x = np.arange(24, dtype="float64").reshape(2, 3, 4)
    expected = x / np.maximum(np.abs(x).sum(axis=0, keepdims=True), 1e-300)
    np.testing.assert_allclose(normalize(x, axis=0, order=1), expected)


def test_normalize_torch_input():
    x = torch.tensor([[3.0, 4.0], [0.0, 0.0]])
    result = normalize(x)
    assert isinstance(result, torch.Tensor)
    np.testing.assert_allclose(result.numpy(), [[0.6, 0.8], [0.0, 0.0]], rtol=1e-6)
    ints = normalize(torch.tensor([[1, 1]]), order=1)
    assert ints.dtype == torch.float32
    np.testing.assert_allclose(ints.numpy(), [[0.5, 0.5]])


def test_normalize_errors():
    with pytest.raises(ValueError, match="axis"):
        normalize(np.ones((2, 2)), axis=None)
