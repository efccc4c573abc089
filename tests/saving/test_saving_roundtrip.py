"""Round trips through every format for Sequential, Functional and subclassed models."""

import os
import zipfile

import h5py
import numpy as np
import pytest

import cornu as keras
from saving_models import (BUILDERS, SubModel, X4, assert_same_optimizer_state,
                           assert_same_predictions, assert_same_weights, compile_model,
                           data_for, trained)

KINDS = sorted(BUILDERS)
FORMATS = ["model.keras", "model_folder", "model.h5"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", FORMATS)
def test_model_round_trip(tmp_path, kind, name):
    model = trained(kind)
    path = tmp_path / name
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded) is type(model)
    if kind != "subclassed":  # a subclassed model's sub-layers get fresh automatic names
        assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    x, _ = data_for(model)
    assert_same_predictions(model, loaded, x)
    assert_same_weights(model, loaded)
    # compile configuration and optimizer state
    assert loaded.compiled
    assert type(loaded.optimizer) is type(model.optimizer)
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded.get_compile_config()["loss"] == model.get_compile_config()["loss"]
    assert loaded.get_compile_config()["metrics"] == model.get_compile_config()["metrics"]
    assert_same_optimizer_state(model, loaded)


@pytest.mark.parametrize("kind", KINDS)
def test_load_model_without_compile(tmp_path, kind):
    model = trained(kind)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", compile=False)
    assert not loaded.compiled and loaded.optimizer is None
    assert_same_predictions(model, loaded, data_for(model)[0])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["w.weights.h5", "m.keras", "m.h5"])
def test_load_weights_round_trip(tmp_path, kind, name):
    model = trained(kind)
    path = tmp_path / name
    if name.endswith(".weights.h5"):
        model.save_weights(path)
    else:
        model.save(path)
    fresh = compile_model(BUILDERS[kind]())
    fresh.load_weights(path)
    assert_same_weights(model, fresh)
    assert_same_predictions(model, fresh, data_for(model)[0])
    if not name.endswith(".h5") or name.endswith(".weights.h5"):
        assert_same_optimizer_state(model, fresh)


@pytest.mark.parametrize("name", ["a.keras", "a.h5", "a.weights.h5"])
def test_resumed_training_follows_the_same_trajectory(tmp_path, name):
    model = trained("functional", optimizer="adam", epochs=2)
    path = tmp_path / name
    if name.endswith(".weights.h5"):
        model.save_weights(path)
        resumed = compile_model(BUILDERS["functional"]())
        resumed.load_weights(path)
    else:
        model.save(path)
        resumed = keras.models.load_model(path)
    x, y = data_for(model)
    model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    resumed.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    assert int(resumed.optimizer.iterations) == int(model.optimizer.iterations)
    assert_same_weights(model, resumed)


def test_keras_archive_layout(tmp_path):
    model = trained("sequential")
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        archive.extract("model.weights.h5", tmp_path)
    with h5py.File(tmp_path / "model.weights.h5") as f:
        assert f["layers/dense/vars"].attrs["name"] == model.layers[0].name
        assert f["layers/dense/vars/0"].shape == (4, 5)
        assert f["layers/dense_1/vars/1"].shape == (2,)
        assert len(f["optimizer/vars"]) == len(model.optimizer.variables)
        assert f["vars"].attrs["name"] == model.name
    folder = tmp_path / "folder"
    model.save(folder)
    assert sorted(os.listdir(folder)) == ["config.json", "metadata.json", "model.weights.h5"]


def test_functional_nested_layout(tmp_path):
    model = trained("functional")
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5") as f:
        assert "layers/input_layer/vars" in f and "layers/input_layer_1/vars" in f
        assert f["layers/dense/vars"].attrs["name"] == "shared"
        assert f["layers/sequential/layers/dense/vars/0"].shape == (3, 3)


def test_subclassed_layout(tmp_path):
    model = trained("subclassed")
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5") as f:
        assert f["encoder/vars/0"].shape == (4, 3)
        assert f["head/vars/0"].shape == (3, 2)
        assert f["blocks/dense/vars/0"].shape == (4, 2)
        assert f["blocks/dense_1/vars/0"].shape == (2, 2)
        assert "optimizer/vars/0" in f


