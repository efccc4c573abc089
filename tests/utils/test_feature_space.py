"""`cornu.utils.FeatureSpace` against Keras.

Keras's own `FeatureSpace` cannot run here: its `adapt()` builds a `tf.data.Dataset` and
its `__call__` converts every input to a TensorFlow tensor, and TensorFlow is not
installed. So its outputs are checked against the composition the Keras class performs
(same sorted order, same layers, same one-hot sizes): Keras's own Normalization,
Rescaling, Discretization and CategoryEncoding layers (which run on the torch backend),
NumPy for the lookup vocabularies (frequency order, ties by decreasing value, OOV index
0), and cornu's Hashing / HashedCrossing layers for the hashed columns (Keras's need
TensorFlow too; cornu's are tested against reference hashes in their own tests). Keras's
`FeatureSpace` can be constructed without TensorFlow for float features, so configs are
compared with Keras's directly.
"""

import json

import keras
import numpy as np
import pytest
import torch

import cornu
from cornu.utils import FeatureSpace
from cornu.utils.batch_dataset import BatchDataset

RNG = np.random.default_rng(0)
N = 40
DATA = {
    "f_norm": RNG.normal(3.0, 2.0, N).astype("float32"),
    "f_resc": RNG.uniform(0, 10, N).astype("float32"),
    "f_disc": RNG.uniform(-1, 1, N).astype("float32"),
    "f_plain": RNG.normal(0, 1, N).astype("float32"),
    "s_cat": RNG.choice(["red", "green", "blue", "cyan"], N, p=[.4, .3, .2, .1]),
    "i_cat": RNG.choice([3, 7, 11, 20, 42], N),
    "s_hash": RNG.choice(["x", "yy", "zzz", "w"], N),
    "i_hash": RNG.integers(0, 100, N),
}


def _features():
    return {
        "f_norm": "float_normalized",
        "f_resc": FeatureSpace.float_rescaled(scale=0.5, offset=-1.0),
        "f_disc": FeatureSpace.float_discretized(num_bins=4),
        "f_plain": "float",
        "s_cat": "string_categorical",
        "i_cat": FeatureSpace.integer_categorical(max_tokens=4),
        "s_hash": FeatureSpace.string_hashed(num_bins=8),
        "i_hash": "integer_hashed",
    }


def _space(**kwargs):
    kwargs.setdefault("crosses", [("s_cat", "i_cat"),
                                  FeatureSpace.cross(("s_hash", "f_disc"), crossing_dim=16)])
    return FeatureSpace(features=_features(), **kwargs)


def _vocab(values, max_tokens=None):
    """Keras's adapted vocabulary: by decreasing count, ties by decreasing value."""
    uniq, counts = np.unique(values, return_counts=True)
    order = sorted(zip(counts.tolist(), uniq.tolist()), reverse=True)
    terms = [t for _, t in order]
    return terms[:max_tokens - 1] if max_tokens else terms


def _lookup(values, vocab):
    index = {t: i + 1 for i, t in enumerate(vocab)}  # 0 is the OOV index
    return np.array([[index.get(v, 0)] for v in values.tolist()], dtype="int64")


def _multi_hot(indices, depth):
    return keras.ops.convert_to_numpy(
        keras.layers.CategoryEncoding(num_tokens=depth, output_mode="multi_hot")(indices))


