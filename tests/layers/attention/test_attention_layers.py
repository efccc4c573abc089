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
    assert ours.get_config().keys() == theirs.get_config().keys()


def test_layer_checks():
    run_layer_test(layers.Attention, dict(use_scale=True), input_shape=[(2, 4, 3), (2, 5, 3)],
                   expected_output_shape=(2, 4, 3), expected_num_trainable_weights=1)
    run_layer_test(layers.AdditiveAttention, {}, input_shape=[(2, 4, 3), (2, 5, 3)],
                   expected_output_shape=(2, 4, 3), expected_num_trainable_weights=1)


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
    np.testing.assert_allclose(restored.predict(x_data, verbose=0), model.predict(x_data, verbose=0),
                               rtol=1e-6, atol=1e-6)


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
