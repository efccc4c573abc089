"""Sharded weights (`save_weights(path, max_shard_size=...)`, `*.weights.json`) against Keras 3:
same files, same index, loadable both ways with the same predictions, atomic writes."""

import json
import os

import h5py
import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

import cornu  # noqa: E402
from cornu.saving import sharded_weights  # noqa: E402
from cornu.saving.file_utils import InvalidFileError  # noqa: E402

RNG = np.random.default_rng(7)
X = RNG.normal(size=(5, 16)).astype("float32")
SHARD_GB = 1e-5  # ~10.7 KB: every model below needs several shards


def sequential(K):
    return K.Sequential([K.Input((16,)), K.layers.Dense(48, activation="relu"),
                         K.layers.Dense(48, activation="tanh"), K.layers.Dropout(0.1),
                         K.layers.Dense(48), K.layers.Dense(3)])


def functional(K):
    inputs = K.Input((16,))
    a = K.layers.Dense(48, activation="relu")(inputs)
    a = K.layers.BatchNormalization()(a)
    a = K.layers.Dense(48)(a)
    b = K.layers.Dense(48, activation="tanh")(inputs)
    out = K.layers.Dense(3)(K.layers.Concatenate()([a, b]))
    return K.Model(inputs, out)


def _subclass(K):
    class Sub(K.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.encoder = K.layers.Dense(48, activation="relu")
            self.blocks = [K.layers.Dense(48, activation="tanh"), K.layers.Dense(48)]
            self.head = K.layers.Dense(3)

        def call(self, x):
            x = self.encoder(x)
            for block in self.blocks:
                x = block(x)
            return self.head(x)

    return Sub


SUB = {keras: _subclass(keras), cornu: _subclass(cornu)}


def subclassed(K):
    model = SUB[K]()
    model(np.zeros((1, 16), "float32"))
    return model


BUILDERS = [sequential, functional, subclassed]


def _randomize_batchnorm(model):
    # Moving statistics start at 0 / 1; give them values so loading them is checked too.
    for layer in model.layers:
        if "batch_normalization" in layer.name:
            layer.set_weights([RNG.normal(size=w.shape).astype("float32") + 1.5
                               for w in layer.get_weights()])


def _predict(model):
    return np.asarray(model.predict(X, verbose=0))


def _shards(folder, base):
    return sorted(n for n in os.listdir(folder)
                  if n.startswith(f"{base}_") and n.endswith(".weights.h5"))


def _h5_contents(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: out.__setitem__(
            name, np.asarray(obj[()]) if isinstance(obj, h5py.Dataset) else None))
    return out


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
def test_cornu_sharded_weights_load_in_keras(build, tmp_path):
    cm = build(cornu)
    _randomize_batchnorm(cm)
    path = tmp_path / "model.weights.json"
    cm.save_weights(path, max_shard_size=SHARD_GB)
    shards = _shards(tmp_path, "model")
    assert len(shards) >= 3
    assert shards == [f"model_{i:05}.weights.h5" for i in range(len(shards))]
    for shard in shards:  # each shard at most max_shard_size of variable data
        size = sum(v.nbytes for v in _h5_contents(tmp_path / shard).values() if v is not None)
        assert size <= SHARD_GB * 1024**3

    km = build(keras)
    km.load_weights(path)
    np.testing.assert_allclose(_predict(km), _predict(cm), rtol=1e-6, atol=1e-6)
    for a, b in zip(km.get_weights(), cm.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
def test_keras_sharded_weights_load_in_cornu(build, tmp_path):
    km = build(keras)
    _randomize_batchnorm(km)
    path = tmp_path / "model.weights.json"
    km.save_weights(path, max_shard_size=SHARD_GB)
    assert len(_shards(tmp_path, "model")) >= 3

    cm = build(cornu)
    cm.load_weights(path)
    np.testing.assert_allclose(_predict(cm), _predict(km), rtol=1e-6, atol=1e-6)
    for a, b in zip(km.get_weights(), cm.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("build", BUILDERS, ids=lambda b: b.__name__)
def test_same_index_and_shards_as_keras(build, tmp_path):
    km, cm = build(keras), build(cornu)
    cm.set_weights(km.get_weights())
    (tmp_path / "k").mkdir()
    (tmp_path / "c").mkdir()
    km.save_weights(tmp_path / "k" / "m.weights.json", max_shard_size=SHARD_GB)
    cm.save_weights(tmp_path / "c" / "m.weights.json", max_shard_size=SHARD_GB)
    k_index = json.loads((tmp_path / "k" / "m.weights.json").read_text())
    c_index = json.loads((tmp_path / "c" / "m.weights.json").read_text())
    assert c_index == k_index  # same weight_map, same total_size
    k_shards, c_shards = _shards(tmp_path / "k", "m"), _shards(tmp_path / "c", "m")
    assert c_shards == k_shards
    for name in k_shards:
        k, c = _h5_contents(tmp_path / "k" / name), _h5_contents(tmp_path / "c" / name)
        assert sorted(c) == sorted(k), name
        for key, value in k.items():
            if value is not None:
                np.testing.assert_array_equal(c[key], value)


@pytest.mark.parametrize("writer,reader", [(cornu, keras), (keras, cornu)],
                         ids=["cornu_to_keras", "keras_to_cornu"])
def test_a_layer_split_across_shards(writer, reader, tmp_path):
    # A 55x48 float32 kernel (10560 B) fits in a ~10.7 KB shard, its bias then does not:
    # the layer's group is in two shards and its weight_map entry lists both.
    def build(K):
        return K.Sequential([K.Input((55,)), K.layers.Dense(48), K.layers.Dense(3)])

    source = build(writer)
    path = tmp_path / "m.weights.json"
    source.save_weights(path, max_shard_size=SHARD_GB)
    index = json.loads(path.read_text())
    assert index["weight_map"]["/layers/dense/vars"] == ["m_00000.weights.h5",
                                                         "m_00001.weights.h5"]
    target = build(reader)
    target.load_weights(path)
    x = RNG.normal(size=(4, 55)).astype("float32")
    np.testing.assert_allclose(np.asarray(target.predict(x, verbose=0)),
                               np.asarray(source.predict(x, verbose=0)), rtol=1e-6, atol=1e-6)


def test_load_weights_json_without_max_shard_size_and_h5_unchanged(tmp_path):
    cm = sequential(cornu)
    cm.save_weights(tmp_path / "m.weights.json", max_shard_size=SHARD_GB)
    cm.save_weights(tmp_path / "plain.weights.h5")  # the non-sharded path is untouched
    assert not os.path.exists(tmp_path / "plain.weights.json")
    for path in ("m.weights.json", "plain.weights.h5"):
        other = sequential(cornu)
        other.load_weights(tmp_path / path)
        np.testing.assert_array_equal(_predict(other), _predict(cm))
    km = sequential(keras)
    km.load_weights(tmp_path / "plain.weights.h5")
    np.testing.assert_allclose(_predict(km), _predict(cm), rtol=1e-6, atol=1e-6)


def test_optimizer_state_round_trips_through_shards(tmp_path):
    def trained(K):
        model = sequential(K)
        model.compile(optimizer=K.optimizers.Adam(1e-2), loss="mse")
        return model

    cm = trained(cornu)
    cm.fit(X, RNG.normal(size=(5, 3)).astype("float32"), epochs=2, verbose=0)
    cm.save_weights(tmp_path / "m.weights.json", max_shard_size=SHARD_GB)
    index = json.loads((tmp_path / "m.weights.json").read_text())
    assert "/optimizer/vars" in index["weight_map"]
    for K in (cornu, keras):
        other = trained(K)
        other.optimizer.build(other.trainable_variables)
        other.load_weights(tmp_path / "m.weights.json")
        np.testing.assert_allclose(_predict(other), _predict(cm), rtol=1e-6, atol=1e-6)
        for a, b in zip(other.optimizer.variables, cm.optimizer.variables):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("K", [keras, cornu], ids=["keras", "cornu"])
def test_wrong_extension_errors_match_keras(K, tmp_path):
    model = sequential(K)
    with pytest.raises(ValueError, match=r"must end in `\.weights\.json` when `max_shard_size`"):
        model.save_weights(tmp_path / "m.keras", max_shard_size=SHARD_GB)
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        model.save_weights(tmp_path / "m.weights.json")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("K", [keras, cornu], ids=["keras", "cornu"])
def test_weights_h5_path_with_max_shard_size_is_renamed_to_json(K, tmp_path):
    model = sequential(K)
    with pytest.warns(UserWarning, match=r"requires `\*\.json`.*renamed to"):
        model.save_weights(tmp_path / "m.weights.h5", max_shard_size=SHARD_GB)
    assert os.path.exists(tmp_path / "m.weights.json")
    assert not os.path.exists(tmp_path / "m.weights.h5")
    other = sequential(cornu)
    other.load_weights(tmp_path / "m.weights.json")
    np.testing.assert_allclose(_predict(other), _predict(model), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("K", [keras, cornu], ids=["keras", "cornu"])
def test_variable_larger_than_a_shard_raises_like_keras(K, tmp_path):
    model = sequential(K)
    with pytest.raises(ValueError, match=r"The size of 0 is 3\.00 KB which exceeds the "
                                         r"maximum shard size 1\.05 KB"):
        model.save_weights(tmp_path / "m.weights.json", max_shard_size=1e-6)


def test_failed_shard_write_leaves_previous_save_intact(tmp_path, monkeypatch):
    path = tmp_path / "m.weights.json"
    first = sequential(cornu)
    first.save_weights(path, max_shard_size=SHARD_GB)
    before = {n: (tmp_path / n).read_bytes() for n in os.listdir(tmp_path)}

    calls = {"n": 0}
    real_write = sharded_weights._ShardedWriter.write

    def failing_write(self, *args):
        calls["n"] += 1
        if calls["n"] == 5:  # after the first shard is full: mid-save
            raise OSError("disk full")
        return real_write(self, *args)

    monkeypatch.setattr(sharded_weights._ShardedWriter, "write", failing_write)
    with pytest.raises(OSError, match="disk full"):
        sequential(cornu).save_weights(path, max_shard_size=SHARD_GB)
    after = {n: (tmp_path / n).read_bytes() for n in os.listdir(tmp_path)}
    assert after == before  # no temporary files, no new shard, the old index untouched

    monkeypatch.undo()
    other = sequential(cornu)
    other.load_weights(path)
    np.testing.assert_array_equal(_predict(other), _predict(first))


def test_failed_first_save_writes_no_index(tmp_path, monkeypatch):
    def fail(self, *args):
        raise OSError("disk full")

    monkeypatch.setattr(sharded_weights._ShardedWriter, "write", fail)
    with pytest.raises(OSError, match="disk full"):
        sequential(cornu).save_weights(tmp_path / "m.weights.json", max_shard_size=SHARD_GB)
    assert os.listdir(tmp_path) == []


def test_resave_with_fewer_shards_removes_stale_ones(tmp_path):
    path = tmp_path / "m.weights.json"
    sequential(cornu).save_weights(path, max_shard_size=SHARD_GB)
    many = _shards(tmp_path, "m")
    small = cornu.Sequential([cornu.Input((16,)), cornu.layers.Dense(2)])
    small.save_weights(path, max_shard_size=SHARD_GB)
    assert _shards(tmp_path, "m") == ["m_00000.weights.h5"] != many
    other = cornu.Sequential([cornu.Input((16,)), cornu.layers.Dense(2)])
    other.load_weights(path)
    np.testing.assert_array_equal(_predict(other), _predict(small))


def test_overwrite_false_refuses_existing_index(tmp_path):
    path = tmp_path / "m.weights.json"
    model = sequential(cornu)
    model.save_weights(path, max_shard_size=SHARD_GB)
    with pytest.raises(FileExistsError, match="overwrite=False"):
        model.save_weights(path, overwrite=False, max_shard_size=SHARD_GB)


def test_missing_shard_raises_invalid_file_error_naming_it(tmp_path):
    path = tmp_path / "m.weights.json"
    model = sequential(cornu)
    model.save_weights(path, max_shard_size=SHARD_GB)
    os.remove(tmp_path / "m_00001.weights.h5")
    fresh = sequential(cornu)
    before = [np.copy(w) for w in fresh.get_weights()]
    with pytest.raises(InvalidFileError, match=r"m_00001\.weights\.h5.*is missing"):
        fresh.load_weights(path)
    for a, b in zip(before, fresh.get_weights()):  # nothing was assigned
        np.testing.assert_array_equal(a, b)


def test_index_naming_a_file_outside_its_folder_is_refused(tmp_path):
    path = tmp_path / "m.weights.json"
    sequential(cornu).save_weights(path, max_shard_size=SHARD_GB)
    index = json.loads(path.read_text())
    index["weight_map"]["/layers/dense/vars"] = "../elsewhere.weights.h5"
    path.write_text(json.dumps(index))
    with pytest.raises(InvalidFileError, match="expected a file name in the index's folder"):
        sequential(cornu).load_weights(path)


@pytest.mark.parametrize("text", ["{not json", "[1, 2]", '{"metadata": {}}'])
def test_damaged_index_raises_invalid_file_error(tmp_path, text):
    path = tmp_path / "m.weights.json"
    path.write_text(text)
    with pytest.raises(InvalidFileError, match=r"m\.weights\.json"):
        sequential(cornu).load_weights(path)


def test_mismatched_model_raises_or_skips(tmp_path):
    path = tmp_path / "m.weights.json"
    sequential(cornu).save_weights(path, max_shard_size=SHARD_GB)
    other = cornu.Sequential([cornu.Input((16,)), cornu.layers.Dense(48),
                              cornu.layers.Dense(7)])
    with pytest.raises(InvalidFileError, match=r"shape"):
        other.load_weights(path)
    with pytest.warns(UserWarning, match="Skipped loading"):
        other.load_weights(path, skip_mismatch=True)
