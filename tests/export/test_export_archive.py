"""`cornu.export.ExportArchive`: Keras's methods and argument checks, and a `write_out` that
explains SavedModels need TensorFlow (Keras's own archive needs TensorFlow installed)."""

import pytest

import cornu
from cornu.export import ExportArchive


def _model():
    return cornu.Sequential([cornu.Input((3,)), cornu.layers.Dense(2)])


def test_keras_api_names():
    import keras

    assert hasattr(keras.export, "ExportArchive")
    for name in ("track", "add_endpoint", "track_and_add_endpoint", "add_variable_collection",
                 "write_out"):
        assert callable(getattr(keras.export.ExportArchive, name))
        assert callable(getattr(cornu.export.ExportArchive, name))


def test_write_out_explains_and_points_at_onnx(tmp_path):
    model = _model()
    archive = ExportArchive()
    archive.track(model)
    fn = archive.add_endpoint(
        name="serve", fn=model.call,
        input_signature=[cornu.InputSpec(shape=(None, 3), dtype="float32")])
    assert fn == model.call
    archive.add_variable_collection("weights", model.weights)
    with pytest.raises(NotImplementedError, match="TensorFlow SavedModel export is not "
                                                  "available in cornu") as error:
        archive.write_out(tmp_path / "saved")
    assert "model.export(filepath, format='onnx')" in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_track_and_add_endpoint():
    model = _model()
    archive = ExportArchive()
    archive.track_and_add_endpoint("serve", model, [model.inputs[0]])
    with pytest.raises(ValueError, match="Endpoint name 'serve' is already taken"):
        archive.add_endpoint("serve", model.call, [model.inputs[0]])
    with pytest.raises(NotImplementedError, match="format='onnx'"):
        archive.write_out("unused")


def test_argument_errors():
    archive = ExportArchive()
    with pytest.raises(ValueError, match="No endpoints have been set yet"):
        archive.write_out("unused")
    with pytest.raises(ValueError, match="has not yet been built"):
        archive.track(cornu.layers.Dense(2))
    with pytest.raises(ValueError, match="Invalid resource type"):
        archive.track("model")
    with pytest.raises(ValueError, match="you must provide an `input_signature`"):
        archive.add_endpoint("serve", _model().call)
    with pytest.raises(ValueError, match="only supported with the jax backend"):
        archive.add_endpoint("serve", _model().call,
                             [cornu.InputSpec(shape=(None, 3), dtype="float32")],
                             is_static=True)
    with pytest.raises(ValueError, match="Expected `variables` to be a list/tuple/set"):
        archive.add_variable_collection("v", _model().weights[0])
    with pytest.raises(ValueError, match="Expected all elements in `variables`"):
        archive.add_variable_collection("v", [1.0])
    with pytest.raises(ValueError, match="Unsupported format: tflite"):
        ExportArchive(format="tflite")
