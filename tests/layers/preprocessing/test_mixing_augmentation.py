"""RandomColorJitter, RandomErasing, MixUp and CutMix.

Compared with Keras 3 (torch backend) where the randomness can be pinned (collapsed
factors, full-image boxes, batches of one, inference); where it cannot (the mixing
permutation and weights), the outputs are checked against a NumPy reconstruction from the
draws the mixed one-hot labels reveal.
"""

import json

import numpy as np
import pytest
import torch

from cornu import layers
from layer_test_utils import run_layer_test

RNG = np.random.default_rng(5)
IMAGES = (RNG.random((4, 6, 7, 3)) * 255).astype("float32")


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
    ("RandomColorJitter", dict(brightness_factor=(0.1, 0.1), contrast_factor=0.0,
                               saturation_factor=(0.7, 0.7), hue_factor=(1.0, 1.0))),
    ("RandomColorJitter", dict(value_range=(0, 1), saturation_factor=(0.3, 0.3))),
    ("RandomColorJitter", dict()),
    ("RandomErasing", dict(factor=(1, 1), scale=(1, 1), fill_value=7.0)),
    ("RandomErasing", dict(factor=(1, 1), scale=(1, 1), fill_value=(1.0, 300.0, -2.0))),
    ("RandomErasing", dict(factor=0.0, value_range=(0, 1))),
    ("MixUp", dict(alpha=0.5)),
    ("CutMix", dict(factor=0.5)),
]


@pytest.mark.parametrize("name,kwargs", CASES)
def test_matches_keras(name, kwargs):
    low, high = kwargs.get("value_range", (0, 255))
    x = (IMAGES / 255 * (high - low) + low).astype("float32")
    if name not in ("MixUp", "CutMix"):  # random permutations: batches checked below
        _compare(name, kwargs, x)
        _compare(name, kwargs, IMAGES.astype("uint8"))
    _compare(name, kwargs, x[0])  # one image: nothing to mix with
    _compare(name, kwargs, x, training=False)


def test_channels_first_matches_keras():
    x = IMAGES.transpose(0, 3, 1, 2)
    # Keras 3.15's RandomColorJitter does not pass data_format to its steps (channels_first
    # fails there), so cornu's channels_first result is checked against Keras's
    # channels_last one.
    k = _keras()
    kwargs = dict(brightness_factor=(-0.2, -0.2), saturation_factor=(0.6, 0.6),
                  hue_factor=(1, 1))
    out = layers.RandomColorJitter(data_format="channels_first", **kwargs)(x)
    expected = k.ops.convert_to_numpy(k.layers.RandomColorJitter(**kwargs)(IMAGES))
    np.testing.assert_allclose(out.numpy().transpose(0, 2, 3, 1), expected, atol=1e-3)
    _compare("RandomErasing", dict(factor=(1, 1), scale=(1, 1), fill_value=3.0,
                                   data_format="channels_first"), x)


def _one_hot(n):
    return np.eye(n, dtype="float32")


def _reveal(labels):
    """The permutation and weights behind labels mixed from the identity."""
    labels = labels.numpy()
    n = len(labels)
    weight = labels[np.arange(n), np.arange(n)]
    others = labels.copy()
    others[np.arange(n), np.arange(n)] = -1
    order = np.where(weight > 1 - 1e-6, np.arange(n), others.argmax(1))
    return order, weight


def test_mix_up_matches_reconstruction():
    images = (RNG.random((16, 6, 7, 3)) * 255).astype("float32")
    n = len(images)
    out = layers.MixUp(alpha=0.4, seed=3)({"images": images, "labels": _one_hot(n)})
    order, weight = _reveal(out["labels"])
    assert sorted(order) == list(range(n))  # a permutation
    w = weight[:, None, None, None]
    np.testing.assert_allclose(out["images"].numpy(), w * images + (1 - w) * images[order],
                               rtol=1e-5, atol=1e-3)
    assert out["labels"].sum(1).allclose(torch.ones(n))
    # Beta(0.4, 0.4) mixes: weights in [0, 1], spread out, not all near 0.5.
    assert weight.min() >= 0 and weight.max() <= 1 and weight.std() > 0.1
    plain = layers.MixUp(alpha=0.4, seed=3)(images)
    torch.testing.assert_close(plain, out["images"])  # same seed, same draws


def test_cut_mix_matches_reconstruction():
    images = (RNG.random((16, 6, 7, 3)) * 255).astype("float32")
    n, height, width = images.shape[:3]
    out = layers.CutMix(seed=2)({"images": images, "labels": _one_hot(n)})
    order, weight = _reveal(out["labels"])
    assert sorted(order) == list(range(n))
    mixed = out["images"].numpy()
    pasted = np.all(mixed == images[order], axis=-1) & np.any(mixed != images, axis=-1)
    kept = np.all(mixed == images, axis=-1)
    assert np.all(pasted | kept)
    for i in range(n):
        rows, cols = np.nonzero(pasted[i])
        if len(rows):  # one rectangle
            box = pasted[i, rows.min():rows.max() + 1, cols.min():cols.max() + 1]
            assert box.all()
        if order[i] != i:
            # the label weight is the (continuous) fraction of the image outside the box
            fraction = 1 - len(rows) / (height * width)
            assert abs(weight[i] - fraction) <= (2 * height + 2 * width + 4) / (height * width)
    assert pasted.any()


