"""`model.export` formats other than ONNX: errors for the TensorFlow / OpenVINO ones and
`format="torch"` (a PyTorch ExportedProgram), compared with Keras's."""

import numpy as np
import pytest
import torch

import cornu

RNG = np.random.default_rng(1)


def _model():
    return cornu.Sequential([cornu.Input((5,)), cornu.layers.Dense(4, activation="relu"),
                             cornu.layers.Dropout(0.5), cornu.layers.Dense(2)])


def test_unknown_format_matches_keras_error(tmp_path):
    import keras

    k_model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError) as k_error:
        k_model.export(str(tmp_path / "m"), format="tflite")
    with pytest.raises(ValueError) as error:
        _model().export(tmp_path / "m", format="tflite")
    assert str(error.value) == str(k_error.value)
    assert "'onnx'" in str(error.value) and "'tf_saved_model'" in str(error.value)


def test_tf_saved_model_is_the_default_and_explains(tmp_path):
    model = _model()
    for kwargs in ({}, {"format": "tf_saved_model"}):
        with pytest.raises(NotImplementedError, match="TensorFlow") as error:
            model.export(tmp_path / "saved", **kwargs)
        assert "format='onnx'" in str(error.value)
    assert not (tmp_path / "saved").exists()


@pytest.mark.parametrize("fmt, needs", [("openvino", "openvino"), ("litert", "TensorFlow")])
def test_openvino_and_litert_explain(tmp_path, fmt, needs):
    with pytest.raises(NotImplementedError, match=needs) as error:
        _model().export(tmp_path / "m.xml", format=fmt)
    assert "format='onnx'" in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_torch_exported_program(tmp_path):
    model = _model()
    model.train()
    path = tmp_path / "m.pt2"
    model.export(path, format="torch", verbose=False)
    assert all(m.training for m in model.modules())
    program = torch.export.load(str(path))
    for batch in (1, 7):
        x = RNG.standard_normal((batch, 5)).astype("float32")
        y = program.module()(torch.from_numpy(x))
        np.testing.assert_allclose(y.detach().numpy(), model.predict(x, verbose=0),
                                   atol=1e-6, rtol=1e-6)


def test_torch_exported_program_structured_io(tmp_path):
    a = cornu.Input((4,), name="a")
    b = cornu.Input((3,), name="b")
    h = cornu.layers.Concatenate()([a, b])
    model = cornu.Model({"a": a, "b": b}, {"y": cornu.layers.Dense(2)(h),
                                           "z": cornu.layers.Dense(1)(h)})
    path = tmp_path / "m.pt2"
    model.export(path, format="torch", verbose=False)
    feed = {"a": RNG.standard_normal((6, 4)).astype("float32"),
            "b": RNG.standard_normal((6, 3)).astype("float32")}
    got = torch.export.load(str(path)).module()({k: torch.from_numpy(v) for k, v in feed.items()})
    expected = model.predict(feed, verbose=0)
    assert set(got) == {"y", "z"}
    for key in ("y", "z"):
        np.testing.assert_allclose(got[key].detach().numpy(), expected[key], atol=1e-6, rtol=1e-6)


def test_torch_matches_keras_torch_export(tmp_path):
    import keras

    k_model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4, activation="relu"),
                                keras.layers.Dropout(0.5), keras.layers.Dense(2)])
    model = _model()
    model.set_weights(k_model.get_weights())
    k_model.export(str(tmp_path / "k.pt2"), format="torch", verbose=False)
    model.export(tmp_path / "c.pt2", format="torch", verbose=False)
    x = torch.from_numpy(RNG.standard_normal((1, 5)).astype("float32"))
    # Keras traces the batch at 1 and keeps it static; cornu's batch is dynamic.
    k_y = torch.export.load(str(tmp_path / "k.pt2")).module()(x)
    y = torch.export.load(str(tmp_path / "c.pt2")).module()(x)
    np.testing.assert_allclose(y.detach().numpy(), k_y.detach().numpy(), atol=1e-6, rtol=1e-6)


def test_torch_errors(tmp_path, capsys):
    model = _model()
    with pytest.raises(ValueError, match="filepath to end with '.pt2'"):
        model.export(tmp_path / "m.onnx", format="torch")
    with pytest.raises(ValueError, match="Unsupported arguments for `format=\"torch\"`: bogus"):
        model.export(tmp_path / "m.pt2", format="torch", bogus=1)
    model.export(tmp_path / "m.pt2", format="torch")
    assert f"Saved PyTorch ExportedProgram at '{tmp_path / 'm.pt2'}'." in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pt2"]


def test_torch_dynamic_shapes_argument(tmp_path):
    model = _model()
    path = tmp_path / "m.pt2"
    model.export(path, format="torch", verbose=False,
                 dynamic_shapes={0: torch.export.Dim("batch", min=2, max=16)})
    program = torch.export.load(str(path))
    x = RNG.standard_normal((9, 5)).astype("float32")
    y = program.module()(torch.from_numpy(x))
    np.testing.assert_allclose(y.detach().numpy(), model.predict(x, verbose=0), atol=1e-6,
                               rtol=1e-6)
    with pytest.raises(Exception, match="(?i)batch|range|<= 16"):
        program.module()(torch.zeros(17, 5))
