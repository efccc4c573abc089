"""Hashing. Keras's own Hashing layer needs TensorFlow (absent here), so these tests check
the layer's contract: the same text hashes the same way whatever the input type, the mask
bin, the encodings (against CategoryEncoding), configs and errors."""

import numpy as np
import pytest
import torch

import cornu as keras
from cornu import layers

VALUES = np.array([[1, 22, -333], [4444, 5, 0], [1, 1, 7]])


def test_same_text_same_bin_for_ints_floats_and_strings():
    layer = layers.Hashing(11)
    bins = layer(VALUES)
    assert bins.dtype == torch.int64 and tuple(bins.shape) == VALUES.shape
    assert bins.min() >= 0 and bins.max() < 11
    np.testing.assert_array_equal(layer(VALUES.astype(str)).numpy(), bins.numpy())
    np.testing.assert_array_equal(layer(VALUES + 0.7 * np.sign(VALUES)).numpy(), bins.numpy())  # truncated
    np.testing.assert_array_equal(layer(torch.as_tensor(VALUES, dtype=torch.int32)).numpy(),
                                  bins.numpy())
    assert bins[0, 0] == bins[2, 0] == bins[2, 1]
    many = layer(np.arange(2000))
    assert len(torch.unique(many)) == 11  # every bin is used


def test_mask_value_takes_bin_zero():
    plain, masked = layers.Hashing(6), layers.Hashing(7, mask_value=0)
    out = masked(VALUES).numpy()
    np.testing.assert_array_equal(out[VALUES == 0], 0)
    np.testing.assert_array_equal(out[VALUES != 0], plain(VALUES).numpy()[VALUES != 0] + 1)
    words = np.array(["", "cat", "dog", ""])
    np.testing.assert_array_equal(layers.Hashing(5, mask_value="")(words).numpy()[[0, 3]], 0)


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
def test_encoded_outputs_match_category_encoding(mode):
    bins = layers.Hashing(9)(VALUES)
    out = layers.Hashing(9, output_mode=mode)(VALUES)
    assert out.dtype == torch.float32
    np.testing.assert_array_equal(out.numpy(), layers.CategoryEncoding(9, mode)(bins).numpy())


def test_hashing_in_model_and_config_round_trip(tmp_path):
    inputs = keras.Input((3,), dtype="int64")
    model = keras.Model(inputs, layers.Hashing(13, mask_value=5)(inputs))
    expected = layers.Hashing(13, mask_value=5)(VALUES).numpy()
    np.testing.assert_array_equal(model.predict(VALUES, verbose=0), expected)
    model.save(tmp_path / "h.keras")
    restored = keras.models.load_model(tmp_path / "h.keras")
    np.testing.assert_array_equal(restored.predict(VALUES, verbose=0), expected)
    config = layers.Hashing(4, output_mode="count").get_config()
    assert {k: config[k] for k in ("num_bins", "salt", "mask_value", "output_mode", "sparse")} \
        == dict(num_bins=4, salt=None, mask_value=None, output_mode="count", sparse=False)
    assert config["dtype"]["config"]["name"] == "float32"


def test_hashing_errors():
    with pytest.raises(ValueError, match="`num_bins` must be a positive int"):
        layers.Hashing(0)
    with pytest.raises(ValueError, match="`dtype` must be 'int32' or 'int64'"):
        layers.Hashing(3, dtype="float32")
    with pytest.raises(ValueError, match="`salt`"):
        layers.Hashing(3, salt=[1, 2, 3])
    with pytest.raises(ValueError, match="`output_mode` must be one of"):
        layers.Hashing(3, output_mode="tf_idf")
