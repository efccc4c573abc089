"""RandomHue, RandomSaturation, RandomColorDegeneration, RandomSharpness,
RandomPosterization, AutoContrast and Equalization against Keras 3 (torch backend).

Randomness is pinned by collapsing `factor` to a single value (`(a, a)`); for RandomHue,
whose sign is also random, by `factor=(1, 1)` (a shift of ±1/2 turns out the same either
way) or `factor=0`. The random draws are checked separately.
"""

import numpy as np
import pytest
import torch

from cornu import layers
from layer_test_utils import run_layer_test

RNG = np.random.default_rng(23)
IMAGES = (RNG.random((3, 5, 6, 3)) * 255).astype("float32")


def _keras():
    return pytest.importorskip("keras")


def _strip(config):
    return {k: v for k, v in config.items() if k not in ("name", "dtype")}


def _compare(name, kwargs, x, training=True, atol=1e-3):
    k = _keras()
    ours, theirs = getattr(layers, name)(**kwargs), getattr(k.layers, name)(**kwargs)
    out = ours(x, training=training)
    expected = k.ops.convert_to_numpy(theirs(x, training=training))
    assert str(out.dtype).split(".")[-1] == str(expected.dtype)
    assert tuple(out.shape) == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=atol)
    assert _strip(ours.get_config()) == _strip(theirs.get_config())
    return out


CASES = [
    ("RandomHue", dict(factor=(1.0, 1.0))),
    ("RandomHue", dict(factor=0.0, value_range=(0, 1))),
    ("RandomSaturation", dict(factor=(0.5, 0.5))),
    ("RandomSaturation", dict(factor=(0.8, 0.8), value_range=(0, 1))),
    ("RandomSaturation", dict(factor=(0.0, 0.0))),
    ("RandomColorDegeneration", dict(factor=(0.3, 0.3))),
    ("RandomColorDegeneration", dict(factor=(1, 1), value_range=(0, 1))),
    ("RandomSharpness", dict(factor=(0.9, 0.9))),
    ("RandomSharpness", dict(factor=(0.0, 0.0), value_range=(0, 1))),
    ("RandomPosterization", dict(factor=(3, 3))),
    ("RandomPosterization", dict(factor=(5, 5), value_range=(0, 1))),
    ("AutoContrast", dict()),
    ("AutoContrast", dict(value_range=(0, 1))),
    ("Equalization", dict()),
    ("Equalization", dict(value_range=(0, 1), bins=64)),
]


def _scaled(kwargs, images=IMAGES):
    low, high = kwargs.get("value_range", (0, 255))
    return (images / 255 * (high - low) + low).astype("float32")


@pytest.mark.parametrize("name,kwargs", CASES)
def test_matches_keras(name, kwargs):
    x = _scaled(kwargs)
    _compare(name, kwargs, x)
    _compare(name, kwargs, x[0])  # one image
    _compare(name, kwargs, x, training=False)
    if kwargs.get("value_range", (0, 255)) == (0, 255) and name != "RandomSaturation":
        _compare(name, kwargs, IMAGES.astype("uint8"))
        _compare(name, kwargs, IMAGES.astype("uint8"), training=False)


@pytest.mark.parametrize("name,kwargs", [c for c in CASES if c[0] != "AutoContrast"])
def test_channels_first_matches_keras(name, kwargs):
    x = _scaled(kwargs).transpose(0, 3, 1, 2)
    _compare(name, dict(kwargs, data_format="channels_first"), x)


def test_auto_contrast_channels_first_is_per_channel():
    # Keras 3.15 reduces over axes (1, 2) whatever the data format; cornu stretches each
    # channel over its spatial axes, so channels_first gives the channels_last result.
    k = _keras()
    expected = k.ops.convert_to_numpy(k.layers.AutoContrast()(IMAGES))
    out = layers.AutoContrast(data_format="channels_first")(IMAGES.transpose(0, 3, 1, 2))
    np.testing.assert_allclose(out.numpy().transpose(0, 2, 3, 1), expected, atol=1e-3)
    flat = torch.full((1, 4, 4, 3), 7.0)
    assert torch.equal(layers.AutoContrast()(flat), flat)  # constant channels kept