def _reference(data, adapt_data=DATA):
    """Keras's FeatureSpace computation, column by column, with Keras layers and NumPy."""
    col = {k: np.asarray(v).reshape(-1, 1) for k, v in data.items()}
    acol = {k: np.asarray(v).reshape(-1, 1) for k, v in adapt_data.items()}
    norm = keras.layers.Normalization(axis=-1)
    norm.adapt(acol["f_norm"])
    # Keras's Discretization.adapt imports TensorFlow for a type check: these are the
    # steps it takes on an array.
    disc = keras.layers.Discretization(num_bins=4)
    disc.reset_state()
    disc.update_state(acol["f_disc"])
    disc.finalize_state()
    s_vocab = _vocab(adapt_data["s_cat"])
    i_vocab = _vocab(adapt_data["i_cat"], max_tokens=4)
    pre = {
        "f_norm": keras.ops.convert_to_numpy(norm(col["f_norm"])),
        "f_resc": keras.ops.convert_to_numpy(
            keras.layers.Rescaling(0.5, offset=-1.0)(col["f_resc"])),
        "f_disc": keras.ops.convert_to_numpy(disc(col["f_disc"])),
        "f_plain": col["f_plain"].astype("float32"),
        "s_cat": _lookup(col["s_cat"][:, 0], s_vocab),
        "i_cat": _lookup(col["i_cat"][:, 0], i_vocab),
        "s_hash": cornu.layers.Hashing(num_bins=8)(col["s_hash"]).numpy(),
        "i_hash": cornu.layers.Hashing(num_bins=32)(
            torch.as_tensor(col["i_hash"].astype("int32"))).numpy(),
    }
    crossed = {
        "s_cat_X_i_cat": cornu.layers.HashedCrossing(32)(
            [pre["s_cat"], pre["i_cat"]]).numpy(),
        "s_hash_X_f_disc": cornu.layers.HashedCrossing(16)(
            [pre["s_hash"], pre["f_disc"]]).numpy(),
    }
    depth = {"f_disc": 4, "s_cat": len(s_vocab) + 1, "i_cat": len(i_vocab) + 1,
             "s_hash": 8, "i_hash": 32, "s_cat_X_i_cat": 32, "s_hash_X_f_disc": 16}
    encoded = {}
    for name, value in list(pre.items()) + list(crossed.items()):
        encoded[name] = _multi_hot(value, depth[name]) if name in depth else value
    return pre, crossed, encoded


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def test_concat_output_matches_keras_composition():
    space = _space()
    space.adapt(DATA)
    out = space(DATA)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    _, _, encoded = _reference(DATA)
    order = sorted(_features()) + sorted(["s_cat_X_i_cat", "s_hash_X_f_disc"])
    expected = np.concatenate([encoded[n] for n in order], axis=-1)
    assert out.shape == expected.shape
    np.testing.assert_allclose(_np(out), expected, rtol=1e-5, atol=1e-5)
    # The preprocessors are the Keras-named layers, reachable as in Keras.
    assert isinstance(space.preprocessors["s_cat"], cornu.layers.StringLookup)
    assert isinstance(space.crossers["s_cat_X_i_cat"], cornu.layers.HashedCrossing)
    assert space.preprocessors["f_norm"].name == "f_norm_preprocessor"


def test_dict_output_with_int_modes_matches_keras_composition():
    space = FeatureSpace(
        features={
            "s_cat": FeatureSpace.string_categorical(output_mode="int"),
            "i_cat": FeatureSpace.integer_categorical(max_tokens=4, output_mode="int"),
            "f_norm": "float_normalized",
        },
        crosses=[FeatureSpace.cross(("s_cat", "i_cat"), crossing_dim=32, output_mode="int")],
        output_mode="dict",
    )
    subset = {k: DATA[k] for k in ("s_cat", "i_cat", "f_norm")}
    space.adapt(subset)
    out = space(subset)
    pre, crossed, encoded = _reference(DATA)
    assert sorted(out) == ["f_norm", "i_cat", "s_cat", "s_cat_X_i_cat"]
    np.testing.assert_array_equal(_np(out["s_cat"]), pre["s_cat"])
    np.testing.assert_array_equal(_np(out["i_cat"]), pre["i_cat"])
    np.testing.assert_array_equal(_np(out["s_cat_X_i_cat"]), crossed["s_cat_X_i_cat"])
    np.testing.assert_allclose(_np(out["f_norm"]), encoded["f_norm"], rtol=1e-5, atol=1e-5)
    # Unseen values go to the OOV index, as in Keras.
    new = space({"s_cat": ["purple", "red"], "i_cat": [999, 3], "f_norm": [0.0, 1.0]})
    np.testing.assert_array_equal(_np(new["s_cat"])[:, 0],
                                  [0, _vocab(DATA["s_cat"]).index("red") + 1])
    assert _np(new["i_cat"])[0, 0] == 0


def test_adapt_on_iterables_of_dict_batches_matches_adapt_on_a_dict():
    whole = _space(output_mode="dict")
    whole.adapt(DATA)
    batches = [{k: v[i:i + 8] for k, v in DATA.items()} for i in range(0, N, 8)]
    from_list = _space(output_mode="dict")
    from_list.adapt(batches)
    from_pairs = _space(output_mode="dict")
    from_pairs.adapt((x, np.zeros(len(x["f_norm"]))) for x in batches)  # (x, y) generator
    # Discretization's quantile sketch depends on the batching: Keras's, fed the same
    # batches through the steps its adapt() takes.
    sketch = keras.layers.Discretization(num_bins=4)
    sketch.reset_state()
    for batch in batches:
        sketch.update_state(batch["f_disc"].reshape(-1, 1))
    sketch.finalize_state()
    expected = whole(DATA)
    for space in (from_list, from_pairs):
        assert (space.preprocessors["s_cat"].get_vocabulary()
                == whole.preprocessors["s_cat"].get_vocabulary())
        np.testing.assert_allclose(space.preprocessors["f_disc"].bin_boundaries,
                                   sketch.bin_boundaries, rtol=1e-6)
        got = space(DATA)
        for name in got:
            if "f_disc" not in name:  # Normalization's statistics merge exactly
                np.testing.assert_allclose(_np(got[name]), _np(expected[name]),
                                           rtol=1e-5, atol=1e-5)


