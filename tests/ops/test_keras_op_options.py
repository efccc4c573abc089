"""Ops on symbolic tensors record their calls as Keras does, so graphs move both ways."""

import importlib
import inspect
import json
import zipfile

import numpy as np
import pytest

import cornu
from cornu.layers.core.op_layer import keras_op_class, keras_op_module, resolve_op
from cornu.ops.keras_op_options import KERAS_OP_OPTIONS
from cornu.ops.symbolic_dispatch import symbolic_op_names

keras = pytest.importorskip("keras")


def _keras_class(op_name):
    module = importlib.import_module(keras_op_module(op_name))
    return getattr(module, keras_op_class(op_name), None)


def _params(fn, method=False):
    names = [p for p in inspect.signature(fn).parameters if p not in ("args", "kwargs")]
    return names[1:] if method else names


def test_table_matches_keras_constructors():
    expected = {}
    for op_name in symbolic_op_names():
        cls = _keras_class(op_name)
        if cls is not None:
            options = tuple(p for p in _params(cls.__init__, method=True) if p != "name")
            if options:
                expected[op_name] = options
    assert KERAS_OP_OPTIONS == expected


@pytest.mark.parametrize("op_name", sorted(KERAS_OP_OPTIONS))
def test_cornu_signature_takes_the_keras_arguments(op_name):
    fn = resolve_op(op_name).__wrapped__  # what a graph node calls
    signature = inspect.signature(fn)
    takes_any = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
    params = list(signature.parameters)
    for option in KERAS_OP_OPTIONS[op_name]:
        assert option in params or takes_any, f"{op_name} lacks Keras's option '{option}'"
    # The operands Keras's `call` takes come first, in Keras's order, under Keras's names.
    operands = [p for p in params if p not in KERAS_OP_OPTIONS[op_name]]
    keras_operands = _params(_keras_class(op_name).call, method=True)
    assert operands[:len(keras_operands)] == keras_operands


# Each graph is written once and built with either library's `ops`.
GRAPHS = {
    "reshape_transpose": lambda ops, x: ops.transpose(ops.reshape(x, (-1, 2, 3)), (0, 2, 1)),
    "cast": lambda ops, x: ops.cast(x, "float16"),
    "numpy_constant": lambda ops, x: x + np.arange(6, dtype="float32"),
    "number_operands": lambda ops, x: 1.5 - ops.multiply(x, 2.0),
    "reductions": lambda ops, x: ops.concatenate([ops.mean(x, 1, True), ops.max(x, -1, True),
                                                  ops.sum(x, axis=1, keepdims=True)], 1),
    "clip_positional": lambda ops, x: ops.clip(x, -0.5, 0.5),
    "activations": lambda ops, x: ops.softmax(x, -1) + ops.leaky_relu(x, 0.3) + ops.elu(x, 0.5),
    "take_axis": lambda ops, x: ops.take(x, np.array([0, 2, 5]), 1),
    "average_weights_by_keyword": lambda ops, x: ops.average(
        x, weights=np.arange(1.0, 7.0, dtype="float32"), axis=1),
    "expand_squeeze_stack": lambda ops, x: ops.squeeze(ops.stack([ops.expand_dims(x, 1)] * 2, 1), 2),
    "normalize": lambda ops, x: ops.normalize(x, -1, 1),
    "one_hot": lambda ops, x: ops.one_hot(ops.cast(ops.greater(x, 0.0), "int32"), 2,
                                          dtype="float32"),
    "comparisons_and_logic": lambda ops, x: ops.cast(
        ((x > 0) & (x <= 0.5)) | ~(x != 1.0) ^ (x < -1) | (0.25 >= x), "float32"),
    "floordiv_mod_rpow": lambda ops, x: x // 0.5 + x % 0.3 + 2.0 ** x + round(x),
    "tensor_methods": lambda ops, x: x.reshape((-1, 1, 6)).squeeze(1),
    "einsum": lambda ops, x: ops.einsum("bi,bj->bij", x, ops.sin(x)),
    "pad_repeat": lambda ops, x: ops.repeat(ops.pad(x, [[0, 0], [1, 2]]), 2, 1),
}


def _build(lib, graph):
    inputs = lib.Input((4,))
    hidden = lib.layers.Dense(6)(inputs)
    return lib.Model(inputs, graph(lib.ops, hidden))


