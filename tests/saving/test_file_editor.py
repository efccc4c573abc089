"""`cornu.saving.KerasFileEditor` on cornu-saved files, checked against Keras's own editor
and by loading the edited files into models whose structure matches."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import h5py
import numpy as np
import pytest

import cornu

RNG = np.random.default_rng(0)


def _flat_equal(a, b):
    assert list(sorted(a)) == list(sorted(b))
    for k in a:
        if isinstance(a[k], dict):
            _flat_equal(a[k], b[k])
        else:
            np.testing.assert_array_equal(np.asarray(a[k]), np.asarray(b[k]))


def _two_layer(lib=cornu):
    return lib.Sequential([lib.Input((4,)), lib.layers.Dense(5, activation="relu"),
                           lib.layers.Dense(2)])


def _three_layer(lib=cornu):
    return lib.Sequential([lib.Input((4,)), lib.layers.Dense(5, activation="relu"),
                           lib.layers.Dense(5), lib.layers.Dense(2)])


@pytest.fixture
def saved(tmp_path):
    model = _two_layer()
    path = str(tmp_path / "two.keras")
    model.save(path)
    return model, path


def test_reads_like_keras(saved, capsys):
    import keras

    model, path = saved
    editor = cornu.saving.KerasFileEditor(path)
    kedit = keras.saving.KerasFileEditor(path)
    _flat_equal(editor.weights_dict, kedit.weights_dict)
    assert editor.config == kedit.config
    assert editor.metadata == kedit.metadata
    np.testing.assert_array_equal(editor.weights_dict["layers"]["dense"]["0"],
                                  model.layers[0].kernel.detach().numpy())
    capsys.readouterr()
    editor.summary()
    out = capsys.readouterr().out
    assert "Weights structure" in out and "shape=(4, 5), dtype=float32" in out


def test_compare_matches_keras(saved):
    import keras

    _, path = saved
    editor = cornu.saving.KerasFileEditor(path)
    kedit = keras.saving.KerasFileEditor(path)
    for make in (_two_layer, _three_layer):
        reference = make(cornu)
        ours = editor.compare(reference)
        theirs = kedit.compare(make(keras))
        assert (ours["status"], ours["error_count"]) == (theirs["status"], theirs["error_count"])
        # Keras 3.15 adds the running count to itself when it recurses (6 for these 4
        # weights); cornu counts each matching weight once.
        saved_shapes = [w.shape for w in _two_layer().weights]
        assert ours["match_count"] == sum(
            1 for w, s in zip(reference.weights, saved_shapes) if tuple(w.shape) == s)
    assert editor.compare(_two_layer())["status"] == "success"
    assert editor.compare(_three_layer())["status"] == "error"


def test_rename_and_add_object_then_load_into_new_structure(saved, tmp_path):
    import keras

    old, path = saved
    new_kernel = RNG.standard_normal((5, 5)).astype("float32")
    new_bias = RNG.standard_normal((5,)).astype("float32")
    out = str(tmp_path / "edited.weights.h5")
    kout = str(tmp_path / "edited_keras.weights.h5")
    for cls, dst in ((cornu.saving.KerasFileEditor, out), (keras.saving.KerasFileEditor, kout)):
        editor = cls(path)
        editor.rename_object("dense_1", "dense_2")
        editor.add_object("layers/dense_1", weights={"0": new_kernel, "1": new_bias})
        editor.save(dst)

    target = _three_layer()
    assert cornu.saving.KerasFileEditor(out).compare(target)["status"] == "success"
    target.load_weights(out)
    np.testing.assert_array_equal(target.layers[0].get_weights()[0], old.layers[0].get_weights()[0])
    np.testing.assert_array_equal(target.layers[1].get_weights()[0], new_kernel)
    np.testing.assert_array_equal(target.layers[1].get_weights()[1], new_bias)
    np.testing.assert_array_equal(target.layers[2].get_weights()[1], old.layers[1].get_weights()[1])
    # Keras's editor writes the same weights.
    _flat_equal(cornu.saving.KerasFileEditor(out).weights_dict,
                cornu.saving.KerasFileEditor(kout).weights_dict)
    # ... and Keras loads cornu's edited file.
    kmodel = _three_layer(keras)
    kmodel.load_weights(out)
    x = RNG.standard_normal((3, 4)).astype("float32")
    np.testing.assert_allclose(np.asarray(kmodel.predict(x, verbose=0)),
                               target.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_delete_and_add_weights_resaved_as_keras(saved, tmp_path):
    old, path = saved
    editor = cornu.saving.KerasFileEditor(path)
    editor.delete_weight("layers/dense", "1")
    assert list(editor.weights_dict["layers"]["dense"]) == ["0"]
    assert editor.compare(_two_layer())["error_count"] == 1
    bias = np.full((5,), 0.25, dtype="float32")
    editor.add_weights("dense", {"1": bias})
    out = str(tmp_path / "edited.keras")
    editor.save(out)
    loaded = cornu.saving.load_model(out)
    np.testing.assert_array_equal(loaded.layers[0].get_weights()[1], bias)
    np.testing.assert_array_equal(loaded.layers[0].get_weights()[0], old.layers[0].get_weights()[0])
    np.testing.assert_array_equal(loaded.layers[1].get_weights()[0], old.layers[1].get_weights()[0])


def test_delete_object_and_weights_file(tmp_path):
    model = _three_layer()
    wpath = str(tmp_path / "three.weights.h5")
    model.save_weights(wpath)
    editor = cornu.saving.KerasFileEditor(wpath)
    editor.delete_object("layers/dense_1")
    editor.rename_object("dense_2", "dense_1")
    assert editor.compare(_two_layer())["status"] == "success"
    out = str(tmp_path / "two.weights.h5")
    editor.save(out)
    two = _two_layer()
    two.load_weights(out)
    for a, b in zip(two.get_weights(), model.layers[0].get_weights() + model.layers[2].get_weights()):
        np.testing.assert_array_equal(a, b)
    reread = cornu.saving.KerasFileEditor(out)
    assert sorted(reread.weights_dict["layers"]) == ["dense", "dense_1"]
    np.testing.assert_array_equal(reread.weights_dict["layers"]["dense_1"]["0"],
                                  model.layers[2].get_weights()[0])


def test_nested_objects_keep_their_sub_objects(tmp_path):
    inner = cornu.Sequential([cornu.Input((4,)), cornu.layers.Dense(3)])
    inputs = cornu.Input((4,))
    model = cornu.Model(inputs, cornu.layers.Dense(2)(inner(inputs)))
    path = str(tmp_path / "nested.keras")
    model.save(path)
    editor = cornu.saving.KerasFileEditor(path)
    assert editor.compare(model)["status"] == "success"
    out = str(tmp_path / "nested_out.keras")
    editor.save(out)
    loaded = cornu.saving.load_model(out)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_errors(saved, tmp_path):
    _, path = saved
    with pytest.raises(ValueError, match="expected a `.keras` `.weights.h5` extension"):
        cornu.saving.KerasFileEditor(str(tmp_path / "x.h5"))
    editor = cornu.saving.KerasFileEditor(path)
    with pytest.raises(ValueError, match="Path 'layers/nope' not found"):
        editor.delete_object("layers/nope")
    with pytest.raises(ValueError, match="Source name 'nope' does not appear"):
        editor.rename_object("nope", "x")
    with pytest.raises(ValueError, match="occurs more than once"):
        editor.delete_weight("0", "0")
    with pytest.raises(ValueError, match="should be a leaf name"):
        editor.rename_object("dense", "a/b")
    with pytest.raises(ValueError, match=r"Weight 7 not found in object dense. Weights found: \['0', '1'\]"):
        editor.delete_weight("dense", "7")
    with pytest.raises(ValueError, match="should be a dict"):
        editor.add_weights("dense", [1, 2])
    with pytest.raises(ValueError, match="expected a `.weights.h5` extension"):
        editor.save(str(tmp_path / "out.h5"))
    wpath = str(tmp_path / "w.weights.h5")
    _two_layer().save_weights(wpath)
    with pytest.raises(ValueError, match="opened on a `.keras` file"):
        cornu.saving.KerasFileEditor(wpath).save(str(tmp_path / "out.keras"))


def test_rejects_links(tmp_path):
    path = str(tmp_path / "link.weights.h5")
    with h5py.File(path, "w") as h5:
        h5.create_group("layers/dense/vars").create_dataset("0", data=np.zeros((2, 2)))
        h5["layers/other"] = h5py.SoftLink("/layers/dense")
    with pytest.raises(cornu.saving.InvalidFileError, match="SoftLink"):
        cornu.saving.KerasFileEditor(path)


def test_failed_save_keeps_previous_file(saved, tmp_path):
    _, path = saved
    editor = cornu.saving.KerasFileEditor(path)
    out = str(tmp_path / "keep.weights.h5")
    editor.save(out)
    before = open(out, "rb").read()
    editor.weights_dict["layers"]["dense"]["bad"] = np.array([object()], dtype=object)
    with pytest.raises(Exception):
        editor.save(out)
    assert open(out, "rb").read() == before
