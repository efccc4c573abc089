"""HashedCrossing: TensorFlow's `cross_hashed` bins (the values Keras's own tests expect)."""

import numpy as np
import pytest
import torch

import cornu as keras
from cornu import layers
from layer_test_utils import run_layer_test

FEAT1 = np.array(["A", "B", "A", "B", "A"])
FEAT2 = np.array([101, 101, 101, 102, 102])


def test_bins_match_keras():
    # Keras's hashed_crossing_test expects these bins (computed by TensorFlow).
    out = layers.HashedCrossing(num_bins=5)((FEAT1, FEAT2))
    assert out.dtype == torch.int64 and out.tolist() == [1, 4, 1, 1, 3]
    assert layers.HashedCrossing(num_bins=10)((np.array("A"), np.array(101))).tolist() == 1
    # (batch, 1) inputs, torch tensors, bytes and three features.
    two_d = layers.HashedCrossing(5)([FEAT1[:, None], torch.as_tensor(FEAT2[:, None])])
    assert two_d.shape == (5, 1) and two_d[:, 0].tolist() == [1, 4, 1, 1, 3]
    assert layers.HashedCrossing(5)([FEAT1.astype("S"), FEAT2]).tolist() == [1, 4, 1, 1, 3]
    three = layers.HashedCrossing(7, dtype="int32")([FEAT1, FEAT2, np.array([1, 1, 1, 2, 2])])
    assert three.dtype == torch.int32 and three.shape == (5,)
    assert int(three.min()) >= 0 and int(three.max()) < 7


def test_one_hot():
    out = layers.HashedCrossing(num_bins=5, output_mode="one_hot")((FEAT1, FEAT2))
    expected = np.eye(5, dtype="float32")[[1, 4, 1, 1, 3]]
    np.testing.assert_array_equal(out.numpy(), expected)
    out = layers.HashedCrossing(5, output_mode="one_hot")((FEAT1[:, None], FEAT2[:, None]))
    np.testing.assert_array_equal(out.numpy(), expected)
    scalar = layers.HashedCrossing(10, output_mode="one_hot")((np.array("A"), np.array(101)))
    assert scalar.shape == (10,) and int(scalar.argmax()) == 1


def test_symbolic_model_and_config():
    a, b = keras.Input((1,), dtype="int64"), keras.Input((1,), dtype="int64")
    layer = layers.HashedCrossing(8, output_mode="one_hot")
    out = layer([a, b])
    assert tuple(out.shape) == (None, 8)
    model = keras.Model([a, b], out)
    pred = model.predict([np.array([[1], [2]]), np.array([[3], [4]])], verbose=0)
    expected = layer((np.array([[1], [2]]), np.array([[3], [4]]))).numpy()
    np.testing.assert_array_equal(pred, expected)
    config = layer.get_config()
    assert {k: config[k] for k in ("num_bins", "output_mode", "sparse")} == dict(
        num_bins=8, output_mode="one_hot", sparse=False)
    revived = layers.HashedCrossing.from_config(config)
    assert revived.get_config() == config
    run_layer_test(layers.HashedCrossing, dict(num_bins=3),
                   input_data=[np.array([1, 2]), np.array([4, 5])], expected_output_shape=(2,),
                   run_training_check=False)


def test_keras_config_loads():
    k = pytest.importorskip("keras")
    config = {"num_bins": 4, "output_mode": "one_hot", "sparse": False, "name": "hc",
              "dtype": "float32"}
    layer = layers.HashedCrossing.from_config(config)
    assert layer.name == "hc" and layer.num_bins == 4
    assert k.layers.HashedCrossing.__name__ == "HashedCrossing"


def test_errors():
    with pytest.raises(ValueError, match="num_bins.*Received: num_bins=0"):
        layers.HashedCrossing(0)
    with pytest.raises(ValueError, match="output_mode"):
        layers.HashedCrossing(3, output_mode="multi_hot")
    with pytest.raises(ValueError, match="sparse"):
        layers.HashedCrossing(3, sparse=True)
    layer = layers.HashedCrossing(3)
    with pytest.raises(ValueError, match="list or tuple"):
        layer(np.array([1, 2]))
    with pytest.raises(ValueError, match="at least two"):
        layer([np.array([1, 2])])
    with pytest.raises(ValueError, match="same shape"):
        layer([np.array([1, 2]), np.array([1, 2, 3])])
    with pytest.raises(ValueError, match=r"\(batch, 1\)"):
        layer([np.ones((2, 2), "int64"), np.ones((2, 2), "int64")])
    with pytest.raises(ValueError, match="integers or strings.*float"):
        layer([np.array([1.0]), np.array([1.0])])
