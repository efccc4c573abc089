"""`model.export(..., format="onnx")`: the file is run in onnxruntime and compared with
`model.predict` (and, for one model, with Keras's own ONNX export of the same weights)."""

import os

import numpy as np
import onnx
import onnxruntime
import pytest
import torch

import cornu
from cornu.export import onnx as onnx_export

RNG = np.random.default_rng(0)


def _session(path):
    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _run(path, feed):
    session = _session(path)
    return session, session.run(None, feed)


def _as_list(y):
    if isinstance(y, dict):
        return [np.asarray(v) for v in y.values()]
    if isinstance(y, (list, tuple)):
        return [np.asarray(v) for v in y]
    return [np.asarray(y)]


def _rand(*shape):
    return RNG.standard_normal(shape).astype("float32")


def _dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def test_mlp_sequential_dynamic_batch(tmp_path):
    model = cornu.Sequential([cornu.Input((8,)), cornu.layers.Dense(16, activation="relu"),
                              cornu.layers.Dropout(0.5), cornu.layers.Dense(3)])
    path = tmp_path / "mlp.onnx"
    model.export(path, format="onnx", verbose=False)
    session = _session(path)
    assert [i.name for i in session.get_inputs()] == model.input_names
    assert session.get_inputs()[0].shape == ["batch", 8]
    assert [o.name for o in session.get_outputs()] == model.output_names
    for batch in (1, 5, 13):
        x = _rand(batch, 8)
        (y,) = session.run(None, {model.input_names[0]: x})
        np.testing.assert_allclose(y, model.predict(x, verbose=0), atol=1e-5, rtol=1e-5)


def test_cnn_batchnorm_dropout_inference_mode(tmp_path):
    model = cornu.Sequential([
        cornu.Input((12, 12, 3)),
        cornu.layers.Conv2D(6, 3, padding="same", activation="relu"),
        cornu.layers.BatchNormalization(),
        cornu.layers.MaxPooling2D(),
        cornu.layers.Dropout(0.4),
        cornu.layers.Conv2D(4, 3),
        cornu.layers.AveragePooling2D(2),
        cornu.layers.Flatten(),
        cornu.layers.Dense(2),
    ])
    model.compile("adam", "mse")
    model.fit(_rand(16, 12, 12, 3) * 3 + 1, _rand(16, 2), epochs=1, verbose=0)
    bn = model.layers[1]
    assert not np.allclose(bn.moving_mean.numpy(), 0)  # the moving statistics are in use
    model.train()  # torch's training flag on: the export must not depend on or change it
    flags = {name: m.training for name, m in model.named_modules()}
    weights = [w.copy() for w in model.get_weights()]
    device = next(model.parameters()).device

    path = tmp_path / "cnn.onnx"
    model.export(path, format="onnx", verbose=False)

    assert {name: m.training for name, m in model.named_modules()} == flags
    assert next(model.parameters()).device == device
    for before, after in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(before, after)
    session = _session(path)
    assert session.get_inputs()[0].shape == ["batch", 12, 12, 3]
    for batch in (1, 9):
        x = _rand(batch, 12, 12, 3)
        (y,) = session.run(None, {session.get_inputs()[0].name: x})
        np.testing.assert_allclose(y, model.predict(x, verbose=0), atol=1e-5, rtol=1e-5)


def test_lstm_dynamic_batch_and_time(tmp_path):
    model = cornu.Sequential([cornu.Input((None, 4)),
                              cornu.layers.LSTM(6, return_sequences=True),
                              cornu.layers.GRU(5), cornu.layers.Dense(2)])
    path = tmp_path / "lstm.onnx"
    model.export(path, format="onnx", verbose=False)
    session = _session(path)
    assert session.get_inputs()[0].shape == ["batch", "dim_0_1", 4]
    for batch, steps in ((1, 3), (6, 11)):
        x = _rand(batch, steps, 4)
        (y,) = session.run(None, {session.get_inputs()[0].name: x})
        np.testing.assert_allclose(y, model.predict(x, verbose=0), atol=1e-5, rtol=1e-5)


