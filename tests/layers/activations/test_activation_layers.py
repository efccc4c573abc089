import os

import numpy as np
import pytest
import torch

from cornu import layers
from layer_test_utils import run_layer_test

os.environ.setdefault("KERAS_BACKEND", "torch")

X = (np.random.default_rng(0).standard_normal((2, 4, 5)) * 3).astype("float32")


def _keras_parity(name, kwargs, x, weights=None, **call_kwargs):
    keras = pytest.importorskip("keras")
    k = getattr(keras.layers, name)(**kwargs)
    c = getattr(layers, name)(**kwargs)
    if weights is not None:
        k.build(x.shape)
        c.build(x.shape)
        k.set_weights(weights)
        c.set_weights(weights)
    k_kwargs = {n: torch.as_tensor(v) for n, v in call_kwargs.items()}
    expected = keras.ops.convert_to_numpy(k(x, **k_kwargs))
    np.testing.assert_allclose(c(x, **call_kwargs).detach().numpy(), expected, rtol=1e-5,
                               atol=1e-6)
    ours, theirs = c.get_config(), k.get_config()
    assert {n: ours[n] for n in theirs if n not in ("name", "dtype")} == {
        n: v for n, v in theirs.items() if n not in ("name", "dtype")}


@pytest.mark.parametrize("kwargs", [{}, {"max_value": 2.0}, {"negative_slope": 0.1},
                                    {"threshold": 0.5, "negative_slope": 0.2, "max_value": 4.0}])
def test_relu(kwargs):
    run_layer_test(layers.ReLU, kwargs, input_data=X, expected_output_shape=X.shape,
                   supports_masking=True)
    _keras_parity("ReLU", kwargs, X)


def test_relu_bad_arguments():
    for kwargs in ({"max_value": -1}, {"negative_slope": -1}, {"threshold": None}):
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            layers.ReLU(**kwargs)


@pytest.mark.parametrize("kwargs", [{}, {"negative_slope": 0.05}])
def test_leaky_relu(kwargs):
    layer, _ = run_layer_test(layers.LeakyReLU, kwargs, input_data=X,
                              expected_output_shape=X.shape)
    assert layers.LeakyReLU().negative_slope == 0.3
    _keras_parity("LeakyReLU", kwargs, X)
    with pytest.warns(UserWarning):
        assert layers.LeakyReLU(alpha=0.2).negative_slope == 0.2
    with pytest.raises(ValueError, match="negative_slope"):
        layers.LeakyReLU(-0.1)


@pytest.mark.parametrize("kwargs", [{}, {"alpha": 0.5}])
def test_elu(kwargs):
    run_layer_test(layers.ELU, kwargs, input_data=X, expected_output_shape=X.shape)
    _keras_parity("ELU", kwargs, X)


@pytest.mark.parametrize("kwargs,alpha_shape", [({}, (4, 5)), ({"shared_axes": [1]}, (1, 5)),
                                                ({"shared_axes": 2, "alpha_initializer": "ones"},
                                                 (4, 1))])
def test_prelu(kwargs, alpha_shape):
    layer, _ = run_layer_test(layers.PReLU, kwargs, input_data=X, expected_output_shape=X.shape,
                              expected_num_trainable_weights=1, supports_masking=True)
    assert tuple(layer.alpha.shape) == alpha_shape
    alpha = np.random.default_rng(1).random(alpha_shape).astype("float32")
    _keras_parity("PReLU", kwargs, X, weights=[alpha])


@pytest.mark.parametrize("kwargs", [{}, {"axis": 1}, {"axis": [1, 2]}])
def test_softmax(kwargs):
    run_layer_test(layers.Softmax, kwargs, input_data=X, expected_output_shape=X.shape,
                   supports_masking=True)
    _keras_parity("Softmax", kwargs, X)


def test_softmax_mask():
    mask = np.random.default_rng(2).random((2, 4, 5)) > 0.3
    mask[0, 0] = False  # a fully masked row gives all zeros
    out = layers.Softmax()(torch.as_tensor(X), mask=torch.as_tensor(mask))
    assert torch.all(out[torch.as_tensor(~mask)] == 0)
    np.testing.assert_allclose(out.sum(-1)[torch.as_tensor(mask.any(-1))], 1.0, rtol=1e-5)
    _keras_parity("Softmax", {}, X, mask=mask)
    # A broadcast mask (batch, 1, keys) as in attention.
    _keras_parity("Softmax", {}, X, mask=mask[:, :1, :])
    with pytest.raises(ValueError, match="mask"):
        layers.Softmax()(torch.as_tensor(X), mask=torch.ones(3, 5, dtype=torch.bool))


def test_softmax_takes_mask_attached_to_its_input():
    x = torch.as_tensor(X)
    mask = torch.as_tensor(np.random.default_rng(3).random((2, 4, 5)) > 0.5)
    tagged = layers.Identity()(x)
    tagged._keras_mask = mask
    layers.Layer._masks_in_use = True
    out = layers.Softmax()(tagged)
    np.testing.assert_array_equal(out, layers.Softmax()(x, mask=mask))
    assert torch.all(out[~mask] == 0)
