"""MultiHeadAttention, Attention and AdditiveAttention against Keras 3 with the same weights."""

import numpy as np
import pytest
import torch

import cornu as keras
from cornu import layers
from layer_test_utils import run_layer_test

RNG = np.random.default_rng(0)


def _keras():
    return pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy()


def _arrays(*shapes):
    return [RNG.standard_normal(s).astype("float32") for s in shapes]


MHA_CASES = [
    (dict(num_heads=2, key_dim=3), [(2, 5, 4), (2, 6, 4)], {}),
    (dict(num_heads=2, key_dim=3, value_dim=5, output_shape=7), [(2, 5, 4), (2, 6, 4)],
     dict(return_attention_scores=True)),
    (dict(num_heads=2, key_dim=3), [(2, 5, 4), (2, 5, 4)], dict(use_causal_mask=True)),
    (dict(num_heads=2, key_dim=3, use_bias=False), [(2, 5, 4), (2, 6, 4), (2, 6, 3)],
     dict(attention_mask=RNG.integers(0, 2, (2, 5, 6)).astype(bool))),
    (dict(num_heads=2, key_dim=3, attention_axes=(1, 2)), [(2, 3, 4, 5), (2, 3, 4, 5)],
     dict(return_attention_scores=True)),
    (dict(num_heads=2, key_dim=3, attention_axes=(1, 2)), [(2, 3, 4, 5), (2, 3, 4, 5)], {}),
    (dict(num_heads=3, key_dim=2, use_gate=True, sliding_window=2), [(2, 5, 4), (2, 5, 4)],
     dict(use_causal_mask=True, return_attention_scores=True)),
    # One attention axis of a 4D input: the fused kernel over (batch, A, heads, T, H).
    (dict(num_heads=2, key_dim=3, attention_axes=2), [(2, 3, 4, 5), (2, 3, 6, 5)], {}),
    (dict(num_heads=2, key_dim=3, attention_axes=(2,)), [(2, 3, 4, 5), (2, 3, 6, 5)],
     dict(return_attention_scores=True)),
    # Causal cross-attention with T != S, fused (is_causal) and explicit.
    (dict(num_heads=2, key_dim=3), [(2, 4, 4), (2, 6, 4)], dict(use_causal_mask=True)),
    (dict(num_heads=2, key_dim=3), [(2, 6, 4), (2, 4, 4)],
     dict(use_causal_mask=True, return_attention_scores=True)),
    # Causal and a given mask together; value_mask with fully masked rows.
    (dict(num_heads=2, key_dim=3), [(2, 5, 4), (2, 5, 4)],
     dict(use_causal_mask=True, attention_mask=RNG.integers(0, 2, (2, 5, 5)).astype(bool))),
    (dict(num_heads=2, key_dim=3), [(2, 5, 4), (2, 6, 4)],
     dict(value_mask=np.array([[1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]], bool))),
    # Dropout at inference: Keras's explicit softmax, cornu's fused kernel.
    (dict(num_heads=2, key_dim=3, dropout=0.5), [(2, 5, 4), (2, 6, 4)], {}),
]


@pytest.mark.parametrize("kwargs,shapes,call", MHA_CASES)
def test_multi_head_attention_matches_keras(kwargs, shapes, call):
    k = _keras()
    theirs, ours = k.layers.MultiHeadAttention(**kwargs), layers.MultiHeadAttention(**kwargs)
    inputs = _arrays(*shapes)
    expected = theirs(*inputs, **call)
    ours.build(*shapes)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    received = ours(*[torch.as_tensor(a) for a in inputs], **call)
    expected = expected if isinstance(expected, tuple) else (expected,)
    received = received if isinstance(received, tuple) else (received,)
    for a, b in zip(received, expected):
        np.testing.assert_allclose(_np(a), k.ops.convert_to_numpy(b), rtol=1e-5, atol=1e-5)
    assert ours.get_config() == {**theirs.get_config(), "name": ours.name,
                                 "dtype": ours.get_config()["dtype"]}


def test_multi_head_attention_uses_keras_masks_in_a_functional_model():
    k = _keras()

    def build(lib):
        tokens = lib.Input((6,), dtype="int32")
        x = lib.layers.Embedding(20, 8, mask_zero=True)(tokens)
        x = lib.layers.MultiHeadAttention(2, 4, name="mha")(x, x)
        return lib.Model(tokens, lib.layers.GlobalAveragePooling1D()(x))

    ours, theirs = build(keras), build(k)
    ours.set_weights(theirs.get_weights())
    tokens = RNG.integers(1, 20, (3, 6))
    tokens[0, 4:] = 0
    tokens[2, 2:] = 0
    np.testing.assert_allclose(ours.predict(tokens, verbose=0), theirs.predict(tokens, verbose=0),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name,kwargs", [("Attention", {}),
                                         ("Attention", dict(use_scale=True, score_mode="concat")),
                                         ("AdditiveAttention", {}),
                                         ("AdditiveAttention", dict(use_scale=False))])
