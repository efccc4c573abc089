import os

import numpy as np
import pytest

from cornu.utils.sequence_utils import pad_sequences

SEQUENCES = [[1], [2, 3], [4, 5, 6], [], [7, 8, 9, 10, 11]]

CASES = [
    {},
    {"maxlen": 2},
    {"maxlen": 4, "padding": "post"},
    {"maxlen": 3, "truncating": "post"},
    {"maxlen": 3, "padding": "post", "truncating": "post", "value": -1},
    {"maxlen": 7, "value": 9},
    {"dtype": "float32", "value": 0.5},
    {"dtype": "int64", "maxlen": 1},
]


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


@pytest.mark.parametrize("kwargs", CASES)
def test_matches_keras(keras, kwargs):
    expected = keras.utils.pad_sequences(SEQUENCES, **kwargs)
    result = pad_sequences(SEQUENCES, **kwargs)
    assert result.dtype == expected.dtype and result.shape == expected.shape
    np.testing.assert_array_equal(result, expected)


def test_multidimensional_samples_match_keras(keras):
    sequences = [np.ones((2, 3)), np.zeros((4, 3)), np.full((1, 3), 2.0)]
    for kwargs in ({}, {"maxlen": 3, "padding": "post", "dtype": "float32"}):
        expected = keras.utils.pad_sequences(sequences, **kwargs)
        result = pad_sequences(sequences, **kwargs)
        assert result.shape == expected.shape == (3, kwargs.get("maxlen", 4), 3)
        np.testing.assert_array_equal(result, expected)


def test_strings_match_keras(keras):
    sequences = [["a", "bb"], ["ccc"]]
    expected = keras.utils.pad_sequences(sequences, dtype=object, value="<pad>")
    result = pad_sequences(sequences, dtype=object, value="<pad>")
    assert result.tolist() == expected.tolist()
    assert pad_sequences(sequences, dtype="<U5", value="-").tolist() == [["a", "bb"], ["-", "ccc"]]


def test_errors():
    with pytest.raises(ValueError, match="Padding type"):
        pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="Truncating type"):
        pad_sequences([[1]], truncating="middle")
    with pytest.raises(ValueError, match="non-iterable"):
        pad_sequences([[1], 2])
    with pytest.raises(ValueError, match="must be iterable"):
        pad_sequences(5)
    with pytest.raises(ValueError, match="not compatible"):
        pad_sequences([[1]], value="x")
    with pytest.raises(ValueError, match="maxlen"):
        pad_sequences([[1]], maxlen=-1)
    with pytest.raises(ValueError, match="different from expected shape"):
        pad_sequences([np.ones((2, 3)), np.ones((2, 4))])


def test_empty_inputs():
    assert pad_sequences([]).shape == (0, 0)
    assert pad_sequences([[], []]).shape == (2, 0)
    assert pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)