def _two_input_model():
    a = cornu.Input((4,), name="a")
    b = cornu.Input((3,), name="b")
    h = cornu.layers.Concatenate()([cornu.layers.Dense(5, activation="tanh")(a), b])
    o1 = cornu.layers.Dense(2, name="o1")(h)
    o2 = cornu.layers.Dense(1, activation="sigmoid", name="o2")(h)
    return cornu.Model([a, b], [o1, o2])


def test_multi_input_multi_output_functional(tmp_path):
    model = _two_input_model()
    path = tmp_path / "multi.onnx"
    model.export(path, format="onnx", verbose=False)
    session = _session(path)
    assert [i.name for i in session.get_inputs()] == ["a", "b"]
    assert [o.name for o in session.get_outputs()] == ["o1", "o2"]
    assert [o.shape for o in session.get_outputs()] == [["batch", 2], ["batch", 1]]
    a, b = _rand(7, 4), _rand(7, 3)
    got = session.run(None, {"a": a, "b": b})
    for g, e in zip(got, _as_list(model.predict([a, b], verbose=0))):
        np.testing.assert_allclose(g, e, atol=1e-5, rtol=1e-5)


def test_dict_inputs_and_outputs(tmp_path):
    a = cornu.Input((4,), name="a")
    b = cornu.Input((3,), name="b")
    h = cornu.layers.Concatenate()([a, b])
    model = cornu.Model({"a": a, "b": b}, {"y": cornu.layers.Dense(2)(h),
                                           "z": cornu.layers.Dense(3)(h)})
    path = tmp_path / "dict.onnx"
    model.export(path, format="onnx", verbose=False)
    feed = {"a": _rand(4, 4), "b": _rand(4, 3)}
    session, got = _run(path, feed)
    assert [o.name for o in session.get_outputs()] == ["y", "z"]
    expected = model.predict(feed, verbose=0)
    for g, key in zip(got, ["y", "z"]):
        np.testing.assert_allclose(g, expected[key], atol=1e-5, rtol=1e-5)


class _Subclassed(cornu.Model):
    def __init__(self):
        super().__init__()
        self.d1 = cornu.layers.Dense(8, activation="relu")
        self.bn = cornu.layers.BatchNormalization()
        self.drop = cornu.layers.Dropout(0.5)
        self.d2 = cornu.layers.Dense(2)

    def call(self, x, training=None):
        x = self.bn(self.d1(x), training=training)
        return self.d2(self.drop(x, training=training))


def test_subclassed_model(tmp_path):
    model = _Subclassed()
    model.compile("sgd", "mse")
    model.fit(_rand(8, 6), _rand(8, 2), epochs=1, verbose=0)
    path = tmp_path / "sub.onnx"
    model.export(path, format="onnx", verbose=False)
    session = _session(path)
    assert session.get_inputs()[0].shape == ["batch", 6]
    x = _rand(5, 6)
    (y,) = session.run(None, {session.get_inputs()[0].name: x})
    np.testing.assert_allclose(y, model.predict(x, verbose=0), atol=1e-5, rtol=1e-5)