def test_random_draws_within_range():
    images = torch.as_tensor(np.concatenate([IMAGES] * 10))
    gray = images.mean(-1, keepdim=True)
    # Color degeneration: out - x = f * (gray - x), so f is recoverable per image.
    layer = layers.RandomColorDegeneration(factor=(0.2, 0.6), seed=4)
    luma = (images * torch.tensor([0.2989, 0.587, 0.114])).sum(-1, keepdim=True)
    out = layer(images)
    f = ((out - images) / (luma - images))[..., 0, 0, 0]
    assert float(f.min()) >= 0.2 - 1e-4 and float(f.max()) <= 0.6 + 1e-4
    assert float(f.max() - f.min()) > 0.1  # drawn per image
    # Posterization keeps between 2 and 3 bits: multiples of 64 or 32, not all of 64.
    post = layers.RandomPosterization(factor=(2, 4), seed=1)(images)
    assert torch.equal(post % 32, torch.zeros_like(post))
    per_image = (post % 64 == 0).flatten(1).all(1)
    assert 0 < int(per_image.sum()) < len(images)
    # Hue: shifts are within ±factor / 2, and both signs occur.
    hue = layers.RandomHue(factor=(0.2, 0.4), value_range=(0, 1), seed=2)
    x = images / 255
    from cornu.ops import image as image_ops
    before = image_ops.rgb_to_hsv(x)[..., 0]
    after = image_ops.rgb_to_hsv(hue(x))[..., 0]
    shift = torch.remainder(after - before + 0.5, 1.0) - 0.5
    per_image_shift = shift.flatten(1).median(1).values
    assert float(per_image_shift.abs().min()) >= 0.1 - 1e-3
    assert float(per_image_shift.abs().max()) <= 0.2 + 1e-3
    assert bool((per_image_shift > 0).any()) and bool((per_image_shift < 0).any())
    # Saturation factor 0 draws give gray; same seed gives the same draws.
    sat = layers.RandomSaturation(factor=(0.0, 0.0))(images)
    torch.testing.assert_close(sat, sat[..., :1].expand_as(sat))
    a = layers.RandomSharpness(factor=0.8, seed=9)(images)
    b = layers.RandomSharpness(factor=0.8, seed=9)(images)
    torch.testing.assert_close(a, b)
    assert float(a.min()) >= 0 and float(a.max()) <= 255
    # Inference: identity.
    for layer in (layers.RandomHue(0.5), layers.RandomSaturation(0.5),
                  layers.RandomColorDegeneration(0.5), layers.RandomPosterization(4),
                  layers.Equalization()):
        assert torch.equal(layer(images, training=False), images)


@pytest.mark.parametrize("name,kwargs", [
    ("RandomHue", dict(factor=0.3, value_range=(0, 1), seed=1)),
    ("RandomSaturation", dict(factor=(0.2, 0.7), seed=1)),
    ("RandomColorDegeneration", dict(factor=0.4, seed=1)),
    ("RandomSharpness", dict(factor=(0.1, 0.9), value_range=(0, 1), seed=1)),
    ("RandomPosterization", dict(factor=(2, 6), seed=1)),
    ("AutoContrast", dict(value_range=(0, 1))),
    ("Equalization", dict(value_range=(0, 1), bins=128)),
])
def test_run_layer_test(name, kwargs):
    run_layer_test(getattr(layers, name), kwargs, input_shape=(2, 4, 5, 3),
                   call_kwargs=dict(training=False), expected_output_shape=(2, 4, 5, 3),
                   expected_num_trainable_weights=0)


def test_errors():
    with pytest.raises(ValueError, match="factor.*Received: factor=1.5"):
        layers.RandomHue(factor=1.5)
    with pytest.raises(ValueError, match="factor.*Received: factor=-0.5"):
        layers.RandomSharpness(factor=-0.5)
    with pytest.raises(ValueError, match="factor.*Received: factor=9"):
        layers.RandomPosterization(factor=9)
    with pytest.raises(ValueError, match="factor"):
        layers.RandomSaturation(factor=(0.1, 0.2, 0.3))
    with pytest.raises(ValueError, match="value_range"):
        layers.RandomColorDegeneration(0.2, value_range=5)
    with pytest.raises(ValueError, match="value_range"):
        layers.AutoContrast(value_range=(0,))
    with pytest.raises(ValueError, match="bins.*Received: bins=0"):
        layers.Equalization(bins=0)
    with pytest.raises(ValueError, match="3 channels"):
        layers.RandomHue(0.2)(np.ones((1, 4, 4, 2), "float32"))
    with pytest.raises(ValueError, match="3 channels"):
        layers.RandomColorDegeneration(0.2)(np.ones((4, 4, 1), "float32"))
    with pytest.raises(ValueError, match="rank"):
        layers.Equalization()(np.ones((4, 4), "float32"))
