"""CategoryEncoding and Discretization against Keras 3: outputs, adapted state, configs."""

import numpy as np
import pytest
import torch

import cornu as keras
from cornu import layers

RNG = np.random.default_rng(2)
TOKENS = np.array([[0, 1, 3, 3], [2, 2, -1, 0], [4, 0, 1, 2]])
VALUES = RNG.standard_normal((300, 4)).astype("float32")


def _keras():
    return pytest.importorskip("keras")


def _same(ours, expected):
    expected = _keras().ops.convert_to_numpy(expected)
    assert str(ours.dtype).split(".")[-1] == str(expected.dtype)
    np.testing.assert_allclose(ours.detach().cpu().numpy(), expected, rtol=1e-6)


def _config_round_trip(layer, keras_layer):
    config, theirs = layer.get_config(), keras_layer.get_config()
    assert {k: v for k, v in config.items() if k != "name"} == {
        k: v for k, v in theirs.items() if k != "name"}
    return type(layer).from_config(config)


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count", "binary"])
@pytest.mark.parametrize("x", [TOKENS, TOKENS[:, :1], TOKENS[0], np.array(3)])
def test_category_encoding_matches_keras(mode, x):
    k = _keras()
    ours, theirs = layers.CategoryEncoding(5, mode), k.layers.CategoryEncoding(5, mode)
    _same(ours(x), theirs(x))
    restored = _config_round_trip(ours, theirs)
    np.testing.assert_array_equal(restored(x).numpy(), ours(x).numpy())


def test_category_encoding_count_weights_and_model():
    k = _keras()
    weights = RNG.random(TOKENS.shape).astype("float32")
    _same(layers.CategoryEncoding(5, "count")(TOKENS, count_weights=weights),
          k.layers.CategoryEncoding(5, "count")(TOKENS, count_weights=weights))
    inputs = keras.Input((4,), dtype="int64")
    outputs = layers.CategoryEncoding(5, "multi_hot")(inputs)
    assert tuple(outputs.shape) == (None, 5)
    _same(torch.as_tensor(keras.Model(inputs, outputs).predict(TOKENS, verbose=0)),
          k.layers.CategoryEncoding(5, "multi_hot")(TOKENS))


def test_category_encoding_errors():
    with pytest.raises(ValueError, match="`num_tokens` must be an int >= 1"):
        layers.CategoryEncoding()
    with pytest.raises(ValueError, match="`output_mode` must be one of"):
        layers.CategoryEncoding(3, "tf_idf")
    with pytest.raises(ValueError, match=r"must be in \[0, 3\). Received a value of 4"):
        layers.CategoryEncoding(3)(np.array([[1, 4]]))
    with pytest.raises(ValueError, match="only used when output_mode='count'"):
        layers.CategoryEncoding(3, "one_hot")(np.array([1]), count_weights=np.array([1.0]))


def _keras_adapt(layer, batches):
    # Keras's `Discretization.adapt` imports TensorFlow for a type check; these are the
    # steps it takes for arrays and iterables.
    layer.reset_state()
    for batch in batches:
        layer.update_state(batch)
    layer.finalize_state()


@pytest.mark.parametrize("kwargs", [dict(num_bins=5), dict(num_bins=3, epsilon=0.05),
                                    dict(num_bins=8, epsilon=0.001)])
def test_discretization_adapt_matches_keras(kwargs):
    k = _keras()
    batches = [VALUES[:70], VALUES[70:200], VALUES[200:]]
    theirs = k.layers.Discretization(**kwargs)
    _keras_adapt(theirs, batches)
    ours = layers.Discretization(**kwargs)
    ours.adapt(iter(batches))
    np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)
    _same(ours(VALUES), theirs(VALUES))
    restored = _config_round_trip(ours, theirs)
    assert restored.bin_boundaries == ours.bin_boundaries
    whole = layers.Discretization(**kwargs)
    whole.adapt(torch.as_tensor(VALUES))
    _keras_adapt(theirs, [VALUES])
    np.testing.assert_allclose(whole.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
def test_discretization_output_modes_match_keras(mode):
    k = _keras()
    kwargs = dict(bin_boundaries=[-0.5, 0.0, 0.5], output_mode=mode)
    x = np.concatenate([VALUES[:5], [[-0.5, 0.0, 0.5, 7.0]]]).astype("float32")
    ours, theirs = layers.Discretization(**kwargs), k.layers.Discretization(**kwargs)
    _same(ours(x), theirs(x))
    _config_round_trip(ours, theirs)
    inputs = keras.Input((4,))
    symbolic = layers.Discretization(**kwargs)(inputs)
    assert symbolic.dtype == theirs(k.Input((4,))).dtype  # the symbolic dtype too
    model = keras.Model(inputs, symbolic)
    _same(torch.as_tensor(model.predict(x, verbose=0)), theirs(x))


def test_discretization_errors():
    with pytest.raises(ValueError, match="either `num_bins` or `bin_boundaries`"):
        layers.Discretization()
    with pytest.raises(ValueError, match="not both"):
        layers.Discretization([0.0], num_bins=2)
    with pytest.raises(ValueError, match="must be sorted"):
        layers.Discretization([1.0, 0.0])
    with pytest.raises(ValueError, match="`output_mode` must be one of"):
        layers.Discretization([0.0], output_mode="tf_idf")
    with pytest.raises(ValueError, match="cannot adapt a layer made with `bin_boundaries`"):
        layers.Discretization([0.0]).adapt(VALUES)