def test_single_sample_and_list_inputs():
    space = _space()
    space.adapt(DATA)
    batched = _np(space(DATA))
    sample = {k: v[5].item() for k, v in DATA.items()}
    single = _np(space(sample))
    assert single.shape == batched.shape[1:]
    np.testing.assert_allclose(single, batched[5], rtol=1e-6, atol=1e-6)
    lists = _np(space({k: v.tolist() for k, v in DATA.items()}))
    np.testing.assert_allclose(lists, batched, rtol=1e-6, atol=1e-6)
    as_tensors = {k: (torch.as_tensor(v) if v.dtype.kind != "U" else v)
                  for k, v in DATA.items()}
    np.testing.assert_allclose(_np(space(as_tensors)), batched, rtol=1e-6, atol=1e-6)


def test_structured_data_recipe_trains_and_serves_raw_dicts(tmp_path):
    # keras.io's "structured data classification with FeatureSpace", at toy size.
    rng = np.random.default_rng(1)
    n = 256
    raw = {
        "age": rng.uniform(20, 80, n).astype("float32"),
        "thal": rng.choice(["normal", "fixed", "reversible"], n),
        "sex": rng.integers(0, 2, n),
        "chol": rng.normal(240, 40, n).astype("float32"),
    }
    target = ((raw["thal"] == "reversible") | (raw["age"] > 60)).astype("float32")
    space = FeatureSpace(
        features={"age": "float_discretized", "thal": "string_categorical",
                  "sex": "integer_categorical", "chol": "float_normalized"},
        crosses=[FeatureSpace.cross(("sex", "thal"), crossing_dim=16)],
        num_discretization_bins=8,
        output_mode="concat",
    )

    class Batches(BatchDataset):  # what Keras's recipe builds with tf.data
        def __len__(self):
            return n // 32

        def _batches(self):
            for i in range(0, n, 32):
                yield {k: v[i:i + 32] for k, v in raw.items()}, target[i:i + 32]

    train_ds = Batches()
    space.adapt(train_ds.map(lambda x, y: x))
    x = space(raw)
    preprocessed_ds = train_ds.map(lambda x, y: (space(x), y))

    dict_inputs = space.get_inputs()
    encoded = space.get_encoded_features()
    assert tuple(encoded.shape) == (None, x.shape[-1])
    cornu.utils.set_random_seed(0)
    hidden = cornu.layers.Dense(16, activation="relu")(encoded)
    predictions = cornu.layers.Dense(1, activation="sigmoid")(hidden)
    training_model = cornu.Model(inputs=encoded, outputs=predictions)
    training_model.compile(optimizer=cornu.optimizers.Adam(0.02), loss="binary_crossentropy",
                           metrics=["accuracy"])
    history = training_model.fit(preprocessed_ds, epochs=15, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9

    # The inference model takes the raw dict and runs the FeatureSpace's graph.
    inference_model = cornu.Model(inputs=dict_inputs, outputs=predictions)
    raw_inputs = {k: v.reshape(-1, 1) for k, v in raw.items()}
    np.testing.assert_allclose(_np(inference_model(raw_inputs)), _np(training_model(x)),
                               rtol=1e-5, atol=1e-6)
    # The inference model (lookups, crossing, one-hot encoders, concat) saves and reloads.
    path = str(tmp_path / "inference.keras")
    inference_model.save(path)
    reloaded = cornu.models.load_model(path)
    np.testing.assert_allclose(_np(reloaded(raw_inputs)), _np(inference_model(raw_inputs)),
                               rtol=1e-6, atol=1e-6)
    # The symbolic graph computes what the eager call computes.
    encoder = cornu.Model(inputs=dict_inputs, outputs=encoded)
    np.testing.assert_allclose(_np(encoder(raw_inputs)), _np(x), rtol=1e-6, atol=1e-6)


def test_config_matches_keras_and_round_trips():
    features = {"a": "float_normalized", "b": "float", "c": "float_discretized",
                "d": FeatureSpace.float_rescaled(scale=2.0, name="d")}
    kfeatures = dict(features, d=keras.utils.FeatureSpace.float_rescaled(scale=2.0, name="d"))
    ours = FeatureSpace(features=features, num_discretization_bins=5)
    theirs = keras.utils.FeatureSpace(features=kfeatures, num_discretization_bins=5)
    ours_cfg = cornu.utils.serialize_keras_object(ours)
    theirs_cfg = keras.saving.serialize_keras_object(theirs)
    assert ours_cfg["module"] == theirs_cfg["module"] == "keras.utils"
    assert ours_cfg["class_name"] == theirs_cfg["class_name"]
    for key in ("output_mode", "crosses", "crossing_dim", "hashing_dim",
                "num_discretization_bins"):
        assert ours_cfg["config"][key] == theirs_cfg["config"][key]
    for name in features:
        mine = ours_cfg["config"]["features"][name]
        keras_one = theirs_cfg["config"]["features"][name]
        # (Keras writes registered_name "Feature" for its own class; cornu writes None, as
        # for its other built-ins; both resolve by module and class name.)
        for key in ("module", "class_name"):
            assert mine[key] == keras_one[key]
        assert mine["config"]["dtype"] == keras_one["config"]["dtype"]
        assert mine["config"]["output_mode"] == keras_one["config"]["output_mode"]
        pre, keras_pre = mine["config"]["preprocessor"], keras_one["config"]["preprocessor"]
        assert pre["class_name"] == keras_pre["class_name"]
        assert pre["config"]["name"] == keras_pre["config"]["name"]
    # cornu's config loads into Keras, and Keras's into cornu.
    back = keras.saving.deserialize_keras_object(json.loads(json.dumps(ours_cfg)))
    assert isinstance(back, keras.utils.FeatureSpace)
    assert sorted(back.features) == sorted(features)
    assert back.preprocessors["c"].num_bins == 5
    assert type(back.preprocessors["b"]).__name__ == "TFDIdentity"
    loaded = cornu.utils.deserialize_keras_object(json.loads(json.dumps(theirs_cfg)))
    assert isinstance(loaded, FeatureSpace)
    assert type(loaded.preprocessors["b"]).__name__ == "TFDIdentity"
    assert loaded.preprocessors["c"].num_bins == 5
    assert loaded.preprocessors["d"].scale == 2.0

    # cornu's own round trip, adapted, with every feature type and crosses.
    space = _space(output_mode="concat")
    space.adapt(DATA)
    # Like Keras, the serialized form carries a build config that marks it adapted.
    config = json.loads(json.dumps(cornu.utils.serialize_keras_object(space)))
    clone = cornu.utils.deserialize_keras_object(config)
    # Vocabularies and bin boundaries travel in the config; Normalization's statistics
    # are weights (the `.keras` file's), built from the build config.
    clone.preprocessors["f_norm"].set_weights(space.preprocessors["f_norm"].get_weights())
    np.testing.assert_allclose(_np(clone(DATA)), _np(space(DATA)), rtol=1e-6, atol=1e-6)
    fresh = _space()
    assert json.loads(json.dumps(FeatureSpace.from_config(fresh.get_config()).get_config())) \
        == json.loads(json.dumps(fresh.get_config()))
    assert sorted(clone.features) == sorted(space.features)
    assert [c.name for c in clone.crosses] == [c.name for c in space.crosses]
    assert clone.preprocessors["s_cat"].get_vocabulary() == \
        space.preprocessors["s_cat"].get_vocabulary()


def test_save_and_load_keras_file(tmp_path):
    space = _space(output_mode="concat")
    space.adapt(DATA)
    expected = _np(space(DATA))
    path = str(tmp_path / "featurespace.keras")
    space.save(path)
    reloaded = cornu.models.load_model(path)
    assert isinstance(reloaded, FeatureSpace)
    np.testing.assert_allclose(_np(reloaded(DATA)), expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(_np(reloaded.preprocessors["f_norm"].adapt_mean),
                               _np(space.preprocessors["f_norm"].adapt_mean))
    # The dict mode reloads too.
    space = _space(output_mode="dict")
    space.adapt(DATA)
    path = str(tmp_path / "dict.keras")
    cornu.saving.save_model(space, path)
    reloaded = cornu.saving.load_model(path)
    out, want = reloaded(DATA), space(DATA)
    assert sorted(out) == sorted(want)
    for name in want:
        np.testing.assert_allclose(_np(out[name]), _np(want[name]), rtol=1e-6, atol=1e-6)


def test_custom_feature_with_text_vectorization():
    data = {"text": np.array(["1st string", "2nd string", "3rd string", "2nd word"])}
    custom = cornu.layers.TextVectorization(output_mode="tf_idf")
    space = FeatureSpace(
        features={"text": FeatureSpace.feature(preprocessor=custom, dtype="string",
                                               output_mode="float")},
        output_mode="concat",
    )
    space.adapt(data)
    reference = cornu.layers.TextVectorization(output_mode="tf_idf")
    reference.adapt(data["text"])
    np.testing.assert_allclose(_np(space(data)), _np(reference(data["text"])),
                               rtol=1e-6, atol=1e-6)


def test_errors_are_clear():
    with pytest.raises(ValueError, match="Invalid feature type: 'floaty'.*feature 'x'"):
        FeatureSpace(features={"x": "floaty"})
    with pytest.raises(ValueError, match="cannot be None or empty"):
        FeatureSpace(features={})
    with pytest.raises(ValueError, match="unknown features"):
        FeatureSpace(features={"a": "float"}, crosses=[("a", "b")])
    with pytest.raises(ValueError, match="output_mode"):
        FeatureSpace(features={"a": "float"}, output_mode="list")
    with pytest.raises(ValueError, match="output_mode"):
        FeatureSpace.integer_categorical(output_mode="multi_hot")

    space = FeatureSpace(features={"a": "float_normalized", "b": "string_categorical"})
    with pytest.raises(ValueError, match="call `.adapt"):
        space({"a": [1.0], "b": ["x"]})
    with pytest.raises(ValueError, match="dict of arrays"):
        space.adapt(np.zeros(3))
    with pytest.raises(ValueError, match="feature 'b'"):
        space.adapt({"a": [1.0, 2.0]})
    space.adapt({"a": [1.0, 2.0], "b": ["x", "y"]})
    with pytest.raises(ValueError, match=r"Missing keys: \['b'\]"):
        space({"a": [1.0]})
    with pytest.raises(ValueError, match=r"unknown keys: \['c'\]"):
        space({"a": [1.0], "b": ["x"], "c": [0]})
    with pytest.raises(ValueError, match="only be called with a dict"):
        space([1.0, 2.0])

    # A float preprocessor cannot be one-hot encoded; an int output cannot be concatenated.
    bad = FeatureSpace(features={"a": FeatureSpace.feature(
        "float32", cornu.layers.Rescaling(1.0), "one_hot")})
    with pytest.raises(ValueError, match="integer dtype"):
        bad.get_encoded_features()
    int_concat = FeatureSpace(features={"a": FeatureSpace.string_categorical(
        output_mode="int")})
    with pytest.raises(ValueError, match="Cannot concatenate features because feature 'a'"):
        int_concat.adapt({"a": ["x", "y"]})


def test_dotted_names_dataloader_adapt_and_fixed_preprocessors(tmp_path):
    # Column names such as "sepal.length", a torch DataLoader of dict samples, and
    # preprocessors that need no adapt (given boundaries, given mean and variance).
    class Rows(torch.utils.data.Dataset):
        def __len__(self):
            return N

        def __getitem__(self, i):
            return {"sepal.length": DATA["f_norm"][i], "colour": str(DATA["s_cat"][i]),
                    "width": DATA["f_disc"][i]}

    fixed = keras.layers.Normalization(mean=2.0, variance=4.0)
    space = FeatureSpace(features={
        "sepal.length": "float_normalized",
        "colour": "string_categorical",
        "width": FeatureSpace.float_discretized(num_bins=3, bin_boundaries=[-0.5, 0.5]),
        "fixed": FeatureSpace.feature("float32", cornu.layers.Normalization(
            mean=2.0, variance=4.0), "float"),
    }, crosses=[("colour", "width")])
    assert sorted(space._list_adaptable_preprocessors()) == ["colour", "sepal.length"]
    space.adapt(torch.utils.data.DataLoader(Rows(), batch_size=16))
    data = {"sepal.length": DATA["f_norm"], "colour": DATA["s_cat"], "width": DATA["f_disc"],
            "fixed": DATA["f_plain"]}
    out = _np(space(data))
    col = {k: np.asarray(v).reshape(-1, 1) for k, v in data.items()}
    norm = keras.layers.Normalization()
    norm.adapt(col["sepal.length"])
    vocab = _vocab(DATA["s_cat"])
    colour = _lookup(DATA["s_cat"], vocab)
    width = keras.ops.convert_to_numpy(
        keras.layers.Discretization(bin_boundaries=[-0.5, 0.5])(col["width"]))
    expected = np.concatenate([
        _multi_hot(colour, len(vocab) + 1),
        keras.ops.convert_to_numpy(fixed(col["fixed"])),
        keras.ops.convert_to_numpy(norm(col["sepal.length"])),
        _multi_hot(width, 3),
        _multi_hot(cornu.layers.HashedCrossing(32)([colour, width]).numpy(), 32),
    ], axis=-1)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    path = str(tmp_path / "dotted.keras")
    space.save(path)
    np.testing.assert_allclose(_np(cornu.models.load_model(path)(data)), out,
                               rtol=1e-6, atol=1e-6)


def test_row_dicts_and_wide_integer_ids():
    # adapt() on a list of one-sample dicts; int64 ids beyond int32 keep their identity.
    big = 3_000_000_000
    rows = [{"id": big, "v": 1.0}, {"id": 5, "v": 3.0}, {"id": 5, "v": 2.0}]
    space = FeatureSpace(features={"id": FeatureSpace.integer_categorical(output_mode="int"),
                                   "v": "float_normalized"}, output_mode="dict")
    space.adapt(rows)
    ids = np.array([r["id"] for r in rows])
    assert space.preprocessors["id"].get_vocabulary() == [-1] + _vocab(ids)
    out = space({"id": np.array([big, 5, 7]), "v": [1.0, 2.0, 3.0]})
    np.testing.assert_array_equal(_np(out["id"])[:, 0], _lookup(np.array([big, 5, 7]),
                                                                _vocab(ids))[:, 0])
    norm = keras.layers.Normalization()
    norm.adapt(np.array([[1.0], [3.0], [2.0]]))
    np.testing.assert_allclose(_np(out["v"]), keras.ops.convert_to_numpy(
        norm(np.array([[1.0], [2.0], [3.0]]))), rtol=1e-5)


def test_keras_files_load_both_ways(tmp_path):
    # Keras can build and save a FeatureSpace without TensorFlow when no feature needs
    # adapting; cornu loads it (same "preprocessors/<layer type>" weight paths) and
    # computes what Keras's layers compute.
    KFS = keras.utils.FeatureSpace
    theirs = KFS(features={
        "a": "float",
        "b": KFS.float_rescaled(scale=2.0, offset=1.0),
        "c": KFS.float_discretized(num_bins=None, bin_boundaries=[0.0, 1.0],
                                   output_mode="one_hot"),
        "n": KFS.feature("float32", keras.layers.Normalization(mean=1.0, variance=4.0),
                         "float"),
    })
    path = str(tmp_path / "keras_made.keras")
    with pytest.warns(UserWarning):  # Keras: "saving a model that has not yet been built"
        theirs.save(path)
    ours = cornu.models.load_model(path)
    assert isinstance(ours, FeatureSpace)
    data = {k: RNG.normal(0.5, 1.0, 6).astype("float32") for k in "abcn"}
    col = {k: v.reshape(-1, 1) for k, v in data.items()}
    expected = np.concatenate([
        col["a"],
        keras.ops.convert_to_numpy(theirs.preprocessors["b"](col["b"])),
        keras.ops.convert_to_numpy(keras.layers.CategoryEncoding(3, output_mode="multi_hot")(
            theirs.preprocessors["c"](col["c"]))),
        keras.ops.convert_to_numpy(theirs.preprocessors["n"](col["n"])),
    ], axis=-1)
    np.testing.assert_allclose(_np(ours(data)), expected, rtol=1e-6, atol=1e-6)

    # And Keras loads cornu's file, adapted state included.
    space = FeatureSpace(features={"n": "float_normalized",
                                   "c": FeatureSpace.float_discretized(num_bins=4)})
    space.adapt({"n": DATA["f_norm"], "c": DATA["f_disc"]})
    path = str(tmp_path / "cornu_made.keras")
    space.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, KFS)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded.preprocessors["n"].mean),
                               _np(space.preprocessors["n"].adapt_mean).reshape(1, 1),
                               rtol=1e-6)
    np.testing.assert_allclose(loaded.preprocessors["c"].bin_boundaries,
                               space.preprocessors["c"].bin_boundaries)
