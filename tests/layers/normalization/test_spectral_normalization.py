"""SpectralNormalization against Keras 3 (torch backend) with the same weights."""

import numpy as np
import pytest
import torch

import cornu as keras
from cornu import layers
from layer_test_utils import run_layer_test

RNG = np.random.default_rng(3)


def _keras():
    return pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


@pytest.mark.parametrize("make,shape,iterations", [
    (lambda L: L.Dense(5), (3, 4), 1),
    (lambda L: L.Conv2D(3, 2), (2, 5, 5, 2), 3),
    (lambda L: L.Embedding(6, 3), (2, 4), 2),
])
def test_matches_keras_in_training_and_inference(make, shape, iterations):
    k = _keras()
    theirs = k.layers.SpectralNormalization(make(k.layers), power_iterations=iterations)
    ours = layers.SpectralNormalization(make(layers), power_iterations=iterations)
    if isinstance(make(layers), layers.Embedding):
        x = RNG.integers(0, 6, shape).astype("int32")
    else:
        x = RNG.standard_normal(shape).astype("float32")
    theirs(x)
    ours(x)
    assert ([tuple(w.shape) for w in ours.weights]
            == [tuple(w.shape) for w in theirs.weights])
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert [w.trainable for w in ours.weights] == [w.trainable for w in theirs.weights]
    ours.set_weights(theirs.get_weights())
    for training in (False, True, True, False):
        expected = k.ops.convert_to_numpy(theirs(x, training=training))
        if x.dtype.kind == "i":
            # Keras casts the output to the inputs' dtype, so Embedding's vectors come out as
            # int32 zeros; cornu keeps the wrapped layer's float output.
            expected = k.ops.convert_to_numpy(theirs.layer(x))
        np.testing.assert_allclose(_np(ours(x, training=training)).astype("float32"),
                                   expected.astype("float32"), rtol=1e-5, atol=1e-5)
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_updates_only_while_training():
    layer = layers.SpectralNormalization(layers.Dense(4))
    x = RNG.standard_normal((3, 6)).astype("float32")
    layer(x)
    before = layer.get_weights()
    layer(x, training=False)
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    for _ in range(20):
        layer(x, training=True)
    after = layer.get_weights()
    assert not np.allclose(before[1], after[1])
    # After enough power iterations the kernel's largest singular value is 1.
    assert np.linalg.svd(after[0], compute_uv=False)[0] == pytest.approx(1.0, rel=1e-3)
    assert layer.vector_u.requires_grad is False


def test_zero_kernel_is_left_alone():
    layer = layers.SpectralNormalization(layers.Dense(2, kernel_initializer="zeros"))
    out = layer(np.ones((1, 3), "float32"), training=True)
    assert torch.isfinite(out).all()
    np.testing.assert_array_equal(layer.get_weights()[0], np.zeros((3, 2)))


def test_run_layer_test_and_config():
    run_layer_test(layers.SpectralNormalization,
                   dict(layer=layers.Dense(3), power_iterations=2), input_shape=(2, 4),
                   expected_output_shape=(2, 3), expected_num_trainable_weights=2,
                   expected_num_non_trainable_weights=1)
    k = _keras()
    config = k.layers.SpectralNormalization(k.layers.Dense(3), power_iterations=2).get_config()
    revived = layers.SpectralNormalization.from_config(config)
    assert revived.power_iterations == 2 and isinstance(revived.layer, layers.Dense)
    assert revived.get_config()["layer"]["config"]["units"] == 3


def test_errors():
    with pytest.raises(ValueError, match="power_iterations.*Received: power_iterations=0"):
        layers.SpectralNormalization(layers.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="expects a Layer"):
        layers.SpectralNormalization("dense")
    with pytest.raises(ValueError, match="`kernel` or an `embeddings`"):
        layers.SpectralNormalization(layers.Dropout(0.1))(np.ones((2, 3), "float32"))
    layer = layers.SpectralNormalization(layers.Dense(2))
    layer(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError):
        layer(np.ones((2, 4), "float32"))


def test_keras_file_round_trip(tmp_path):
    k = _keras()
    inputs = k.Input((4,))
    x = k.layers.SpectralNormalization(k.layers.Dense(6), power_iterations=2)(inputs)
    outputs = k.layers.Dense(2)(x)
    theirs = k.Model(inputs, outputs)
    data = RNG.standard_normal((5, 4)).astype("float32")
    theirs(data, training=True)  # move vector_u away from its initial value
    theirs.save(tmp_path / "sn.keras")
    ours = keras.models.load_model(tmp_path / "sn.keras")
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(ours.predict(data, verbose=0), theirs.predict(data, verbose=0),
                               rtol=1e-5, atol=1e-6)
    ours(data, training=True)
    theirs(data, training=True)
    ours.save(tmp_path / "cornu.keras")
    again = k.models.load_model(tmp_path / "cornu.keras")
    np.testing.assert_allclose(again.predict(data, verbose=0), theirs.predict(data, verbose=0),
                               rtol=1e-5, atol=1e-5)