def test_erasing_draws():
    images = torch.as_tensor(np.concatenate([IMAGES] * 10))
    out = layers.RandomErasing(factor=(1, 1), scale=(0.1, 0.3), fill_value=-1.0,
                               value_range=(-1, 255), seed=1)(images)
    erased = (out == -1).all(-1)
    height, width = images.shape[1:3]
    for mask in erased:
        rows, cols = np.nonzero(mask.numpy())
        assert len(rows)
        assert mask[rows.min():rows.max() + 1, cols.min():cols.max() + 1].all()
        h, w = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
        assert np.sqrt(0.1) * height - 1 <= h <= np.sqrt(0.3) * height + 1
        assert np.sqrt(0.1) * width - 1 <= w <= np.sqrt(0.3) * width + 1
    some = layers.RandomErasing(factor=(0.5, 0.5), scale=(0.5, 0.5), seed=2)(images)
    changed = (some != images).flatten(1).any(1)
    assert 5 < int(changed.sum()) < 35
    assert float(some.min()) >= 0 and float(some.max()) <= 255  # noise clipped


def test_color_jitter_draws():
    images = torch.as_tensor(np.concatenate([IMAGES] * 5))
    layer = layers.RandomColorJitter(brightness_factor=0.2, contrast_factor=0.5,
                                     saturation_factor=(0.3, 0.8), hue_factor=0.3, seed=4)
    out = layer(images)
    assert out.shape == images.shape and float(out.min()) >= 0 and float(out.max()) <= 255
    again = layers.RandomColorJitter(brightness_factor=0.2, contrast_factor=0.5,
                                     saturation_factor=(0.3, 0.8), hue_factor=0.3, seed=4)
    torch.testing.assert_close(again(images), out)
    assert torch.equal(layer(images, training=False), images)


@pytest.mark.parametrize("name,kwargs", [
    ("RandomColorJitter", dict(brightness_factor=0.2, hue_factor=0.1, seed=1)),
    ("RandomErasing", dict(factor=0.5, scale=(0.1, 0.2), fill_value=0.0, seed=1)),
    ("MixUp", dict(alpha=0.3, seed=1)),
    ("CutMix", dict(factor=(0.2, 0.8), seed=1)),
])
def test_run_layer_test(name, kwargs):
    run_layer_test(getattr(layers, name), kwargs, input_shape=(2, 4, 5, 3),
                   call_kwargs=dict(training=False), expected_output_shape=(2, 4, 5, 3),
                   expected_num_trainable_weights=0)


def test_errors():
    with pytest.raises(ValueError, match="brightness_factor.*factor=2"):
        layers.RandomColorJitter(brightness_factor=2)
    with pytest.raises(ValueError, match="hue_factor"):
        layers.RandomColorJitter(hue_factor=(0.1, 0.2, 0.3))
    with pytest.raises(ValueError, match="scale.*Received: scale=1.5"):
        layers.RandomErasing(scale=1.5)
    with pytest.raises(ValueError, match="fill_value.*Received: fill_value=\\(1, 2\\)"):
        layers.RandomErasing(fill_value=(1, 2))
    with pytest.raises(ValueError, match="factor.*Received: factor=-0.5"):
        layers.RandomErasing(factor=-0.5)
    with pytest.raises(ValueError, match="alpha.*Received: alpha=0"):
        layers.MixUp(alpha=0)
    with pytest.raises(ValueError, match="factor.*Received: factor=2"):
        layers.CutMix(factor=2)
    with pytest.raises(ValueError, match="bounding boxes"):
        layers.CutMix()({"images": IMAGES, "bounding_boxes": np.zeros((4, 1, 4))})
    with pytest.raises(ValueError, match="rank"):
        layers.MixUp()(np.ones((4, 4), "float32"))


def test_keras_file_round_trip(tmp_path):
    import cornu
    augment = [layers.RandomHue(0.2, seed=1), layers.RandomSaturation((0.3, 0.6)),
               layers.RandomColorDegeneration(0.3), layers.RandomSharpness(0.4),
               layers.RandomPosterization(5), layers.AutoContrast(),
               layers.Equalization(bins=64), layers.RandomColorJitter(hue_factor=0.1),
               layers.RandomErasing(fill_value=(1, 2, 3)), layers.MixUp(alpha=0.3),
               layers.CutMix(factor=0.4)]
    model = cornu.Sequential([cornu.Input((6, 7, 3))] + augment)
    path = str(tmp_path / "augment.keras")
    model.save(path)
    loaded = cornu.saving.load_model(path)
    for ours, theirs in zip(model.layers, loaded.layers):
        assert type(ours) is type(theirs)
        # JSON turns tuples into lists, as in Keras
        assert (json.loads(json.dumps(ours.get_config()))
                == json.loads(json.dumps(theirs.get_config())))
    x = IMAGES.astype("float32")
    torch.testing.assert_close(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