@pytest.mark.parametrize("call", [{}, dict(mask=True), dict(use_causal_mask=True,
                                                            return_attention_scores=True),
                                  dict(mask=True, use_causal_mask=True)])
def test_attention_layers_match_keras(name, kwargs, call):
    k = _keras()
    q, v, key = _arrays((2, 4, 3), (2, 5, 3), (2, 5, 3))
    masks = [np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool),
             np.array([[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]], bool)]
    theirs, ours = getattr(k.layers, name)(**kwargs), getattr(layers, name)(**kwargs)
    options = dict(call)
    if options.pop("mask", False):
        options["mask"] = [torch.as_tensor(m) for m in masks]
    theirs.build([q.shape, v.shape, key.shape])
    ours.build([q.shape, v.shape, key.shape])
    weights = [w + 0.3 for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    expected = theirs([q, v, key], **options)
    received = ours([torch.as_tensor(q), v, key], **options)
    expected = expected if isinstance(expected, tuple) else (expected,)
    received = received if isinstance(received, tuple) else (received,)
    for a, b in zip(received, expected):
        np.testing.assert_allclose(_np(a), k.ops.convert_to_numpy(b), rtol=1e-5, atol=1e-6)
    assert ours.get_config() == {**theirs.get_config(), "name": ours.name,
                                 "dtype": ours.get_config()["dtype"]}
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]


def test_layer_checks():
    run_layer_test(layers.Attention, dict(use_scale=True), input_shape=[(2, 4, 3), (2, 5, 3)],
                   expected_output_shape=(2, 4, 3), expected_num_trainable_weights=1,
                   supports_masking=True)
    run_layer_test(layers.Attention, dict(use_scale=True, score_mode="concat"),
                   input_shape=[(2, 4, 3), (2, 5, 2), (2, 5, 3)],
                   call_kwargs=dict(return_attention_scores=True, use_causal_mask=True),
                   expected_output_shape=[(2, 4, 2), (2, 4, 5)],
                   expected_num_trainable_weights=2)
    run_layer_test(layers.AdditiveAttention, {}, input_shape=[(2, 4, 3), (2, 5, 3)],
                   expected_output_shape=(2, 4, 3), expected_num_trainable_weights=1)
    run_layer_test(layers.AdditiveAttention, dict(use_scale=False),
                   input_shape=[(2, 4, 3), (2, 5, 3)],
                   call_kwargs=dict(return_attention_scores=True),
                   expected_output_shape=[(2, 4, 3), (2, 4, 5)],
                   expected_num_trainable_weights=0)


@pytest.mark.parametrize("kwargs,shapes,call,expected", [
    (dict(num_heads=2, key_dim=3), dict(query=(2, 5, 4), value=(2, 5, 4)), {}, (2, 5, 4)),
    (dict(num_heads=2, key_dim=3, value_dim=5, output_shape=(7,)),
     dict(query=(2, 5, 4), value=(2, 6, 3), key=(2, 6, 2)),
     dict(return_attention_scores=True), [(2, 5, 7), (2, 2, 5, 6)]),
    (dict(num_heads=2, key_dim=3, attention_axes=(1, 2)),
     dict(query=(2, 3, 4, 5), value=(2, 3, 4, 5)), dict(return_attention_scores=True),
     [(2, 3, 4, 5), (2, 2, 3, 4, 3, 4)]),
    (dict(num_heads=2, key_dim=3, use_gate=True), dict(query=(2, 5, 4), value=(2, 5, 4)),
     dict(use_causal_mask=True), (2, 5, 4)),
])
def test_multi_head_attention_layer_checks(kwargs, shapes, call, expected):
    num_weights = 8 + 2 * kwargs.get("use_gate", False)
    run_layer_test(layers.MultiHeadAttention, kwargs, input_shape=shapes, call_kwargs=call,
                   expected_output_shape=expected, expected_num_trainable_weights=num_weights,
                   supports_masking=True)


