"""Operations on symbolic tensors (`x + 3.0`, `keras.ops.*`) in a Functional model, as in Keras."""

import numpy as np
import pytest

import cornu as keras
from cornu import layers


def _build(lib):
    inputs = lib.Input((6,), name="features")
    x = lib.layers.Dense(8, name="hidden")(inputs)
    x = lib.layers.ReLU(6.0, name="relu6")(x + 3.0) * (1.0 / 6.0)  # MobileNetV3's hard sigmoid
    x = lib.ops.concatenate([x, lib.ops.tanh(x)], axis=-1)
    return lib.Model(inputs, lib.layers.Dense(2, name="head")(x))


def test_layers_leave_operations_out_as_keras_does():
    keras_ref = pytest.importorskip("keras")
    theirs, ours = _build(keras_ref), _build(keras)
    assert [l.name for l in ours.layers] == [l.name for l in theirs.layers]
    assert ours.count_params() == theirs.count_params()
    assert len(ours.operations) > len(ours.layers)
    ours.set_weights(theirs.get_weights())
    x = np.random.default_rng(0).standard_normal((4, 6)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    assert ours.get_layer(index=len(ours.layers) - 1).name == "head"


def test_operations_are_summarized_and_saved(tmp_path):
    model = _build(keras)
    lines = []
    model.summary(print_fn=lines.append)
    table = "\n".join(lines)
    assert all(layer.name in table for layer in model.operations)
    x = np.random.default_rng(1).standard_normal((3, 6)).astype("float32")
    model.save(tmp_path / "ops.keras")
    restored = keras.models.load_model(tmp_path / "ops.keras")
    assert [l.name for l in restored.layers] == [l.name for l in model.layers]
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


def test_operations_move_between_keras_and_cornu_files(tmp_path):
    keras_ref = pytest.importorskip("keras")

    def build(lib):
        inputs = lib.Input((6,), name="features")
        x = lib.layers.Dense(8, name="hidden")(inputs)
        x = lib.layers.ReLU(6.0, name="relu6")(x + 3.0) * (1.0 / 6.0)
        x = lib.ops.concatenate([x, lib.ops.mean(x, axis=-1, keepdims=True)], axis=-1)
        x = lib.ops.relu(x[:, 1:])
        return lib.Model(inputs, lib.layers.Dense(2, name="head")(x))

    ours, theirs = build(keras), build(keras_ref)
    ours.set_weights(theirs.get_weights())
    x = np.random.default_rng(2).standard_normal((4, 6)).astype("float32")
    ours.save(tmp_path / "cornu.keras")
    theirs.save(tmp_path / "keras.keras")
    in_keras = keras_ref.models.load_model(tmp_path / "cornu.keras")
    in_cornu = keras.models.load_model(tmp_path / "keras.keras")
    expected = theirs.predict(x, verbose=0)
    np.testing.assert_allclose(keras_ref.ops.convert_to_numpy(in_keras(x)), expected, rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(in_cornu.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    assert [l.name for l in in_cornu.layers] == [l.name for l in theirs.layers]


def test_operations_are_named_and_summarized_as_keras_names_them():
    keras_ref = pytest.importorskip("keras")

    def build(lib):
        lib.backend.clear_session()
        inputs = lib.Input((4,))
        x = lib.layers.Dense(4)(inputs)
        x = lib.ops.reshape((x + inputs)[:, :2], (-1, 2, 1))
        x = lib.ops.einsum("bij,bij->bi", x, x) * 2.0
        model = lib.Model(inputs, lib.layers.Reshape((2, 1))(x))
        lines = []
        model.summary(print_fn=lines.append, line_length=120)
        rows = [line.split("│")[1].strip() for line in "\n".join(lines).splitlines()
                if line.startswith("│") and "(" in line.split("│")[1]]
        return [op.name for op in model.operations], rows

    assert build(keras) == build(keras_ref)
