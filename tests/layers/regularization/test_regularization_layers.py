import os

import numpy as np
import pytest
import torch

from cornu import layers
from layer_test_utils import run_layer_test

os.environ.setdefault("KERAS_BACKEND", "torch")


@pytest.mark.parametrize("cls,kwargs,shape,channel", [
    (layers.SpatialDropout1D, {"rate": 0.5}, (4, 6, 8), -1),
    (layers.SpatialDropout2D, {"rate": 0.5}, (4, 3, 5, 8), -1),
    (layers.SpatialDropout2D, {"rate": 0.5, "data_format": "channels_first"}, (4, 8, 3, 5), 1),
    (layers.SpatialDropout3D, {"rate": 0.5, "seed": 3}, (4, 2, 3, 2, 8), -1),
])
def test_spatial_dropout(cls, kwargs, shape, channel):
    layer, out = run_layer_test(cls, kwargs, input_shape=shape, expected_output_shape=shape,
                                supports_masking=True)
    x = torch.ones(shape)
    np.testing.assert_array_equal(layer(x), x)  # inference: identity
    y = layer(x, training=True)
    # Whole feature maps are dropped: each (sample, channel) is all 0 or all 2.
    maps = y.movedim(channel, 1).reshape(shape[0], shape[channel], -1)
    assert torch.all((maps == maps[..., :1]).all(-1))
    assert set(torch.unique(maps).tolist()) <= {0.0, 2.0}
    assert "trainable" not in layer.get_config()  # Keras's config keys


def test_spatial_dropout_rank_check():
    with pytest.raises(ValueError, match="rank 4"):
        layers.SpatialDropout2D(0.5)(torch.ones(2, 3, 4), training=True)
    with pytest.raises(ValueError, match="rate"):
        layers.SpatialDropout1D(1.5)


def test_gaussian_noise():
    layer, _ = run_layer_test(layers.GaussianNoise, {"stddev": 0.5}, input_shape=(2, 3),
                              expected_output_shape=(2, 3), supports_masking=True)
    x = torch.zeros(4000)
    np.testing.assert_array_equal(layer(x), x)
    y = layer(x, training=True)
    assert abs(y.std().item() - 0.5) < 0.05 and abs(y.mean().item()) < 0.05
    with pytest.raises(ValueError, match="stddev"):
        layers.GaussianNoise(-1)


def test_gaussian_dropout():
    layer, _ = run_layer_test(layers.GaussianDropout, {"rate": 0.2, "seed": 1},
                              input_shape=(2, 3), expected_output_shape=(2, 3))
    x = torch.ones(4000)
    np.testing.assert_array_equal(layer(x), x)
    y = layer(x, training=True)
    assert abs(y.std().item() - 0.5) < 0.05 and abs(y.mean().item() - 1) < 0.05


def test_alpha_dropout():
    layer, _ = run_layer_test(layers.AlphaDropout, {"rate": 0.2}, input_shape=(2, 3),
                              expected_output_shape=(2, 3), supports_masking=True)
    x = torch.randn(20000)
    np.testing.assert_array_equal(layer(x), x)
    y = layer(x, training=True)  # keeps zero mean and unit variance
    assert abs(y.mean().item()) < 0.05 and abs(y.std().item() - 1) < 0.05
    shared = layers.AlphaDropout(0.5, noise_shape=(None, 1))(torch.ones(3, 50), training=True)
    assert torch.all(shared == shared[:, :1])


def test_alpha_dropout_matches_keras_formula():
    keras = pytest.importorskip("keras")
    x = torch.randn(64, 8)
    y = layers.AlphaDropout(0.3)(x, training=True).numpy()
    ky = keras.ops.convert_to_numpy(keras.layers.AlphaDropout(0.3)(x.numpy(), training=True))
    # Masks differ (RNG), but dropped values share one constant and kept ones map by the
    # same affine transform `a * x + b`.
    values, counts = np.unique(np.round(ky, 5), return_counts=True)
    dropped = values[counts.argmax()]
    kept = np.round(ky, 5) != dropped
    a, b = np.polyfit(x.numpy()[kept], ky[kept], 1)
    ours_kept = np.round(y, 5) != dropped
    assert 0 < ours_kept.mean() < 1
    np.testing.assert_allclose(y[ours_kept], a * x.numpy()[ours_kept] + b, rtol=1e-4, atol=1e-4)


def test_activity_regularization():
    layer, out = run_layer_test(layers.ActivityRegularization, {"l1": 0.1, "l2": 0.2},
                                input_shape=(4, 3), expected_output_shape=(4, 3),
                                expected_num_losses=1, supports_masking=True)
    x = torch.randn(4, 3)
    np.testing.assert_array_equal(layer(x), x)
    expected = (0.1 * x.abs().sum() + 0.2 * (x ** 2).sum()) / 4
    np.testing.assert_allclose(layer.losses[0].item(), expected.item(), rtol=1e-5)
    config = layer.get_config()
    assert config["l1"] == 0.1 and config["l2"] == 0.2 and "activity_regularizer" not in config
    with pytest.raises(ValueError, match="l1"):
        layers.ActivityRegularization(l1=-1)


def test_activity_regularization_keras_parity():
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(0).standard_normal((4, 3)).astype("float32")
    k = keras.layers.ActivityRegularization(l1=0.1, l2=0.2)
    k(x)
    c = layers.ActivityRegularization(l1=0.1, l2=0.2)
    c(x)
    np.testing.assert_allclose(c.losses[0].item(), float(keras.ops.convert_to_numpy(k.losses[0])),
                               rtol=1e-5)
