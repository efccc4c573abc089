"""DenseNet, InceptionV3 and Xception against Keras 3's own models.

Structure: the same parameter counts, layer names, weight shapes and output shapes as Keras
builds. Weights: a Keras model's weights, saved in the layout of Keras's ImageNet files, load
by `weights=path` and give Keras's predictions.
"""

import contextlib

import numpy as np
import pytest
import torch

import cornu
from cornu.applications import densenet, inception_v3, xception
from cornu.backend import config
from test_vgg_resnet_mobilenet import _build_both, _images, _summary

keras = pytest.importorskip("keras")


@contextlib.contextmanager
def on_meta():
    """Builds cornu and Keras models on the meta device: structure only, no weight memory
    and no initialization (the big EfficientNets and ConvNeXts build in a second)."""
    previous = config._DEVICE
    config.set_device("meta")
    try:
        with torch.device("meta"), keras.device("meta"):
            yield
    finally:
        config.set_device(previous)


def build_both_on_meta(fn, **kwargs):
    with on_meta():
        return _build_both(fn, **kwargs)

# The loading tests below also check the structure of the models they build.
STRUCTURES = [
    ("DenseNet169", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg"}),
    ("DenseNet201", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "max"}),
    ("InceptionV3", {"input_shape": (75, 75, 3), "classes": 10}),
    ("Xception", {"input_shape": (71, 71, 3), "classes": 10,
                  "classifier_activation": None}),
]


@pytest.mark.parametrize("fn, kwargs", STRUCTURES,
                         ids=[f"{fn}-{'-'.join(map(str, kw.values()))}" for fn, kw in STRUCTURES])
def test_structure_matches_keras(fn, kwargs):
    ours, theirs = build_both_on_meta(fn, **kwargs)
    assert ours.name == theirs.name
    assert _summary(ours) == _summary(theirs, keras_model=True)


LOADING = [  # (model function, module, kwargs)
    ("DenseNet121", densenet, {"input_shape": (32, 32, 3)}),
    ("InceptionV3", inception_v3, {"include_top": False, "input_shape": (75, 75, 3),
                                   "pooling": "max"}),
    ("Xception", xception, {"include_top": False, "input_shape": (71, 71, 3),
                            "pooling": "avg"}),
]


@pytest.mark.parametrize("fn, module, kwargs", LOADING, ids=[c[0] for c in LOADING])
def test_weights_file_gives_keras_predictions(fn, module, kwargs, legacy_weights_file):
    theirs = getattr(keras.applications, fn)(weights=None, **kwargs)
    path = legacy_weights_file(theirs, f"{fn}.h5")
    ours = getattr(cornu.applications, fn)(weights=path, **kwargs)
    assert _summary(ours) == _summary(theirs, keras_model=True)
    x = module.preprocess_input(_images(size=kwargs["input_shape"][0]))
    expected = theirs.predict(x, verbose=0)
    got = ours.predict(x, verbose=0)
    scale = float(np.abs(expected).max())
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * scale)


@pytest.mark.parametrize("module, mode", [(densenet, "torch"), (inception_v3, "tf"),
                                          (xception, "tf")])
def test_preprocess_input_uses_the_family_mode(module, mode):
    x = _images()
    expected = getattr(keras.applications, module.__name__.rsplit(".", 1)[1]).preprocess_input(
        x.copy())
    np.testing.assert_allclose(module.preprocess_input(x.copy()), expected, rtol=1e-6)
    np.testing.assert_allclose(
        cornu.applications.imagenet_utils.preprocess_input(x.copy(), mode=mode), expected,
        rtol=1e-6)


@pytest.mark.parametrize("fn, size, minimum", [("InceptionV3", 74, 75), ("Xception", 70, 71)])
def test_minimum_input_size(fn, size, minimum):
    with pytest.raises(ValueError, match=f"at least {minimum}x{minimum}"):
        getattr(cornu.applications, fn)(weights=None, include_top=False,
                                        input_shape=(size, size, 3))


def test_densenet_rejects_channels_first():
    cornu.config.set_image_data_format("channels_first")
    try:
        with pytest.raises(ValueError, match="channels_first"):
            cornu.applications.DenseNet121(weights=None, include_top=False)
    finally:
        cornu.config.set_image_data_format("channels_last")
