"""RandAugment and AugMix against Keras 3 (torch backend).

With `factor=0` every operation they pick from is deterministic, so each output must be
one of the outputs Keras's own operation layers (the sub-layers of Keras's RandAugment /
AugMix) give: RandAugment's output equals one of them, AugMix's lies on the segment
between the input and one of them. Which operation is picked is random, so the tests also
check that different picks occur.
"""

import json

import numpy as np
import pytest
import torch

import cornu
from cornu import layers

RNG = np.random.default_rng(19)
IMAGES = (RNG.random((2, 8, 9, 3)) * 255).astype("float32")


def _keras():
    return pytest.importorskip("keras")


def _strip(config):
    return json.loads(json.dumps({k: v for k, v in config.items()
                                  if k not in ("name", "dtype")}))


def _candidates(keras_layer, names, x):
    k = _keras()
    return {name: k.ops.convert_to_numpy(getattr(keras_layer, name)(x, training=True))
            for name in names}


def test_rand_augment_picks_keras_operations():
    k = _keras()
    theirs = k.layers.RandAugment(factor=0.0, num_ops=1)
    candidates = _candidates(theirs, type(theirs)._AUGMENT_LAYERS, IMAGES)
    ours = layers.RandAugment(factor=0.0, num_ops=1, seed=3)
    assert _strip(ours.get_config()) == _strip(dict(theirs.get_config(), seed=3))
    picked = set()
    for _ in range(25):
        out = ours(IMAGES).numpy()
        match = [name for name, c in candidates.items()
                 if np.allclose(out, c, rtol=1e-5, atol=1e-3)]
        assert match, "RandAugment's output is none of Keras's operations"
        picked.update(match)
    assert len(picked) >= 5


@pytest.mark.parametrize("name,kwargs", [
    ("RandAugment", dict(num_ops=0)),
    ("RandAugment", dict(value_range=(0, 1), factor=0.7)),
    ("AugMix", dict(chain_depth=0)),
    ("AugMix", dict(value_range=(0, 1), factor=(0.1, 0.2), all_ops=False)),
])
def test_pinned_and_inference_match_keras(name, kwargs):
    k = _keras()
    ours, theirs = getattr(layers, name)(**kwargs), getattr(k.layers, name)(**kwargs)
    low, high = kwargs.get("value_range", (0, 255))
    x = (IMAGES / 255 * (high - low) + low).astype("float32")
    trainings = [False] + ([True] if kwargs.get("num_ops", 1) == 0
                           or kwargs.get("chain_depth", 1) == 0 else [])
    for training in trainings:
        for data in (x, x[0], IMAGES.astype("uint8")):
            out = ours(data, training=training)
            expected = k.ops.convert_to_numpy(theirs(data, training=training))
            assert str(out.dtype).split(".")[-1] == str(expected.dtype)
            np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-3)
    assert _strip(ours.get_config()) == _strip(theirs.get_config())


def test_aug_mix_blends_with_keras_operations():
    k = _keras()
    theirs = k.layers.AugMix(factor=0.0, num_chains=1, chain_depth=1)
    names = [n for n in dir(theirs) if n.startswith(("random_", "solarization",
                                                        "auto_contrast", "equalization"))]
    candidates = _candidates(theirs, names, IMAGES)
    candidates["none"] = IMAGES
    ours = layers.AugMix(factor=0.0, num_chains=1, chain_depth=1, seed=7)
    picked = set()
    for _ in range(25):
        out = ours(IMAGES).numpy()
        found = None
        for name, c in candidates.items():
            # out = w * x + (1 - w) * c for one w in [0, 1]
            direction = (c - IMAGES).ravel()
            if np.abs(direction).max() < 1e-3:
                if np.allclose(out, IMAGES, atol=1e-3):
                    found = name
                continue
            t = float(np.dot((out - IMAGES).ravel(), direction) / np.dot(direction, direction))
            if -1e-4 <= t <= 1 + 1e-4 and np.allclose(out, IMAGES + t * (c - IMAGES),
                                                     rtol=1e-5, atol=1e-2):
                found = name
                break
        assert found is not None, "AugMix's output is no blend of a Keras operation"
        picked.add(found)
    assert len(picked) >= 4


def test_draws_are_seeded_and_in_range():
    x = torch.as_tensor(IMAGES)
    for cls in (layers.RandAugment, layers.AugMix):
        a, b = cls(seed=5)(x), cls(seed=5)(x)
        torch.testing.assert_close(a, b)
        assert float(a.min()) >= 0 and float(a.max()) <= 255


def test_keras_file_round_trip(tmp_path):
    model = cornu.Sequential([cornu.Input((8, 9, 3)), layers.RandAugment(num_ops=3),
                              layers.AugMix(alpha=0.5, all_ops=False)])
    path = str(tmp_path / "augment.keras")
    model.save(path)
    loaded = cornu.saving.load_model(path)
    for ours, theirs in zip(model.layers, loaded.layers):
        assert _strip(ours.get_config()) == _strip(theirs.get_config())
    torch.testing.assert_close(loaded.predict(IMAGES, verbose=0),
                               model.predict(IMAGES, verbose=0))


def test_errors():
    with pytest.raises(ValueError, match="factor.*Received: factor=1.5"):
        layers.RandAugment(factor=1.5)
    with pytest.raises(ValueError, match="num_ops.*Received: num_ops=-1"):
        layers.RandAugment(num_ops=-1)
    with pytest.raises(ValueError, match="num_chains.*Received: num_chains=0"):
        layers.AugMix(num_chains=0)
    with pytest.raises(ValueError, match="alpha.*Received: alpha=-1"):
        layers.AugMix(alpha=-1)
    with pytest.raises(ValueError, match="interpolation"):
        layers.RandAugment(interpolation="cubic-ish")
