"""RandomGrayscale, RandomInvert and Solarization against Keras 3 (torch backend).

Randomness is pinned by settings that leave no choice (`factor=1.0` converts every image,
`factor=(1, 1)` inverts every image, zero addition and threshold solarize every pixel);
the layers' own random behaviour is checked separately.
"""

import numpy as np
import pytest
import torch

from cornu import layers
from layer_test_utils import run_layer_test

RNG = np.random.default_rng(17)
IMAGES = (RNG.random((3, 5, 6, 3)) * 255).astype("float32")


def _keras():
    return pytest.importorskip("keras")


def _strip(config):
    return {k: v for k, v in config.items() if k not in ("name", "dtype")}


def _compare(name, kwargs, x, training=True):
    k = _keras()
    ours, theirs = getattr(layers, name)(**kwargs), getattr(k.layers, name)(**kwargs)
    out = ours(x, training=training)
    expected = k.ops.convert_to_numpy(theirs(x, training=training))
    assert str(out.dtype).split(".")[-1] == str(expected.dtype)
    assert tuple(out.shape) == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6, atol=1e-4)
    assert _strip(ours.get_config()) == _strip(theirs.get_config())
    return out


CASES = [
    ("RandomGrayscale", dict(factor=1.0)),
    ("RandomGrayscale", dict(factor=0.0)),
    ("RandomInvert", dict(factor=(1, 1))),
    ("RandomInvert", dict(factor=(1, 1), value_range=(0, 1))),
    ("RandomInvert", dict(factor=0.0)),
    ("Solarization", dict()),
    ("Solarization", dict(value_range=(0, 1))),
    ("Solarization", dict(value_range=(-1, 1), threshold_factor=0.0)),
]


@pytest.mark.parametrize("name,kwargs", CASES)
def test_matches_keras(name, kwargs):
    scale = kwargs.get("value_range", (0, 255))
    x = IMAGES / 255 * (scale[1] - scale[0]) + scale[0]
    _compare(name, kwargs, x.astype("float32"))
    _compare(name, kwargs, x[0].astype("float32"))  # one image
    _compare(name, kwargs, IMAGES.astype("uint8"))
    _compare(name, kwargs, x.astype("float32"), training=False)


def test_grayscale_channels_first():
    x = IMAGES.transpose(0, 3, 1, 2)
    out = _compare("RandomGrayscale", dict(factor=1.0, data_format="channels_first"), x)
    torch.testing.assert_close(out[:, 0], out[:, 2])


def test_random_draws_and_inference():
    images = torch.as_tensor(np.concatenate([IMAGES] * 20))
    gray = layers.RandomGrayscale(factor=0.5, seed=3)(images)
    converted = (gray[..., 0] == gray[..., 1]).all(-1).all(-1)
    assert 10 < int(converted.sum()) < 50
    assert torch.equal(layers.RandomGrayscale(factor=1.0)(images, training=False), images)
    inverted = layers.RandomInvert(factor=1.0, seed=3)(images)
    flipped = (inverted != images).any(-1).any(-1).any(-1)
    # As in Keras: p ~ U(0, 1), inverted when u ~ U(0, 1) < p, so about a quarter.
    assert 3 < int(flipped.sum()) < 30
    torch.testing.assert_close(inverted[flipped], 255 - images[flipped])
    assert torch.equal(layers.Solarization()(images, training=False), images)
    # A threshold in [1, 255): black stays black, white turns black.
    bw = torch.tensor([0.0, 255.0]).reshape(1, 1, 2, 1).expand(4, 1, 2, 3)
    out = layers.Solarization(threshold_factor=(1, 1), seed=0)(bw)
    assert float(out.abs().max()) == 0.0
    again = layers.Solarization(threshold_factor=(1, 1), seed=5)
    a, b = again(images), layers.Solarization(threshold_factor=(1, 1), seed=5)(images)
    torch.testing.assert_close(a, b)  # same seed, same draws


@pytest.mark.parametrize("name,kwargs", [
    ("RandomGrayscale", dict(factor=0.7, seed=1)),
    ("RandomInvert", dict(factor=0.4, value_range=(0, 1), seed=1)),
    ("Solarization", dict(addition_factor=0.2, threshold_factor=(0.3, 0.6), seed=1)),
])
def test_run_layer_test(name, kwargs):
    run_layer_test(getattr(layers, name), kwargs, input_shape=(2, 4, 5, 3),
                   call_kwargs=dict(training=False), expected_output_shape=(2, 4, 5, 3),
                   expected_num_trainable_weights=0)


def test_errors():
    with pytest.raises(ValueError, match="factor.*Received: factor=1.5"):
        layers.RandomGrayscale(factor=1.5)
    with pytest.raises(ValueError, match="factor.*Received: factor=-0.5"):
        layers.RandomInvert(factor=-0.5)
    with pytest.raises(ValueError, match="value_range"):
        layers.RandomInvert(value_range=(0,))
    with pytest.raises(ValueError, match="addition_factor.*Received: addition_factor=2"):
        layers.Solarization(addition_factor=2)
    with pytest.raises(ValueError, match="threshold_factor"):
        layers.Solarization(threshold_factor=(0.1, 0.2, 0.3))
    with pytest.raises(ValueError, match="value_range"):
        layers.Solarization(value_range=5)
    with pytest.raises(ValueError, match="seed"):
        layers.RandomInvert(seed="x")
    with pytest.raises(ValueError, match="3 \\(RGB\\) or 1 channels"):
        layers.RandomGrayscale(factor=1.0)(np.ones((1, 4, 4, 2), "float32"))
    with pytest.raises(ValueError, match="rank"):
        layers.Solarization()(np.ones((4, 4), "float32"))
