"""ReversibleEmbedding against Keras 3 (torch backend) with the same weights."""

import numpy as np
import pytest
import torch

import cornu as keras
from cornu import layers
from layer_test_utils import run_layer_test

RNG = np.random.default_rng(11)


def _keras():
    return pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy()


@pytest.mark.parametrize("kwargs", [
    dict(), dict(tie_weights=False), dict(logit_soft_cap=0.03),
    dict(tie_weights=False, mask_zero=True, reverse_dtype="float64"),
])
def test_matches_keras(kwargs):
    k = _keras()
    theirs, ours = k.layers.ReversibleEmbedding(9, 4, **kwargs), layers.ReversibleEmbedding(
        9, 4, **kwargs)
    ids = RNG.integers(0, 9, (2, 5))
    theirs(ids)
    ours(ids)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(_np(ours(ids)), k.ops.convert_to_numpy(theirs(ids)), rtol=1e-6)
    hidden = RNG.standard_normal((2, 5, 4)).astype("float32")
    got, expected = ours(hidden, reverse=True), theirs(hidden, reverse=True)
    assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    np.testing.assert_allclose(_np(got), k.ops.convert_to_numpy(expected), rtol=1e-5,
                               atol=1e-6)
    config = {a: b for a, b in theirs.get_config().items() if a != "quantization_config"}
    assert ours.get_config() == config


def test_tied_weights_share_the_table_and_masks():
    layer = layers.ReversibleEmbedding(6, 3, mask_zero=True)
    ids = np.array([[1, 2, 0]])
    out = layer(ids)
    assert out._keras_mask.tolist() == [[True, True, False]]
    assert len(layer.weights) == 1
    logits = layer(out, reverse=True)
    assert getattr(logits, "_keras_mask", None) is None
    torch.testing.assert_close(logits, out @ layer.embeddings.T)
    capped = layers.ReversibleEmbedding(6, 3, logit_soft_cap=0.01)
    capped(ids)
    assert float(capped(out, reverse=True).detach().abs().max()) <= 0.01


def test_run_layer_test_and_symbolic():
    run_layer_test(layers.ReversibleEmbedding, dict(input_dim=10, output_dim=3),
                   input_shape=(2, 4), input_dtype="int64", expected_output_shape=(2, 4, 3),
                   expected_num_trainable_weights=1)
    run_layer_test(layers.ReversibleEmbedding,
                   dict(input_dim=7, output_dim=3, tie_weights=False),
                   input_shape=(2, 4, 3), call_kwargs=dict(reverse=True),
                   expected_output_shape=(2, 4, 7), expected_num_trainable_weights=2,
                   run_training_check=False)
    ids = keras.Input((4,), dtype="int32")
    layer = layers.ReversibleEmbedding(7, 3)
    logits = layer(layer(ids), reverse=True)
    assert tuple(logits.shape) == (None, 4, 7)
    model = keras.Model(ids, logits)
    assert tuple(model.predict(np.zeros((2, 4), "int32"), verbose=0).shape) == (2, 4, 7)


def test_errors():
    with pytest.raises(ValueError, match="logit_soft_cap.*Received: logit_soft_cap=-1"):
        layers.ReversibleEmbedding(4, 2, logit_soft_cap=-1)
    with pytest.raises(ValueError, match="input_dim"):
        layers.ReversibleEmbedding(0, 2)