def test_legacy_h5_layout(tmp_path):
    model = trained("sequential")
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5") as f:
        assert {"model_config", "training_config", "keras_version", "backend"} <= set(f.attrs)
        group = f["model_weights"]
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["layer_names"]]
        assert names == [l.name for l in model.layers]
        first = model.layers[0]
        weight_names = list(group[first.name].attrs["weight_names"])
        assert len(weight_names) == 2
        assert group[first.name][weight_names[0]].shape == (4, 5)
        assert "optimizer_weights" in f


def test_legacy_by_name_and_skip_mismatch(tmp_path):
    model = trained("sequential")
    model.save(tmp_path / "m.h5")
    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5, name=model.layers[0].name),
                              keras.layers.Dense(7, name="different")])
    other.load_weights(tmp_path / "m.h5", by_name=True)
    np.testing.assert_array_equal(other.layers[0].get_weights()[0],
                                  model.layers[0].get_weights()[0])
    clash = keras.Sequential([keras.Input((3,)), keras.layers.Dense(5, name=model.layers[0].name),
                              keras.layers.Dense(2, name=model.layers[1].name)])
    with pytest.raises(ValueError, match="shape"):
        clash.load_weights(tmp_path / "m.h5", by_name=True)
    with pytest.warns(UserWarning, match="Skipping"):
        clash.load_weights(tmp_path / "m.h5", by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(clash.layers[1].get_weights()[0],
                                  model.layers[1].get_weights()[0])


def test_weights_skip_mismatch(tmp_path):
    model = trained("sequential")
    model.save_weights(tmp_path / "w.weights.h5")
    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(5), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="w.weights.h5"):
        other.load_weights(tmp_path / "w.weights.h5")
    with pytest.warns(UserWarning, match="do not match"):
        other.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)
    np.testing.assert_array_equal(other.layers[0].get_weights()[0],
                                  model.layers[0].get_weights()[0])


def test_save_rejects_bad_paths_and_unbuilt_models(tmp_path):
    model = trained("sequential")
    with pytest.raises(ValueError, match="extension"):
        model.save(tmp_path / "m.txt")
    with pytest.raises(ValueError, match=".weights.h5"):
        model.save_weights(tmp_path / "m.h5")
    model.save(tmp_path / "m.keras")
    with pytest.raises(FileExistsError):
        model.save(tmp_path / "m.keras", overwrite=False)
    unbuilt = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="not yet been built"):
        unbuilt.save_weights(tmp_path / "u.weights.h5")
    with pytest.raises(FileNotFoundError):
        keras.models.load_model(tmp_path / "missing.keras")


def test_json_round_trip_and_registry():
    model = BUILDERS["functional"]()
    clone = keras.models.model_from_json(model.to_json())
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    sub = SubModel(units=5)
    config = keras.saving.serialize_keras_object(sub)
    assert config["registered_name"] == "cornu_tests>SubModel"
    assert keras.saving.get_custom_objects()["cornu_tests>SubModel"] is SubModel
    assert keras.saving.deserialize_keras_object(config).units == 5


def test_custom_object_scope_and_custom_objects(tmp_path):
    class Scaled(keras.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    model = keras.Sequential([keras.Input((4,)), Scaled(3.0), keras.layers.Dense(2)])
    model.save(tmp_path / "c.keras")
    with pytest.raises(ValueError, match="Scaled"):
        keras.models.load_model(tmp_path / "c.keras")
    loaded = keras.models.load_model(tmp_path / "c.keras", custom_objects={"Scaled": Scaled})
    assert_same_predictions(model, loaded, X4)
    with keras.saving.custom_object_scope({"Scaled": Scaled}):
        assert keras.models.load_model(tmp_path / "c.keras").layers[0].factor == 3.0


@pytest.mark.parametrize("kind", KINDS)
def test_clone_model(kind):
    model = BUILDERS[kind]()
    clone = keras.models.clone_model(model)
    assert type(clone) is type(model) and clone is not model
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    assert all(a is not b for a, b in zip(clone.weights, model.weights))
    clone.set_weights(model.get_weights())
    assert_same_predictions(model, clone, data_for(model)[0])


def test_clone_functional_keeps_sharing_and_uses_clone_function():
    model = BUILDERS["functional"]()
    seen = []

    def clone_function(layer):
        seen.append(layer.name)
        return type(layer).from_config(layer.get_config())

    clone = keras.models.clone_model(model, clone_function=clone_function)
    assert seen.count("shared") == 1
    assert len(clone.weights) == len(model.weights)
    new_input = keras.Input((4,), name="x")
    seq = keras.models.clone_model(BUILDERS["sequential"](), input_tensors=new_input)
    assert seq.inputs[0] is new_input
