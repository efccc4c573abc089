"""`cornu.preprocessing`: Keras 3's legacy namespace, and `smart_resize` against Keras's."""

import keras
import numpy as np
import pytest
import torch

import cornu


def _public(module):
    return {n for n in dir(module) if not n.startswith("_")}


def test_names_match_keras():
    for name in ("", ".image", ".sequence"):
        ours = eval(f"cornu.preprocessing{name}")
        theirs = eval(f"keras.preprocessing{name}")
        assert _public(theirs) <= _public(ours), name
    assert cornu.preprocessing.image.load_img is cornu.utils.load_img
    assert cornu.preprocessing.sequence.pad_sequences is cornu.utils.pad_sequences
    assert (cornu.preprocessing.image_dataset_from_directory
            is cornu.utils.image_dataset_from_directory)
    assert (cornu.preprocessing.timeseries_dataset_from_array
            is cornu.utils.timeseries_dataset_from_array)


def test_pad_sequences_through_the_legacy_namespace():
    sequences = [[1, 2, 3], [4], [5, 6, 7, 8, 9]]
    np.testing.assert_array_equal(
        cornu.preprocessing.sequence.pad_sequences(sequences, maxlen=4, truncating="post"),
        keras.preprocessing.sequence.pad_sequences(sequences, maxlen=4, truncating="post"))


CASES = [((34, 50, 3), (20, 20), "channels_last"), ((2, 50, 34, 3), (7, 13), "channels_last"),
         ((3, 34, 50), (20, 11), "channels_first"), ((2, 1, 17, 23), (40, 9), "channels_first"),
         ((5, 5, 2), (1, 30), "channels_last"), ((9, 4, 1), (4, 9), "channels_last")]


@pytest.mark.parametrize("shape, size, data_format", CASES)
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("dtype", ["float32", "uint8"])
def test_smart_resize_matches_keras(shape, size, data_format, interpolation, dtype):
    x = (np.random.default_rng(0).random(shape) * 255).astype(dtype)
    expected = keras.preprocessing.image.smart_resize(
        x, size, interpolation=interpolation, data_format=data_format)
    result = cornu.preprocessing.image.smart_resize(
        x, size, interpolation=interpolation, data_format=data_format)
    assert isinstance(result, np.ndarray) and result.dtype == expected.dtype
    np.testing.assert_allclose(result, expected, rtol=1e-6, atol=1e-4)


def test_smart_resize_keeps_torch_tensors():
    x = torch.rand(2, 30, 40, 3)
    result = cornu.preprocessing.image.smart_resize(x, (10, 10))
    assert isinstance(result, torch.Tensor) and result.shape == (2, 10, 10, 3)
    expected = keras.preprocessing.image.smart_resize(x.numpy(), (10, 10))
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6, atol=1e-6)


def test_smart_resize_errors():
    smart_resize = cornu.preprocessing.image.smart_resize
    with pytest.raises(ValueError, match="tuple of 2 integers"):
        smart_resize(np.zeros((4, 4, 3)), (2, 2, 2))
    with pytest.raises(ValueError, match="incorrect rank, of shape \\(4, 4\\)"):
        smart_resize(np.zeros((4, 4)), (2, 2))
    with pytest.raises(ValueError, match="data_format"):
        smart_resize(np.zeros((4, 4, 3)), (2, 2), data_format="NHWC")
    with pytest.raises(ValueError, match="interpolation"):
        smart_resize(np.zeros((4, 4, 3)), (2, 2), interpolation="cubic")
