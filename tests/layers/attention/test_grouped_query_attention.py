"""GroupQueryAttention against Keras 3 (torch backend) with the same weights."""

import numpy as np
import pytest
import torch

import cornu as keras
from cornu import layers
from layer_test_utils import run_layer_test

RNG = np.random.default_rng(5)


def _keras():
    return pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy()


def _arrays(*shapes):
    return [RNG.standard_normal(s).astype("float32") for s in shapes]


def _mask(*shape):
    mask = RNG.integers(0, 2, shape).astype(bool)
    mask[..., 0] = True  # no fully masked rows
    return mask


BASE = dict(head_dim=3, num_query_heads=4, num_key_value_heads=2)
CASES = [
    (BASE, [(2, 5, 4), (2, 6, 4)], {}),
    (dict(BASE, num_key_value_heads=1, use_gate=True), [(2, 5, 4), (2, 5, 4)],
     dict(use_causal_mask=True)),
    (dict(BASE, num_key_value_heads=4, use_bias=False), [(2, 5, 4), (2, 6, 4), (2, 6, 3)],
     dict(attention_mask=_mask(2, 5, 6))),
    (dict(BASE, sliding_window=2), [(2, 5, 4), (2, 5, 4)],
     dict(use_causal_mask=True, return_attention_scores=True)),
    (BASE, [(2, 4, 4), (2, 6, 4)], dict(return_attention_scores=True,
                                        value_mask=_mask(2, 6))),
    (BASE, [(2, 5, 4), (2, 6, 4)], dict(query_mask=_mask(2, 5), value_mask=_mask(2, 6))),
    (dict(BASE, dropout=0.5), [(2, 5, 4), (2, 6, 4)], dict(use_causal_mask=True)),
]


@pytest.mark.parametrize("kwargs,shapes,call", CASES)
def test_matches_keras(kwargs, shapes, call):
    k = _keras()
    theirs, ours = k.layers.GroupQueryAttention(**kwargs), layers.GroupQueryAttention(**kwargs)
    inputs = _arrays(*shapes)
    expected = theirs(*inputs, **call)
    ours(*inputs, **call)
    assert [w.path.split("/", 1)[1] for w in ours.weights] == [
        w.path.split("/", 1)[1] for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    got = ours(*inputs, **call)
    expected = expected if isinstance(expected, tuple) else (expected,)
    got = got if isinstance(got, tuple) else (got,)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(_np(a), k.ops.convert_to_numpy(b), rtol=1e-5, atol=1e-5)
    strip = ("name", "dtype")
    assert ({a: b for a, b in ours.get_config().items() if a not in strip}
            == {a: b for a, b in theirs.get_config().items() if a not in strip})


def test_keras_masks_of_inputs_are_used():
    emb = layers.Embedding(10, 4, mask_zero=True)
    ids = np.array([[3, 4, 0, 0], [5, 0, 0, 0]])
    x = emb(ids)
    layer = layers.GroupQueryAttention(2, 2, 1)
    _, scores = layer(x, x, return_attention_scores=True)
    scores = _np(scores)
    assert np.abs(scores[0, :, :2, 2:]).max() == 0.0 and np.abs(scores[1, :, :1, 1:]).max() == 0
    np.testing.assert_allclose(scores[0, :, :2].sum(-1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(scores[1, :, :1].sum(-1), 1.0, rtol=1e-5)


def test_dropout_acts_only_while_training():
    query, value = (torch.as_tensor(a) for a in _arrays((2, 5, 4), (2, 6, 4)))
    layer = layers.GroupQueryAttention(3, 4, 2, dropout=0.5, seed=1)
    a, b = layer(query, value), layer(query, value, training=False)
    torch.testing.assert_close(a, b)
    c = layer(query, value, training=True)
    assert not torch.allclose(a, c)


def test_run_layer_test():
    run_layer_test(layers.GroupQueryAttention, dict(BASE, use_gate=True),
                   input_shape={"query": (2, 5, 4), "value": (2, 6, 4)},
                   expected_output_shape=(2, 5, 4), expected_num_trainable_weights=10)
    run_layer_test(layers.GroupQueryAttention, dict(BASE, use_bias=False),
                   input_shape={"query": (2, 5, 4), "value": (2, 6, 4)},
                   call_kwargs=dict(return_attention_scores=True),
                   expected_output_shape=[(2, 5, 4), (2, 4, 5, 6)],
                   expected_num_trainable_weights=4)
    assert layers.GroupQueryAttention is layers.GroupedQueryAttention
    assert layers.GroupQueryAttention(2, 2, 1).name.startswith("grouped_query_attention")


def test_errors():
    with pytest.raises(ValueError, match="divisible.*num_query_heads=4, num_key_value_heads=3"):
        layers.GroupQueryAttention(2, 4, 3)
    with pytest.raises(ValueError, match="head_dim.*Received: head_dim=0"):
        layers.GroupQueryAttention(0, 4, 2)
    with pytest.raises(ValueError, match="sliding_window"):
        layers.GroupQueryAttention(2, 4, 2, sliding_window=0)
    with pytest.raises(ValueError, match="dropout is not supported"):
        layers.GroupQueryAttention(2, 4, 2, dropout=0.1, flash_attention=True)
    flash = layers.GroupQueryAttention(2, 4, 2, flash_attention=True)
    with pytest.raises(ValueError, match="attention scores"):
        flash(*_arrays((1, 3, 4), (1, 3, 4)), return_attention_scores=True)
    with pytest.raises(ValueError, match="rank 3"):
        layers.GroupQueryAttention(2, 4, 2)(*_arrays((1, 2, 3, 4), (1, 2, 3, 4)))
    with pytest.raises(ValueError, match="last dimension of `query` and `value`"):
        layers.GroupQueryAttention(2, 4, 2)(keras.Input((3, 4)), keras.Input((3, 5)))
    with pytest.raises(ValueError, match="must broadcast"):
        layers.GroupQueryAttention(2, 4, 2)(*_arrays((1, 3, 4), (1, 5, 4)),
                                            attention_mask=np.ones((1, 3, 4), bool))


def test_keras_file_round_trip(tmp_path):
    k = _keras()
    q_in, v_in = k.Input((5, 4)), k.Input((6, 4))
    x = k.layers.GroupQueryAttention(3, 4, 2, use_gate=True)(q_in, v_in)
    y = k.layers.GroupQueryAttention(2, 2, 1, name="self")(x, x, use_causal_mask=True)
    theirs = k.Model([q_in, v_in], y)
    data = _arrays((3, 5, 4), (3, 6, 4))
    theirs.save(tmp_path / "gqa.keras")
    ours = keras.models.load_model(tmp_path / "gqa.keras")
    np.testing.assert_allclose(ours.predict(data, verbose=0), theirs.predict(data, verbose=0),
                               rtol=1e-5, atol=1e-5)
    ours.save(tmp_path / "cornu.keras")
    again = k.models.load_model(tmp_path / "cornu.keras")
    np.testing.assert_allclose(again.predict(data, verbose=0), theirs.predict(data, verbose=0),
                               rtol=1e-5, atol=1e-5)
