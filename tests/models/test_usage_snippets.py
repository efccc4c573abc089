"""The model-building snippets of USAGE.md, run with `import cornu as keras`, checked against Keras 3.

Each snippet is built in both libraries; parameter counts and output shapes must agree, and
with Keras's weights copied in (`set_weights(keras_model.get_weights())`) so must outputs.
"""

import os

import numpy as np
import pytest
import torch

import cornu

os.environ.setdefault("KERAS_BACKEND", "torch")
real_keras = pytest.importorskip("keras")


def _snippet_sequential_add(keras, layers):
    model = keras.Sequential()
    model.add(layers.Dense(64, activation="relu", input_shape=(16,)))
    model.add(layers.Dense(64, activation="relu"))
    model.add(layers.Dense(10))
    return model, np.random.default_rng(0).standard_normal((5, 16)).astype("float32")


def _snippet_sequential_list(keras, layers):
    model = keras.Sequential([layers.Dense(2, activation="relu", name="layer1"),
                              layers.Dense(3, activation="relu", name="layer2"),
                              layers.Dense(4, name="layer3")])
    model.build((None, 16))
    return model, np.random.default_rng(1).standard_normal((3, 16)).astype("float32")


def _snippet_functional_mnist(keras, layers):
    inputs = keras.Input(shape=(784,))
    x = layers.Dense(64, activation="relu")(inputs)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(10)(x)
    model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")
    return model, np.random.default_rng(2).random((4, 784)).astype("float32")


def _snippet_ticket_model(keras, layers):
    num_tags, num_words, num_departments = 12, 100, 4
    title_input = keras.Input(shape=(5,), name="title", dtype="int64")
    body_input = keras.Input(shape=(5,), name="body", dtype="int64")
    tags_input = keras.Input(shape=(num_tags,), name="tags")
    title_features = layers.Embedding(num_words, 8)(title_input)
    body_features = layers.Embedding(num_words, 8)(body_input)
    title_features = layers.Dense(4)(title_features)
    body_features = layers.Dense(4)(body_features)
    title_vec = layers.Flatten()(title_features)
    body_vec = layers.Flatten()(body_features)
    x = layers.concatenate([title_vec, body_vec, tags_input])
    priority_pred = layers.Dense(1, name="priority")(x)
    department_pred = layers.Dense(num_departments, name="department")(x)
    model = keras.Model(inputs=[title_input, body_input, tags_input],
                        outputs=[priority_pred, department_pred])
    rng = np.random.default_rng(3)
    data = [rng.integers(0, num_words, (2, 5)), rng.integers(0, num_words, (2, 5)),
            rng.integers(0, 2, (2, num_tags)).astype("float32")]
    return model, data


def _snippet_residual(keras, layers):
    inputs = keras.Input(shape=(8,), name="img")
    x = layers.Dense(16, activation="relu")(inputs)
    block_1_output = layers.Dense(16)(x)
    x = layers.Dense(16, activation="relu")(block_1_output)
    x = layers.Dense(16)(x)
    block_2_output = layers.add([x, block_1_output])
    x = layers.Dense(16, activation="relu")(block_2_output)
    outputs = layers.Dense(3)(layers.Dropout(0.5)(x))
    model = keras.Model(inputs, outputs, name="toy_resnet")
    return model, np.random.default_rng(4).standard_normal((3, 8)).astype("float32")


def _snippet_shared_and_nested(keras, layers):
    encoder_input = keras.Input(shape=(6,), name="original")
    encoded = layers.Dense(3, activation="relu")(encoder_input)
    encoder = keras.Model(encoder_input, encoded, name="encoder")
    decoder_input = keras.Input(shape=(3,), name="encoded")
    decoded = layers.Dense(6)(decoder_input)
    decoder = keras.Model(decoder_input, decoded, name="decoder")
    img = keras.Input(shape=(6,), name="img")
    autoencoder = keras.Model(img, decoder(encoder(img)), name="autoencoder")
    return autoencoder, np.random.default_rng(5).standard_normal((2, 6)).astype("float32")


def _snippet_ensemble(keras, layers):
    def get_model():
        inputs = keras.Input(shape=(5,))
        return keras.Model(inputs, layers.Dense(1)(inputs))

    model1, model2, model3 = get_model(), get_model(), get_model()
    inputs = keras.Input(shape=(5,))
    outputs = layers.average([model1(inputs), model2(inputs), model3(inputs)])
    return keras.Model(inputs=inputs, outputs=outputs), np.ones((2, 5), "float32")