def test_subclassed_built_with_build(tmp_path):
    model = _Subclassed()
    model.build((None, 6))
    path = tmp_path / "built.onnx"
    model.export(path, format="onnx", verbose=False)
    x = _rand(3, 6)
    _, (y,) = _run(path, {"input_0": x})
    np.testing.assert_allclose(y, model.predict(x, verbose=0), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("signature", ["nested_specs", "flat_specs", "keras_tensors", "tensors"])
def test_input_signature_forms(tmp_path, signature):
    model = _two_input_model()
    spec_a = cornu.InputSpec(shape=(None, 4), dtype="float32", name="first")
    spec_b = cornu.InputSpec(shape=(None, 3), dtype="float32", name="second")
    names = ["first", "second"]
    if signature == "nested_specs":
        input_signature = [[spec_a, spec_b]]
    elif signature == "flat_specs":
        input_signature = [spec_a, spec_b]
    elif signature == "keras_tensors":
        input_signature = [model.inputs]
        names = ["a", "b"]
    else:
        input_signature = [[torch.zeros(1, 4), torch.zeros(1, 3)]]
        names = ["input_0", "input_1"]
    path = tmp_path / "sig.onnx"
    model.export(path, format="onnx", verbose=False, input_signature=input_signature)
    a, b = _rand(6, 4), _rand(6, 3)
    session, got = _run(path, dict(zip(names, [a, b])))
    assert [i.shape[0] for i in session.get_inputs()] == ["batch", "batch"]
    for g, e in zip(got, _as_list(model.predict([a, b], verbose=0))):
        np.testing.assert_allclose(g, e, atol=1e-5, rtol=1e-5)


def test_fixed_sizes_in_signature_are_static(tmp_path):
    model = cornu.Sequential([cornu.Input((None, 4)), cornu.layers.SimpleRNN(3)])
    path = tmp_path / "static.onnx"
    model.export(path, format="onnx", verbose=False,
                 input_signature=[cornu.InputSpec(shape=(2, 5, 4), dtype="float32")])
    proto = onnx.load(str(path))
    assert _dims(proto.graph.input[0]) == [2, 5, 4]
    x = _rand(2, 5, 4)
    _, (y,) = _run(path, {proto.graph.input[0].name: x})
    np.testing.assert_allclose(y, model.predict(x, verbose=0), atol=1e-5, rtol=1e-5)
    with pytest.raises(Exception, match="(?i)dimension|shape"):
        _session(path).run(None, {proto.graph.input[0].name: _rand(3, 5, 4)})


def test_integer_inputs_embedding(tmp_path):
    tokens = cornu.Input((None,), dtype="int32", name="tokens")
    x = cornu.layers.Embedding(50, 8)(tokens)
    model = cornu.Model(tokens, cornu.layers.Dense(2)(cornu.layers.GlobalAveragePooling1D()(x)))
    path = tmp_path / "emb.onnx"
    model.export(path, format="onnx", verbose=False)
    ids = RNG.integers(0, 50, size=(4, 9)).astype("int32")
    _, (y,) = _run(path, {"tokens": ids})
    np.testing.assert_allclose(y, model.predict(ids, verbose=0), atol=1e-5, rtol=1e-5)


def test_verbose_message(tmp_path, capsys):
    model = _two_input_model()
    path = tmp_path / "v.onnx"
    model.export(path, format="onnx")
    out = capsys.readouterr().out
    assert f"Saved artifact at '{path}'" in out
    assert "a: (None, 4) float32" in out and "b: (None, 3) float32" in out
    assert "['o1', 'o2']" in out
    model.export(path, format="onnx", verbose=False)
    assert capsys.readouterr().out == ""


def test_matches_keras_onnx_export(tmp_path):
    import keras

    assert keras.backend.backend() == "torch"
    k_model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(8, activation="relu"),
                                keras.layers.BatchNormalization(), keras.layers.Dropout(0.3),
                                keras.layers.Dense(3, activation="softmax")])
    k_model.compile("adam", "mse")
    k_model.fit(_rand(32, 10), _rand(32, 3), epochs=1, verbose=0)
    model = cornu.Sequential([cornu.Input((10,)), cornu.layers.Dense(8, activation="relu"),
                              cornu.layers.BatchNormalization(), cornu.layers.Dropout(0.3),
                              cornu.layers.Dense(3, activation="softmax")])
    model.set_weights(k_model.get_weights())
    x = _rand(6, 10)
    k_model.predict(x, verbose=0)  # Keras exports only models it has called
    k_model.export(str(tmp_path / "keras.onnx"), format="onnx", verbose=False)
    model.export(tmp_path / "cornu.onnx", format="onnx", verbose=False)
    k_session = _session(tmp_path / "keras.onnx")
    session = _session(tmp_path / "cornu.onnx")
    # Keras's torch export traces the batch at 1 and names it "batch" too.
    assert k_session.get_inputs()[0].shape == session.get_inputs()[0].shape == ["batch", 10]
    (k_y,) = k_session.run(None, {k_session.get_inputs()[0].name: x})
    (y,) = session.run(None, {session.get_inputs()[0].name: x})
    np.testing.assert_allclose(y, k_y, atol=1e-5, rtol=1e-5)


