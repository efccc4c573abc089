import os

import numpy as np
import pytest
import torch

from cornu import layers
from layer_test_utils import run_layer_test

os.environ.setdefault("KERAS_BACKEND", "torch")


def _keras():
    return pytest.importorskip("keras")


def _parity(name, kwargs, x, training_steps=0, atol=1e-5, mask=None):
    """Same weights in Keras and cornu -> same outputs (and moving statistics) to `atol`."""
    keras = _keras()
    rng = np.random.default_rng(1)
    k = getattr(keras.layers, name)(**kwargs)
    c = getattr(layers, name)(**kwargs)
    k.build(x.shape)
    c.build(x.shape)
    assert [w.name for w in c.weights] == [w.name for w in k.weights]
    weights = [(rng.random(w.shape) + 0.5).astype("float32") for w in k.get_weights()]
    k.set_weights(weights)
    c.set_weights(weights)
    call_kw = {} if mask is None else {"mask": mask}
    k_mask = None if mask is None else {"mask": torch.as_tensor(mask)}
    for _ in range(training_steps):
        a = keras.ops.convert_to_numpy(k(x, training=True, **(k_mask or {})))
        b = c(x, training=True, **call_kw).detach().numpy()
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=atol)
    for kw, cw in zip(k.get_weights(), c.get_weights()):
        np.testing.assert_allclose(cw, kw, rtol=1e-6, atol=1e-6)
    a = keras.ops.convert_to_numpy(k(x, training=False))
    b = c(x, training=False).detach().numpy()
    np.testing.assert_allclose(b, a, rtol=1e-5, atol=atol)
    # Same config keys and values as Keras (name and dtype aside).
    ours = _jsonish(c.get_config())
    theirs = _jsonish(k.get_config())
    assert {key: ours.get(key) for key in theirs if key not in ("name", "dtype")} == {
        key: v for key, v in theirs.items() if key not in ("name", "dtype")}


