"""StringLookup, IntegerLookup, TextVectorization and Hashing against Keras 3.

Keras's versions of these layers need TensorFlow, which is not a test dependency: the cases
in data/lookup_cases.py were run through Keras once (data/make_lookup_reference.py) and the
recorded outputs, vocabularies and configs are compared here with cornu's.
"""

import json
import pathlib
import sys

import numpy as np
import pytest
import torch

import cornu as keras
from cornu import layers

DATA = pathlib.Path(__file__).parent / "data"
sys.path.insert(0, str(DATA))
from lookup_cases import CASES, CORPUS, HASHING_CASES, IDS, WORDS  # noqa: E402

REFERENCE = json.loads((DATA / "lookup_reference.json").read_text("utf-8"))


def _make(case):
    _, class_name, kwargs, adapt_data, _ = case
    layer = getattr(layers, class_name)(**kwargs)
    if adapt_data is not None:
        layer.adapt(adapt_data)
    return layer


def _plain(outputs):
    if isinstance(outputs, torch.Tensor):
        return outputs.numpy().tolist(), str(outputs.numpy().dtype)
    return np.asarray(outputs).tolist(), "object"


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_matches_keras(case):
    expected = REFERENCE[case[0]]
    layer = _make(case)
    outputs, dtype = _plain(layer(case[4]))
    expected_dtype = expected["output_dtype"]
    if case[2].get("output_mode", "int") != "int":
        # Keras's TensorFlow path returns int64 vectors, its declared spec float32 (cornu).
        expected_dtype = "float32"
    assert dtype == expected_dtype
    if dtype == "float32":
        np.testing.assert_allclose(outputs, expected["outputs"], rtol=1e-5, atol=1e-6)
    else:
        assert outputs == expected["outputs"]
    assert layer.get_vocabulary() == expected["vocabulary"]
    config = layer.get_config()
    for key in ("name", "dtype"):
        config.pop(key)
    if config.pop("has_input_vocabulary", True) is False:
        # Keras keeps a learned vocabulary in the archive's assets, cornu in the config.
        config["vocabulary"] = config["idf_weights"] = None
    assert json.loads(json.dumps(config)) == expected["config"]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_config_round_trip_keeps_the_vocabulary(case):
    layer = _make(case)
    restored = type(layer).from_config(layer.get_config())
    assert restored.get_vocabulary() == layer.get_vocabulary()
    a, b = layer(case[4]), restored(case[4])
    if isinstance(a, torch.Tensor):
        torch.testing.assert_close(a, b)
    else:
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("case", HASHING_CASES, ids=[c[0] for c in HASHING_CASES])
def test_hashing_matches_keras(case):
    case_id, kwargs, inputs = case
    expected = REFERENCE["hashing"][case_id]
    layer = layers.Hashing(**kwargs)
    outputs = layer(inputs)
    assert str(outputs.numpy().dtype) == expected["output_dtype"]
    assert outputs.tolist() == expected["outputs"]
    config = layer.get_config()
    config.pop("name")
    assert json.loads(json.dumps(config)) == expected["config"]
    if not isinstance(np.asarray(inputs).flat[0], str):
        tensor_out = layer(torch.as_tensor(np.asarray(inputs)))
        assert tensor_out.tolist() == expected["outputs"]


def test_adapt_from_dataloader_generator_and_batches():
    reference = layers.StringLookup()
    reference.adapt(WORDS)
    from_batches = layers.StringLookup()
    from_batches.adapt(iter([WORDS[:2], WORDS[2:]]))
    assert from_batches.get_vocabulary() == reference.get_vocabulary()
    ids = layers.IntegerLookup()
    ids.adapt(torch.utils.data.DataLoader(torch.tensor(IDS), batch_size=3))
    expected = layers.IntegerLookup()
    expected.adapt(np.array(IDS))
    assert ids.get_vocabulary() == expected.get_vocabulary()
    partial = layers.IntegerLookup()
    partial.adapt(torch.utils.data.DataLoader(torch.tensor(IDS), batch_size=1), steps=1)
    assert sorted(partial.get_vocabulary(False)) == sorted(set(IDS[0]))
    text = layers.TextVectorization()
    text.adapt(CORPUS, batch_size=2)
    whole = layers.TextVectorization()
    whole.adapt(np.array(CORPUS))
    assert text.get_vocabulary() == whole.get_vocabulary()


def test_integer_lookup_in_functional_model_saves_and_reloads(tmp_path):
    lookup = layers.IntegerLookup(output_mode="int", mask_token=0)
    lookup.adapt(np.array(IDS))
    inputs = keras.Input((4,), dtype="int64")
    x = layers.Embedding(lookup.vocabulary_size(), 3)(lookup(inputs))
    outputs = layers.Dense(2)(layers.Flatten()(x))
    model = keras.Model(inputs, outputs)
    data = np.array(IDS + [[1, 2, 3, 4]])
    model.save(tmp_path / "m.keras")
    restored = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(restored.predict(data, verbose=0), model.predict(data, verbose=0))
    assert restored.layers[1].get_vocabulary() == lookup.get_vocabulary()


def test_tf_idf_weights_survive_a_saved_sequential(tmp_path):
    lookup = layers.IntegerLookup(output_mode="tf_idf")
    lookup.adapt(np.array(IDS))
    model = keras.Sequential([keras.Input((4,), dtype="int64"), lookup, layers.Dense(1)])
    model.save(tmp_path / "m.keras")
    restored = keras.models.load_model(tmp_path / "m.keras")
    data = np.array(IDS)
    np.testing.assert_allclose(restored.predict(data, verbose=0), model.predict(data, verbose=0))
    torch.testing.assert_close(restored.layers[0].idf_weights, lookup.idf_weights)