def test_multi_head_attention_cross_attention_masks_match_keras():
    """Query, value and key each carry an Embedding mask; causal on top."""
    k = _keras()

    def build(lib):
        q_in, v_in = lib.Input((5,), dtype="int32"), lib.Input((6,), dtype="int32")
        k_in = lib.Input((6,), dtype="int32")
        q = lib.layers.Embedding(20, 8, mask_zero=True)(q_in)
        v = lib.layers.Embedding(20, 8, mask_zero=True)(v_in)
        key = lib.layers.Embedding(20, 4, mask_zero=True)(k_in)
        x = lib.layers.MultiHeadAttention(2, 4)(q, v, key, use_causal_mask=True)
        return lib.Model([q_in, v_in, k_in], lib.layers.GlobalAveragePooling1D()(x))

    ours, theirs = build(keras), build(k)
    ours.set_weights(theirs.get_weights())
    q_tok, v_tok, k_tok = (RNG.integers(1, 20, (3, n)) for n in (5, 6, 6))
    q_tok[0, 3:] = 0
    v_tok[1, 4:] = 0
    k_tok[2, 2:5] = 0
    data = [q_tok, v_tok, k_tok]
    np.testing.assert_allclose(ours.predict(data, verbose=0), theirs.predict(data, verbose=0),
                               rtol=1e-5, atol=1e-5)


def test_multi_head_attention_output_carries_the_query_mask():
    tokens = np.array([[3, 4, 0, 0], [5, 0, 0, 0]])
    x = layers.Embedding(10, 4, mask_zero=True)(tokens)
    out = layers.MultiHeadAttention(2, 3)(x, x)
    np.testing.assert_array_equal(_np(out._keras_mask), tokens != 0)


def test_attention_masks_from_embeddings_match_keras():
    k = _keras()

    def build(lib, cls, kwargs):
        q_in, v_in = lib.Input((4,), dtype="int32"), lib.Input((5,), dtype="int32")
        q = lib.layers.Embedding(20, 6, mask_zero=True)(q_in)
        v = lib.layers.Embedding(20, 6, mask_zero=True)(v_in)
        x = getattr(lib.layers, cls)(**kwargs)([q, v], use_causal_mask=True)
        return lib.Model([q_in, v_in], lib.layers.GlobalAveragePooling1D()(x))

    q_tok, v_tok = RNG.integers(1, 20, (3, 4)), RNG.integers(1, 20, (3, 5))
    q_tok[0, 2:] = 0
    v_tok[1, 3:] = 0
    for cls, kwargs in (("Attention", dict(use_scale=True, score_mode="concat")),
                        ("AdditiveAttention", {})):
        ours, theirs = build(keras, cls, kwargs), build(k, cls, kwargs)
        ours.set_weights(theirs.get_weights())
        np.testing.assert_allclose(ours.predict([q_tok, v_tok], verbose=0),
                                   theirs.predict([q_tok, v_tok], verbose=0),
                                   rtol=1e-5, atol=1e-5)


def test_symbolic_scores_match_eager_shapes():
    q_in, v_in = keras.Input((5, 4)), keras.Input((6, 4))
    mha_out, mha_scores = layers.MultiHeadAttention(3, 2)(q_in, v_in,
                                                          return_attention_scores=True)
    att_out, att_scores = layers.Attention()([q_in, v_in], return_attention_scores=True)
    model = keras.Model([q_in, v_in], [mha_out, mha_scores, att_out, att_scores])
    outputs = model.predict(_arrays((2, 5, 4), (2, 6, 4)), verbose=0)
    for symbolic, eager in zip([mha_out, mha_scores, att_out, att_scores], outputs):
        assert tuple(symbolic.shape) == (None,) + eager.shape[1:]


def test_fused_and_explicit_paths_give_the_same_gradients():
    layer = layers.MultiHeadAttention(2, 3)
    query, value = (torch.as_tensor(a) for a in _arrays((2, 5, 4), (2, 6, 4)))
    mask = RNG.integers(0, 2, (2, 5, 6)).astype(bool)
    mask[..., 0] = True  # a fully masked row has no meaningful gradient (either path, in Keras too)
    mask = torch.as_tensor(mask)
    grads = []
    for scores in (False, True):  # asking for the scores takes the explicit einsum path
        for w in layer.weights:
            w.grad = None
        out = layer(query, value, attention_mask=mask, use_causal_mask=True,
                    return_attention_scores=scores)
        (out[0] if scores else out).square().sum().backward()
        grads.append([_np(w.grad) for w in layer.weights])
    for fused, explicit in zip(*grads):
        np.testing.assert_allclose(fused, explicit, rtol=1e-5, atol=1e-6)