# ---------------------------------------------------------------------- robustness

def test_dynamic_spatial_dims_that_cannot_export_raise_and_write_nothing(tmp_path):
    # Strided "same" convolution: its padding depends on the input size, which neither
    # exporter keeps symbolic. The error says so instead of writing a wrong graph.
    model = cornu.Sequential([cornu.Input((None, None, 3)),
                              cornu.layers.Conv2D(4, 3, strides=2, padding="same")])
    path = tmp_path / "dyn.onnx"
    with pytest.raises(RuntimeError, match="could not be exported to ONNX.*input_signature"):
        model.export(path, format="onnx", verbose=False)
    assert os.listdir(tmp_path) == []
    # With the spatial sizes fixed it exports, the batch still dynamic.
    model.export(path, format="onnx", verbose=False,
                 input_signature=[cornu.InputSpec(shape=(None, 15, 10, 3), dtype="float32")])
    x = _rand(3, 15, 10, 3)
    _, (y,) = _run(path, {"input_0": x})
    np.testing.assert_allclose(y, model.predict(x, verbose=0), atol=1e-5, rtol=1e-5)


def test_graph_that_does_not_reproduce_the_model_is_rejected(tmp_path, monkeypatch):
    # torch's TorchScript exporter drops the end padding of "same" pooling on odd sizes
    # (a 9x9 output becomes 8x8); the check against the model catches it.
    model = cornu.Sequential([cornu.Input((17, 17, 2)), cornu.layers.MaxPooling2D(padding="same")])
    monkeypatch.setattr(onnx_export, "_exporters", lambda: [onnx_export.torchscript_exporter])
    path = tmp_path / "pool.onnx"
    with pytest.raises(RuntimeError, match="torchscript_exporter: output .* has shape"):
        model.export(path, format="onnx", verbose=False)
    assert not path.exists()
    monkeypatch.undo()
    model.export(path, format="onnx", verbose=False)
    x = _rand(2, 17, 17, 2)
    _, (y,) = _run(path, {model.input_names[0]: x})
    np.testing.assert_allclose(y, model.predict(x, verbose=0), atol=1e-5, rtol=1e-5)


def test_failed_export_keeps_previous_file(tmp_path, monkeypatch):
    model = cornu.Sequential([cornu.Input((3,)), cornu.layers.Dense(2)])
    path = tmp_path / "m.onnx"
    path.write_bytes(b"previous")

    def failing(*args, **kwargs):
        raise RuntimeError("exporter broke")

    failing.__name__ = "failing"
    monkeypatch.setattr(onnx_export, "_exporters", lambda: [failing])
    with pytest.raises(RuntimeError, match="exporter broke"):
        model.export(path, format="onnx", verbose=False)
    assert path.read_bytes() == b"previous"
    monkeypatch.undo()
    model.export(path, format="onnx", verbose=False)
    assert sorted(os.listdir(tmp_path)) == ["m.onnx"]  # no temporary file left behind
    x = _rand(4, 3)
    _, (y,) = _run(path, {model.input_names[0]: x})
    np.testing.assert_allclose(y, model.predict(x, verbose=0), atol=1e-5, rtol=1e-5)


def test_large_graph_weights_go_to_external_data(tmp_path, monkeypatch):
    monkeypatch.setattr(onnx_export, "_MAX_INLINE_BYTES", 0)
    model = cornu.Sequential([cornu.Input((6,)), cornu.layers.Dense(300), cornu.layers.Dense(2)])
    path = tmp_path / "big.onnx"
    model.export(path, format="onnx", verbose=False)
    assert sorted(os.listdir(tmp_path)) == ["big.onnx", "big.onnx.data"]
    x = _rand(5, 6)
    _, (y,) = _run(path, {model.input_names[0]: x})
    np.testing.assert_allclose(y, model.predict(x, verbose=0), atol=1e-5, rtol=1e-5)


