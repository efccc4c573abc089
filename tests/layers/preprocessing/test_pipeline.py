"""Pipeline against Keras 3 (torch backend), with augmentation steps whose draws are pinned."""

import json

import numpy as np
import pytest
import torch

import cornu
from cornu import layers

RNG = np.random.default_rng(11)
IMAGES = (RNG.random((3, 5, 6, 3)) * 200).astype("float32")


def _steps(module):
    return [module.layers.AutoContrast(), module.layers.RandomColorDegeneration((0.4, 0.4)),
            module.layers.RandomPosterization((3, 3)), module.layers.Rescaling(1 / 255)]


@pytest.mark.parametrize("training", [True, False, None])
def test_matches_keras(training):
    k = pytest.importorskip("keras")
    ours, theirs = layers.Pipeline(_steps(cornu)), k.layers.Pipeline(_steps(k))
    kwargs = {} if training is None else {"training": training}
    for x in (IMAGES, IMAGES[0]):
        expected = k.ops.convert_to_numpy(theirs(x, **kwargs))
        np.testing.assert_allclose(ours(x, **kwargs).numpy(), expected, rtol=1e-5, atol=1e-4)
    assert [type(layer).__name__ for layer in ours.layers] == [
        type(layer).__name__ for layer in theirs.layers]


def test_config_and_keras_file(tmp_path):
    pipeline = layers.Pipeline(_steps(cornu), name="augment")
    config = pipeline.get_config()
    assert config["name"] == "augment" and len(config["layers"]) == 4
    clone = layers.Pipeline.from_config(json.loads(json.dumps(config)))
    torch.testing.assert_close(clone(IMAGES), pipeline(IMAGES))
    model = cornu.Sequential([cornu.Input((5, 6, 3)), pipeline])
    path = str(tmp_path / "pipeline.keras")
    model.save(path)
    loaded = cornu.saving.load_model(path)
    assert [type(layer) for layer in loaded.layers[0].layers] == [
        type(layer) for layer in pipeline.layers]
    torch.testing.assert_close(loaded.predict(IMAGES, verbose=0),
                               model.predict(IMAGES, verbose=0))


def test_errors():
    with pytest.raises(ValueError, match="`layers` must be a list of layers"):
        layers.Pipeline(layers.AutoContrast())
    with pytest.raises(ValueError, match="layers"):
        layers.Pipeline.from_config({"name": "p"})