def _op_layers(path):
    with zipfile.ZipFile(path) as archive:
        layers = json.loads(archive.read("config.json"))["config"]["layers"]
    ops = [layer for layer in layers if layer["module"].startswith("keras.src.ops")]
    for layer in ops:  # op names differ between the libraries: compare the rest
        layer.pop("name")
        layer["config"].pop("name")
        for node in layer["inbound_nodes"]:
            # Keras passes some operands by keyword (`Pad.call(x, constant_values=None)`),
            # cornu by position and leaves out trailing defaults: both calls are the same.
            node["args"] += [v for v in node.pop("kwargs").values() if v is not None]
            _drop_history(node["args"])
    return ops


def _drop_history(args):
    for arg in args:
        if isinstance(arg, list):
            _drop_history(arg)
        elif isinstance(arg, dict) and arg.get("class_name") == "__keras_tensor__":
            arg["config"].pop("keras_history")


@pytest.mark.parametrize("graph", sorted(GRAPHS))
def test_graph_moves_both_ways(graph, tmp_path):
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    model = _build(cornu, GRAPHS[graph])
    model.save(tmp_path / "cornu.keras")
    in_keras = keras.models.load_model(tmp_path / "cornu.keras")
    np.testing.assert_allclose(np.asarray(in_keras.predict(x, verbose=0), "float32"),
                               np.asarray(model.predict(x, verbose=0), "float32"),
                               rtol=1e-5, atol=1e-6)

    keras_model = _build(keras, GRAPHS[graph])
    keras_model.save(tmp_path / "keras.keras")
    in_cornu = cornu.models.load_model(tmp_path / "keras.keras")
    np.testing.assert_allclose(np.asarray(in_cornu.predict(x, verbose=0), "float32"),
                               np.asarray(keras_model.predict(x, verbose=0), "float32"),
                               rtol=1e-5, atol=1e-6)
    # The same graph is written the same way by both.
    assert _op_layers(tmp_path / "cornu.keras") == _op_layers(tmp_path / "keras.keras")


# The signatures above now follow Keras's; their results must too.
@pytest.mark.parametrize("call", [
    lambda ops, x: ops.normalize(x, axis=-1),
    lambda ops, x: ops.normalize(x * 1e-9, axis=0, order=1, epsilon=1e-6),
    lambda ops, x: ops.normalize(x * 1e-12),  # below the default epsilon
    lambda ops, x: ops.max(x, axis=1, initial=0.5),
    lambda ops, x: ops.min(x, initial=-0.25),
    lambda ops, x: ops.pinv(x[:3, :3], rcond=0.5),
    lambda ops, x: ops.slice(inputs=x, start_indices=(1, 0), shape=(2, 3)),
    lambda ops, x: ops.stop_gradient(variable=ops.convert_to_tensor(x)),
    lambda ops, x: ops.einsum("ij,kj->ik", x, x[:2]),
    lambda ops, x: ops.einsum("ij,j", x, x[0]),
])
def test_keras_signatures_give_keras_results(call):
    x = np.random.default_rng(1).normal(size=(4, 6)).astype("float32")
    np.testing.assert_allclose(np.asarray(call(cornu.ops, x)), np.asarray(call(keras.ops, x)),
                               rtol=1e-5, atol=1e-6)


def test_one_hot_sparse_is_refused():
    with pytest.raises(ValueError, match="sparse=True"):
        cornu.ops.one_hot(np.array([0, 1]), 2, sparse=True)


@pytest.mark.parametrize("call", [
    lambda ops, x: ops.argmax(x, 1), lambda ops, x: ops.argmin(x), lambda ops, x: ops.argsort(x),
    lambda ops, x: ops.count_nonzero(x > 0, axis=0),
])
def test_index_results_have_keras_dtype(call):
    x = np.random.default_rng(2).normal(size=(4, 6)).astype("float32")
    expected = keras.ops.convert_to_numpy(call(keras.ops, x))
    result = cornu.ops.convert_to_numpy(call(cornu.ops, x))
    assert result.dtype == expected.dtype
    np.testing.assert_array_equal(result, expected)
    symbolic = call(cornu.ops, cornu.Input((6,), batch_size=4))
    assert symbolic.dtype == str(expected.dtype)


def test_symbolic_tensor_refuses_python_conversions():
    x = cornu.Input((3,))
    with pytest.raises(NotImplementedError, match="Iterating"):
        iter(x)
    with pytest.raises(ValueError, match="int"):
        int(x)
    with pytest.raises(ValueError, match="float"):
        float(x)