def _jsonish(value):
    if isinstance(value, (list, tuple)):
        return [_jsonish(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonish(v) for k, v in value.items()}
    return value


X3 = np.random.default_rng(0).standard_normal((4, 5, 6)).astype("float32") * 2 + 1
X4 = np.random.default_rng(0).standard_normal((2, 3, 4, 6)).astype("float32")


@pytest.mark.parametrize("kwargs,shape", [({}, (4, 6)), ({"axis": 1}, (2, 3, 4)),
                                          ({"center": False, "scale": False}, (2, 3, 4))])
def test_batch_normalization(kwargs, shape):
    n = 2 if kwargs.get("center", True) else 0
    run_layer_test(layers.BatchNormalization, kwargs, input_shape=shape,
                   expected_output_shape=shape, expected_num_trainable_weights=n,
                   expected_num_non_trainable_weights=2, supports_masking=True)


@pytest.mark.parametrize("kwargs,x", [({}, X3), ({"axis": 1}, X3), ({"axis": -1}, X4),
                                      ({"momentum": 0.5, "epsilon": 0.1}, X4[:, 0])])
def test_batch_normalization_parity(kwargs, x):
    _parity("BatchNormalization", kwargs, x, training_steps=3)


def test_batch_normalization_moving_statistics():
    layer = layers.BatchNormalization(momentum=0.5)
    x = torch.randn(16, 3) * 3 + 2
    layer(x, training=True)
    np.testing.assert_allclose(layer.moving_mean.detach(), 0.5 * x.mean(0), rtol=1e-5)
    biased = x.var(0, unbiased=False)
    np.testing.assert_allclose(layer.moving_variance.detach(), 0.5 + 0.5 * biased, rtol=1e-5)
    before = layer.get_weights()
    layer(x)  # inference: statistics unchanged
    layer(x, training=False)
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_batch_normalization_frozen_is_inference():
    layer = layers.BatchNormalization()
    x = torch.randn(8, 3) + 5
    layer.build(x.shape)
    layer.trainable = False
    out = layer(x, training=True)
    np.testing.assert_allclose(out.detach(), x / np.sqrt(1 + 1e-3), rtol=1e-5)
    np.testing.assert_array_equal(layer.moving_mean.detach(), np.zeros(3))


def test_batch_normalization_batch_of_one_and_mask():
    layer = layers.BatchNormalization()
    out = layer(torch.randn(1, 3), training=True)  # variance 0, no error
    assert torch.isfinite(out).all()
    x = np.random.default_rng(2).standard_normal((3, 5, 4)).astype("float32")
    mask = np.random.default_rng(3).random((3, 5)) > 0.4
    _parity("BatchNormalization", {}, x, training_steps=2, mask=mask)
    with pytest.raises(ValueError, match="mask"):
        layers.BatchNormalization()(torch.randn(2, 3, 4), training=True,
                                    mask=torch.ones(2, 3, 4, dtype=torch.bool))


def test_batch_normalization_bad_axis():
    with pytest.raises(ValueError, match="axis"):
        layers.BatchNormalization(axis=3)(torch.randn(2, 3))


@pytest.mark.parametrize("kwargs", [{}, {"axis": [1, 2]}, {"axis": 1}, {"axis": [-1, 1]},
                                    {"center": False}, {"scale": False, "epsilon": 0.1}])
def test_layer_normalization(kwargs):
    n = int(kwargs.get("center", True)) + int(kwargs.get("scale", True))
    run_layer_test(layers.LayerNormalization, kwargs, input_shape=(2, 3, 4),
                   expected_output_shape=(2, 3, 4), expected_num_trainable_weights=n,
                   supports_masking=True)
    if kwargs.get("axis") == 1:  # Keras's torch backend fails on one inner axis
        layer = layers.LayerNormalization(axis=1)
        x = torch.as_tensor(X3)
        mean, var = x.mean(1, keepdim=True), x.var(1, unbiased=False, keepdim=True)
        np.testing.assert_allclose(layer(x).detach(), (x - mean) / torch.sqrt(var + 1e-3),
                                   rtol=1e-5, atol=1e-5)
    else:
        _parity("LayerNormalization", kwargs, X3)


def test_layer_normalization_rms_scaling():
    with pytest.warns(UserWarning):
        layer = layers.LayerNormalization(rms_scaling=True)
    layer.build((2, 6))
    assert [w.name for w in layer.weights] == ["gamma"]
    with pytest.warns(UserWarning):
        _parity("LayerNormalization", {"rms_scaling": True, "axis": 1}, X3)


@pytest.mark.parametrize("kwargs,x", [({"groups": 3}, X3), ({"groups": -1}, X3),
                                      ({"groups": 5, "axis": 1}, X3), ({"groups": 2}, X4)])
def test_group_normalization(kwargs, x):
    run_layer_test(layers.GroupNormalization, kwargs, input_data=x,
                   expected_output_shape=x.shape, expected_num_trainable_weights=2)
    _parity("GroupNormalization", kwargs, x, atol=1e-4)


def test_group_normalization_errors():
    with pytest.raises(ValueError, match="groups"):
        layers.GroupNormalization(groups=0)
    with pytest.raises(ValueError, match="groups"):
        layers.GroupNormalization(groups=4)(torch.randn(2, 6))


@pytest.mark.parametrize("axis", [-1, [1, 2], 1])
def test_unit_normalization(axis):
    run_layer_test(layers.UnitNormalization, {"axis": axis}, input_shape=(2, 3, 4),
                   expected_output_shape=(2, 3, 4), supports_masking=True)
    _parity("UnitNormalization", {"axis": axis}, X3)
    out = layers.UnitNormalization()(torch.zeros(2, 3))
    assert torch.equal(out, torch.zeros(2, 3))


@pytest.mark.parametrize("kwargs", [{}, {"axis": [1, 2], "epsilon": 1e-3}])
def test_rms_normalization(kwargs):
    run_layer_test(layers.RMSNormalization, kwargs, input_shape=(2, 3, 4),
                   expected_output_shape=(2, 3, 4), expected_num_trainable_weights=1)
    _parity("RMSNormalization", kwargs, X3)


def test_rms_normalization_inner_axis():
    layer = layers.RMSNormalization(axis=1)
    x = torch.randn(2, 3, 4)
    out = layer(x)
    expected = x / torch.sqrt((x * x).mean(1, keepdim=True) + 1e-6)
    np.testing.assert_allclose(out.detach(), expected, rtol=1e-5)