def test_transformer_block_trains_summarizes_and_reloads(tmp_path):
    keras.utils.set_random_seed(0)
    inputs = keras.Input((6, 8))
    attended = layers.MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.1)(inputs, inputs)
    x = layers.LayerNormalization()(inputs + attended)
    x = layers.LayerNormalization()(x + layers.Dense(8)(layers.Dense(16, activation="relu")(x)))
    outputs = layers.Dense(3)(layers.GlobalAveragePooling1D()(x))
    model = keras.Model(inputs, outputs)
    lines = []
    model.summary(print_fn=lines.append, line_length=150)
    assert "MultiHeadAttention" in "\n".join(lines)
    x_data, y_data = _arrays((32, 6, 8))[0], RNG.integers(0, 3, 32)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    before = [w.copy() for w in model.layers[1].get_weights()]
    model.fit(x_data, y_data, epochs=1, batch_size=8, verbose=0)
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.layers[1].get_weights()))
    model.save(tmp_path / "block.keras")
    restored = keras.models.load_model(tmp_path / "block.keras")
    np.testing.assert_allclose(restored.predict(x_data, verbose=0),
                               model.predict(x_data, verbose=0), rtol=1e-6, atol=1e-6)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="num_heads"):
        layers.MultiHeadAttention(num_heads=0, key_dim=2)
    with pytest.raises(ValueError, match="key_dim"):
        layers.MultiHeadAttention(num_heads=2, key_dim="4")
    with pytest.raises(ValueError, match="except the last"):
        layers.MultiHeadAttention(2, 2).build((2, 5, 4), (2, 6, 4), (2, 7, 4))
    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="cosine")
    with pytest.raises(ValueError, match="list"):
        layers.Attention()(np.ones((2, 3, 4), "float32"))
    with pytest.raises(ValueError, match="flash attention"):
        layers.MultiHeadAttention(2, 2, dropout=0.1, flash_attention=True)
    with pytest.raises(ValueError, match="attention_axes"):
        layers.MultiHeadAttention(2, 2, attention_axes=3).build((2, 5, 4), (2, 5, 4))
    query, other = _arrays((2, 5, 4), (2, 6, 4))
    with pytest.raises(ValueError, match="`query` and `value`"):
        layers.MultiHeadAttention(2, 2)(query)
    with pytest.raises(ValueError, match="same rank"):
        layers.MultiHeadAttention(2, 2)(query, other[..., None])
    with pytest.raises(ValueError, match=r"attention_mask.*\(2, 5, 6\).*\(2, 5, 5\)"):
        layers.MultiHeadAttention(2, 2)(query, other, attention_mask=np.ones((2, 5, 5), bool))
    with pytest.raises(ValueError, match="scores is not supported"):
        layers.MultiHeadAttention(2, 2, flash_attention=True)(query, other,
                                                              return_attention_scores=True)
    with pytest.raises(ValueError, match="same last dimension"):
        layers.AdditiveAttention()([query, other[..., :3]])
    with pytest.raises(ValueError, match="number of positions"):
        layers.Attention()([query, other, query])
    with pytest.raises(ValueError, match="mask must be a list"):
        layers.Attention()([query, other], mask=np.ones((2, 5), bool))


def test_keras_saved_attention_model_loads_with_the_same_predictions(tmp_path):
    k = _keras()
    q_in, v_in = k.Input((5, 4)), k.Input((6, 4))
    x = k.layers.MultiHeadAttention(2, 3, value_dim=2, output_shape=5)(q_in, v_in, v_in)
    y = k.layers.Attention(use_scale=True, score_mode="concat")([x, v_in[..., :1] + x[:, :1]])
    z = k.layers.AdditiveAttention()([y, x])
    theirs = k.Model([q_in, v_in], z)
    theirs.save(tmp_path / "attention.keras")
    ours = keras.models.load_model(tmp_path / "attention.keras")
    data = _arrays((3, 5, 4), (3, 6, 4))
    np.testing.assert_allclose(ours.predict(data, verbose=0), theirs.predict(data, verbose=0),
                               rtol=1e-5, atol=1e-5)
    # And back: Keras reads cornu's file (build configs with several shapes included).
    ours.save(tmp_path / "cornu.keras")
    again = k.models.load_model(tmp_path / "cornu.keras")
    np.testing.assert_allclose(again.predict(data, verbose=0), theirs.predict(data, verbose=0),
                               rtol=1e-5, atol=1e-5)


def test_dropout_acts_only_while_training():
    query, value = (torch.as_tensor(a) for a in _arrays((2, 5, 4), (2, 6, 4)))
    mha = layers.MultiHeadAttention(2, 3, dropout=0.5, seed=1)
    attention = layers.Attention(dropout=0.5, seed=1)
    for call in (lambda **kw: mha(query, value, **kw),
                 lambda **kw: attention([query, value], **kw)):
        inference = call()
        np.testing.assert_array_equal(_np(call(training=False)), _np(inference))
        assert not np.allclose(_np(call(training=True)), _np(inference))