# ---------------------------------------------------------------------- errors

def test_subclassed_model_never_called():
    with pytest.raises(ValueError, match="has never been called or built.*input_signature"):
        _Subclassed().export("never.onnx", format="onnx")
    with pytest.raises(ValueError, match="has never been called or built"):
        cornu.Sequential([cornu.layers.Dense(2)]).export("never.onnx", format="onnx")


def test_subclassed_model_never_called_with_signature(tmp_path):
    model = _Subclassed()
    path = tmp_path / "sig.onnx"
    model.export(path, format="onnx", verbose=False,
                 input_signature=[cornu.InputSpec(shape=(None, 6), dtype="float32")])
    x = _rand(3, 6)
    _, (y,) = _run(path, {"input_0": x})
    np.testing.assert_allclose(y, model.predict(x, verbose=0), atol=1e-5, rtol=1e-5)


def test_signature_errors(tmp_path):
    model = cornu.Sequential([cornu.Input((3,)), cornu.layers.Dense(2)])
    with pytest.raises(ValueError, match="`shape` and `dtype` must be provided"):
        model.export(tmp_path / "x.onnx", format="onnx",
                     input_signature=[cornu.InputSpec(shape=(None, 3))])
    with pytest.raises(TypeError, match="Supported types are"):
        model.export(tmp_path / "x.onnx", format="onnx", input_signature=["not a spec"])
    with pytest.raises(ValueError, match="could not be run on inputs of the signature"):
        model.export(tmp_path / "x.onnx", format="onnx",
                     input_signature=[cornu.InputSpec(shape=(None, 5), dtype="float32")])
    with pytest.raises(ValueError, match="Unsupported arguments for `format='onnx'`"):
        model.export(tmp_path / "x.onnx", format="onnx", dynamic_axes={})
    assert os.listdir(tmp_path) == []


def test_names_that_torch_also_gives_its_ops(tmp_path):
    # The exporter names internal values after torch ops ("conv2d", "lstm", "cat"): model
    # inputs and outputs with those names must still be the graph's inputs and outputs.
    x = cornu.Input((6, 6, 2), name="cat")
    y = cornu.layers.Conv2D(3, 3, name="conv2d")(x)
    seq = cornu.layers.Reshape((16, 3))(y)
    z = cornu.layers.LSTM(2, name="lstm")(seq)
    model = cornu.Model(x, [y, z, z])
    path = tmp_path / "names.onnx"
    model.export(path, format="onnx", verbose=False)
    data = _rand(3, 6, 6, 2)
    session, got = _run(path, {"cat": data})
    assert [o.name for o in session.get_outputs()] == ["conv2d", "lstm", "lstm_1"]
    for g, e in zip(got, _as_list(model.predict(data, verbose=0))):
        np.testing.assert_allclose(g, e, atol=1e-5, rtol=1e-5)