def _snippet_shared_embedding(keras, layers):
    shared_embedding = layers.Embedding(1000, 16)
    text_a = keras.Input(shape=(None,), dtype="int64")
    text_b = keras.Input(shape=(None,), dtype="int64")
    a = shared_embedding(text_a)
    b = shared_embedding(text_b)
    merged = layers.concatenate([a, b], axis=1)
    model = keras.Model([text_a, text_b], layers.Dense(2)(merged))
    rng = np.random.default_rng(6)
    return model, [rng.integers(0, 1000, (2, 4)), rng.integers(0, 1000, (2, 3))]


SNIPPETS = [_snippet_sequential_add, _snippet_sequential_list, _snippet_functional_mnist,
            _snippet_ticket_model, _snippet_residual, _snippet_shared_and_nested,
            _snippet_ensemble, _snippet_shared_embedding]


def _predict(model, data, is_cornu):
    if is_cornu:
        if isinstance(data, list):
            data = [torch.as_tensor(d) for d in data]
        else:
            data = torch.as_tensor(data)
        out = model(data)
        return [o.detach().numpy() for o in out] if isinstance(out, list) else out.detach().numpy()
    out = model(data)
    conv = lambda t: t.detach().cpu().numpy() if hasattr(t, "detach") else np.asarray(t)
    return [conv(o) for o in out] if isinstance(out, (list, tuple)) else conv(out)


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda f: f.__name__[9:])
def test_snippet_matches_keras(snippet):
    ours, data = snippet(cornu, cornu.layers)
    theirs, _ = snippet(real_keras, real_keras.layers)
    assert ours.count_params() == theirs.count_params()
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    assert [type(l).__name__ for l in ours.layers] == [type(l).__name__ for l in theirs.layers]
    ours.set_weights(theirs.get_weights())
    expected = _predict(theirs, data, False)
    got = _predict(ours, data, True)
    for e, g in zip(expected if isinstance(expected, list) else [expected],
                    got if isinstance(got, list) else [got]):
        assert e.shape == g.shape
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)
    if hasattr(theirs, "outputs") and theirs.outputs:
        assert [tuple(t.shape) for t in ours.outputs] == [tuple(t.shape) for t in theirs.outputs]


def test_deferred_sequential_builds_on_first_call():
    model = cornu.Sequential([cornu.layers.Dense(2, activation="relu", name="layer1"),
                              cornu.layers.Dense(3, activation="relu", name="layer2"),
                              cornu.layers.Dense(4, name="layer3")])
    assert model.weights == []
    y = model(np.ones((3, 3)))
    assert tuple(y.shape) == (3, 4)
    assert len(model.weights) == 6
    assert model.layers[0].get_weights()[0].shape == (3, 2)


def test_unbuilt_layer_has_no_weights_until_called():
    layer = cornu.layers.Dense(3)
    assert layer.weights == []
    layer(np.ones((1, 4)))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (4, 3) and bias.shape == (3,)


def test_auto_names_are_unique_and_keras_like():
    a, b = cornu.layers.Dense(1), cornu.layers.Dense(1)
    assert a.name.startswith("dense") and b.name.startswith("dense") and a.name != b.name
    model = cornu.Sequential([cornu.layers.Dense(1, input_shape=(2,)), cornu.layers.Dense(1)])
    assert model.layers[1].name.startswith("dense_")


def test_feature_extraction_through_layer_output():
    ours, data = _snippet_residual(cornu, cornu.layers)
    extractor = cornu.Model(inputs=ours.inputs, outputs=[layer.output for layer in ours.layers])
    features = extractor(torch.as_tensor(data))
    assert len(features) == len(ours.layers)
    np.testing.assert_allclose(features[-1].detach().numpy(),
                               ours(torch.as_tensor(data)).detach().numpy(), rtol=1e-6)
    dense = next(l for l in ours.layers if isinstance(l, cornu.layers.Dense))
    one = cornu.Model(inputs=ours.inputs, outputs=ours.get_layer(name=dense.name).output)
    assert tuple(one(torch.as_tensor(data)).shape) == (3, 16)


def test_sequential_pop_and_input_first_element():
    model = cornu.Sequential([cornu.Input((4,)), cornu.layers.Dense(3), cornu.layers.Dense(2)])
    assert model.output_shape == (None, 2)
    model.pop()
    assert model.output_shape == (None, 3)
    assert len(model.layers) == 1
    with pytest.raises(ValueError, match="unique names"):
        model.add(cornu.layers.Dense(1, name=model.layers[0].name))


@pytest.mark.parametrize("kwargs", [{"input_dim": 16}, {"batch_input_shape": (None, 16)},
                                    {"input_shape": (16,)}])
def test_first_layer_input_arguments(kwargs):
    model = cornu.Sequential([cornu.layers.Dense(8, **kwargs), cornu.layers.Dense(1)])
    assert model.built and model.count_params() == 16 * 8 + 8 + 9