def test_string_inputs_as_bytes_and_tensors_of_ids():
    lookup = layers.StringLookup(vocabulary=["a", "b"])
    np.testing.assert_array_equal(lookup(np.array([b"a", b"b", b"c"])).numpy(), [1, 2, 0])
    assert lookup("b").item() == 2
    ids = layers.IntegerLookup(vocabulary=[5, 6])
    assert ids(torch.tensor([[6, 5, 7]])).tolist() == [[2, 1, 0]]


def test_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("a\nb\nc\n", encoding="utf-8")
    assert layers.StringLookup(vocabulary=str(path)).get_vocabulary() == ["[UNK]", "a", "b", "c"]


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="max_tokens"):
        layers.StringLookup(max_tokens=1)
    with pytest.raises(ValueError, match="output_mode"):
        layers.StringLookup(output_mode="embedding")
    with pytest.raises(ValueError, match="invert"):
        layers.IntegerLookup(invert=True, output_mode="count")
    with pytest.raises(ValueError, match="repeated"):
        layers.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="reserved mask_token"):
        layers.StringLookup(vocabulary=["a", ""], mask_token="")
    with pytest.raises(ValueError, match="larger than `max_tokens`"):
        layers.StringLookup(vocabulary=["a", "b", "c"], max_tokens=3)
    with pytest.raises(ValueError, match="idf_weights"):
        layers.StringLookup(vocabulary=["a"], output_mode="tf_idf")
    with pytest.raises(ValueError, match="salt"):
        layers.StringLookup(salt="pepper")
    with pytest.raises(ValueError, match="num_oov_indices=0"):
        layers.StringLookup(vocabulary=["a"], num_oov_indices=0)(["a", "b"])
    with pytest.raises(RuntimeError, match="vocabulary must be set"):
        layers.StringLookup(output_mode="multi_hot")(["a"])
    with pytest.raises(ValueError, match="Cannot adapt"):
        layers.StringLookup(vocabulary=["a"]).adapt(["a"])
    with pytest.raises(ValueError, match="standardize"):
        layers.TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="output_sequence_length"):
        layers.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="shape"):
        layers.TextVectorization(vocabulary=["a"])(np.array([["a b", "c"]]))
    with pytest.raises(ValueError, match="sparse"):
        layers.TextVectorization(sparse=True)


def test_text_vectorization_callables():
    def upper(x):
        return np.char.upper(x)

    def split_on_dash(x):
        return [s.split("-") for s in x]

    layer = layers.TextVectorization(standardize=upper, split=split_on_dash)
    layer.adapt(["a-b-a", "c-a"])
    assert layer.get_vocabulary() == ["", "[UNK]", "A", "C", "B"]
    assert layer(["b-a-x"]).tolist() == [[4, 2, 1]]


@pytest.mark.parametrize("case_id", ["int_count_adapt", "string_adapt_mask_max", "text_tf_idf"])
def test_keras_config_of_adapted_layer_warns_then_loads_keras_assets(case_id, tmp_path):
    case = next(c for c in CASES if c[0] == case_id)
    expected = REFERENCE[case_id]
    with pytest.warns(UserWarning, match="assets"):
        layer = getattr(layers, case[1]).from_config(dict(expected["config"]))
    if case_id == "text_tf_idf":  # Keras keeps the IDF weights in the weights file
        idf = _make(case)._lookup_layer.idf_weights.numpy()
        layer.load_own_variables({"idf_weights": idf})
    (tmp_path / "vocabulary.txt").write_text(
        "\n".join(str(v) for v in expected["vocabulary"]), encoding="utf-8")
    layer.load_assets(str(tmp_path))
    assert layer.get_vocabulary() == expected["vocabulary"]
    np.testing.assert_allclose(layer(case[4]).numpy(), expected["outputs"], rtol=1e-6)


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count", "tf_idf"])
def test_symbolic_shapes_and_dtypes_match_eager_outputs(mode):
    kwargs = dict(idf_weights=[0.5, 1.0, 2.0]) if mode == "tf_idf" else {}
    lookup = layers.IntegerLookup(vocabulary=[3, 7, 12], output_mode=mode, **kwargs)
    data = np.array([[3], [5], [12]]) if mode == "one_hot" else np.array(IDS)
    inputs = keras.Input(data.shape[1:], dtype="int64")
    symbolic = lookup(inputs)
    eager = lookup(data)
    assert symbolic.shape[1:] == tuple(eager.shape[1:])
    assert symbolic.dtype == str(eager.dtype).replace("torch.", "")
    model = keras.Model(inputs, symbolic)
    np.testing.assert_array_equal(model.predict(data, verbose=0), eager.numpy())


def test_text_model_with_adapted_vectorization_saves_and_reloads(tmp_path):
    vectorize = layers.TextVectorization(output_sequence_length=6, max_tokens=20)
    vectorize.adapt(CORPUS)
    words = layers.StringLookup(output_mode="count")
    words.adapt(WORDS)
    text_model = keras.Sequential([vectorize, layers.Embedding(20, 4),
                                   layers.GlobalAveragePooling1D(), layers.Dense(2)])
    word_model = keras.Sequential([words, layers.Dense(3)])
    sentences, tokens = np.array(CORPUS + ["an unseen sentence"]), np.array(WORDS)
    for model, data in ((text_model, sentences), (word_model, tokens)):
        expected = model(data)
        model.save(tmp_path / "m.keras")
        restored = keras.models.load_model(tmp_path / "m.keras")
        torch.testing.assert_close(restored(data), expected, rtol=0, atol=0)
        assert restored.layers[0].get_vocabulary() == model.layers[0].get_vocabulary()