def test_missing_onnx_package_is_named(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_onnx(name, *args, **kwargs):
        if name == "onnx":
            raise ImportError("No module named 'onnx'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_onnx)
    model = cornu.Sequential([cornu.Input((3,)), cornu.layers.Dense(2)])
    with pytest.raises(ImportError, match="needs the `onnx` package.*cornu\\[export\\]"):
        model.export(tmp_path / "m.onnx", format="onnx")
    assert os.listdir(tmp_path) == []


def test_mixed_precision_graph_unchecked_on_cpu_runs_in_reference_evaluator(tmp_path):
    # onnxruntime's CPU build has no bfloat16 Gemm: the graph is written with a warning, and
    # onnx's reference evaluator runs it.
    from onnx.reference import ReferenceEvaluator

    cornu.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = cornu.Sequential([cornu.Input((8,)), cornu.layers.Dense(4),
                                  cornu.layers.Dense(2)])
    finally:
        cornu.mixed_precision.set_global_policy("float32")
    path = tmp_path / "mixed.onnx"
    with pytest.warns(UserWarning, match="could not be checked against the model"):
        model.export(path, format="onnx", verbose=False)
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto)
    x = _rand(3, 8)
    (y,) = ReferenceEvaluator(proto).run(None, {proto.graph.input[0].name: x})
    expected = model(torch.from_numpy(x)).float().detach().numpy()
    np.testing.assert_allclose(np.asarray(y, dtype="float32"), expected, atol=1e-2, rtol=1e-2)


def test_masked_rnn_that_cannot_be_traced_is_rejected(tmp_path):
    # The masked LSTM branches on the mask's values: the TorchScript trace freezes the branch
    # and the torch.export one stops at it; neither graph is written.
    model = cornu.Sequential([cornu.Input((None,), dtype="int32"),
                              cornu.layers.Embedding(20, 4, mask_zero=True),
                              cornu.layers.LSTM(3)])
    path = tmp_path / "mask.onnx"
    with pytest.raises(RuntimeError, match="could not be exported to ONNX"):
        model.export(path, format="onnx", verbose=False)
    assert os.listdir(tmp_path) == []


def test_dict_signature_and_subclassed_dict_inputs(tmp_path):
    class DictModel(cornu.Model):
        def __init__(self):
            super().__init__()
            self.dense = cornu.layers.Dense(2)

        def call(self, inputs):
            return self.dense(cornu.ops.concatenate([inputs["left"], inputs["right"]], axis=-1))

    model = DictModel()
    feed = {"left": _rand(2, 3), "right": _rand(2, 1)}
    model(feed)  # recorded shapes: a dict, its keys name the ONNX inputs
    path = tmp_path / "sub_dict.onnx"
    model.export(path, format="onnx", verbose=False)
    feed = {"left": _rand(5, 3), "right": _rand(5, 1)}
    session, (y,) = _run(path, feed)
    assert [i.name for i in session.get_inputs()] == ["left", "right"]
    np.testing.assert_allclose(y, model.predict(feed, verbose=0), atol=1e-5, rtol=1e-5)
    # The same structure given as a signature of unnamed InputSpecs.
    model.export(path, format="onnx", verbose=False, input_signature=[{
        "left": cornu.InputSpec(shape=(None, 3), dtype="float32"),
        "right": cornu.InputSpec(shape=(None, 1), dtype="float32")}])
    _, (y2,) = _run(path, feed)
    np.testing.assert_allclose(y2, y, atol=1e-6)


def test_sequential_without_input_built_by_a_call(tmp_path):
    model = cornu.Sequential([cornu.layers.Dense(3, activation="relu"), cornu.layers.Dense(1)])
    model.predict(_rand(2, 4), verbose=0)
    path = tmp_path / "seq.onnx"
    model.export(path, format="onnx", verbose=False)
    x = _rand(6, 4)
    session, (y,) = _run(path, {model.inputs[0].name: x})
    assert session.get_inputs()[0].shape == ["batch", 4]
    np.testing.assert_allclose(y, model.predict(x, verbose=0), atol=1e-5, rtol=1e-5)


def test_opset_version(tmp_path, capsys):
    model = cornu.Sequential([cornu.Input((3,)), cornu.layers.Dense(2, activation="tanh")])
    path = tmp_path / "opset.onnx"
    model.export(path, format="onnx", opset_version=18)
    assert "ONNX graph (opset 18)" in capsys.readouterr().out
    proto = onnx.load(str(path))
    assert {o.version for o in proto.opset_import if o.domain in ("", "ai.onnx")} == {18}
    x = _rand(4, 3)
    _, (y,) = _run(path, {proto.graph.input[0].name: x})
    np.testing.assert_allclose(y, model.predict(x, verbose=0), atol=1e-5, rtol=1e-5)
