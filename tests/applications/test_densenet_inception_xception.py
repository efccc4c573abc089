"""DenseNet, InceptionV3, Xception, InceptionResNetV2 and NASNet against Keras 3's own models.

Structure: the same parameter counts, layer names, weight shapes and output shapes as Keras
builds. Weights: a Keras model's weights, saved in the layout of Keras's ImageNet files, load
by `weights=path` and give Keras's predictions.
"""

import contextlib
import os
import warnings

import numpy as np
import pytest
import torch

import cornu
from cornu.applications import densenet, inception_resnet_v2, inception_v3, nasnet, xception
from cornu.backend import config
from test_vgg_resnet_mobilenet import _images, _serve_weights, _summary

keras = pytest.importorskip("keras")


def keras_model_fn(fn):
    """Keras's model function `fn`. Keras refuses NASNetMobile on its torch backend; its
    generic `NASNet` builds the same model there (NASNetMobile's arguments)."""
    if fn != "NASNetMobile":
        return getattr(keras.applications, fn)
    from keras.src.applications import nasnet as keras_nasnet

    def mobile(input_shape=None, include_top=True, **kwargs):
        if not include_top and input_shape is None:
            input_shape = (224, 224, 3)
        return keras_nasnet.NASNet(input_shape, penultimate_filters=1056, num_blocks=4,
                                   stem_block_filters=32, skip_reduction=False,
                                   include_top=include_top, default_size=224,
                                   name="nasnet_mobile", **kwargs)
    return mobile


def _build_both(fn, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = getattr(cornu.applications, fn)(weights=None, **kwargs)
        theirs = keras_model_fn(fn)(weights=None, **kwargs)
    return ours, theirs


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
    ("InceptionResNetV2", {}),  # with the top at 299x299: 55,873,736 parameters
    ("InceptionResNetV2", {"include_top": False, "input_shape": (75, 75, 3), "pooling": "avg"}),
    ("InceptionResNetV2", {"include_top": False}),
    ("NASNetMobile", {}),  # with the top at 224x224: 5,326,716 parameters
    ("NASNetMobile", {"include_top": False, "pooling": "max"}),
    ("NASNetLarge", {}),  # with the top at 331x331: 88,949,818 parameters
    ("NASNetLarge", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg"}),
    ("NASNetLarge", {"include_top": False, "input_shape": (96, 96, 3)}),
]


def _case_id(fn, kwargs=None):
    """`module-Model-args`, so that `-k` also selects a family by its module name."""
    args = "".join(f"-{v}" for v in (kwargs or {}).values())
    return f"{cornu.applications._MODELS[fn]}-{fn}{args}"


@pytest.mark.parametrize("fn, kwargs", STRUCTURES, ids=[_case_id(*c) for c in STRUCTURES])
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
    ("InceptionResNetV2", inception_resnet_v2, {"include_top": False,
                                                "input_shape": (75, 75, 3), "pooling": "max"}),
    ("NASNetMobile", nasnet, {"input_shape": (32, 32, 3), "classes": 10}),
    # NASNetLarge: structure only above (a weights round trip takes over 30 s on 2 cores).
]


@pytest.mark.parametrize("fn, module, kwargs", LOADING, ids=[_case_id(c[0]) for c in LOADING])
def test_weights_file_gives_keras_predictions(fn, module, kwargs, legacy_weights_file):
    theirs = keras_model_fn(fn)(weights=None, **kwargs)
    path = legacy_weights_file(theirs, f"{fn}.h5")
    ours = getattr(cornu.applications, fn)(weights=path, **kwargs)
    assert _summary(ours) == _summary(theirs, keras_model=True)
    x = module.preprocess_input(_images(size=kwargs["input_shape"][0]))
    expected = theirs.predict(x, verbose=0)
    got = ours.predict(x, verbose=0)
    scale = float(np.abs(expected).max())
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * scale)


@pytest.mark.parametrize("module, mode", [(densenet, "torch"), (inception_v3, "tf"),
                                          (xception, "tf"), (inception_resnet_v2, "tf"),
                                          (nasnet, "tf")])
def test_preprocess_input_uses_the_family_mode(module, mode):
    x = _images()
    expected = getattr(keras.applications, module.__name__.rsplit(".", 1)[1]).preprocess_input(
        x.copy())
    np.testing.assert_allclose(module.preprocess_input(x.copy()), expected, rtol=1e-6)
    np.testing.assert_allclose(
        cornu.applications.imagenet_utils.preprocess_input(x.copy(), mode=mode), expected,
        rtol=1e-6)


MINIMUM_SIZES = [("InceptionV3", 74, 75), ("Xception", 70, 71),
                 ("InceptionResNetV2", 74, 75), ("NASNetMobile", 31, 32),
                 ("NASNetLarge", 31, 32)]


@pytest.mark.parametrize("fn, size, minimum", MINIMUM_SIZES,
                         ids=[_case_id(c[0]) for c in MINIMUM_SIZES])
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


@pytest.mark.parametrize("fn", ["NASNetMobile", "NASNetLarge"])
def test_nasnet_rejects_channels_first(fn):
    cornu.config.set_image_data_format("channels_first")
    try:
        with pytest.raises(ValueError, match="channels_first"):
            getattr(cornu.applications, fn)(weights=None, include_top=False)
    finally:
        cornu.config.set_image_data_format("channels_last")


def test_nasnet_input_shape_rules():
    with on_meta():
        # Without the top, NASNetMobile still defaults to 224x224 (NASNetLarge to any size).
        assert cornu.applications.NASNetMobile(weights=None, include_top=False).input_shape \
            == (None, 224, 224, 3)
        assert cornu.applications.NASNetLarge(weights=None, include_top=False).input_shape \
            == (None, None, None, 3)
        assert cornu.applications.NASNetLarge(weights=None).input_shape == (None, 331, 331, 3)
    with pytest.raises(ValueError, match="static"):
        cornu.applications.NASNetMobile(include_top=False, input_shape=(None, None, 3))
    with pytest.raises(ValueError, match="should be 1000"):
        cornu.applications.NASNetLarge(classes=10)


def test_inception_resnet_v2_and_nasnet_weight_files():
    base = "https://storage.googleapis.com/tensorflow/keras-applications/"
    irv2 = inception_resnet_v2
    assert irv2.BASE_WEIGHT_URL + irv2.WEIGHTS_FNAME_NO_TOP == (
        base + "inception_resnet_v2/inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_"
        "notop.h5")
    assert (irv2.WEIGHTS_HASH, irv2.WEIGHTS_HASH_NO_TOP) == (
        "e693bd0210a403b3192acc6073ad2e96", "d19885ff4a710c122648d3b5c3b684e4")
    assert nasnet._WEIGHT_FILES[224][0] == (base + "nasnet/NASNet-mobile.h5", "nasnet_mobile.h5",
                                            "020fb642bf7360b370c678b08e0adf61")
    assert nasnet._WEIGHT_FILES[331][1] == (base + "nasnet/NASNet-large-no-top.h5",
                                            "nasnet_large_no_top.h5",
                                            "d81d89dc07e6e56530c4e77faddd61b5")


def test_nasnet_imagenet_weights_download(server, home, monkeypatch, legacy_weights_file):
    kwargs = {"include_top": False, "input_shape": (32, 32, 3)}
    theirs = keras_model_fn("NASNetMobile")(weights=None, **kwargs)
    file_hash = _serve_weights(server, theirs, "NASNet-mobile-no-top.h5", legacy_weights_file)
    top = nasnet._WEIGHT_FILES[224][0]
    monkeypatch.setitem(nasnet._WEIGHT_FILES, 224, (top, (
        server.url + "NASNet-mobile-no-top.h5", "nasnet_mobile_no_top.h5", file_hash)))
    ours = cornu.applications.NASNetMobile(**kwargs)
    assert os.listdir(home / "models") == ["nasnet_mobile_no_top.h5"]
    x = nasnet.preprocess_input(_images(size=32))
    expected = theirs.predict(x, verbose=0)
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected, rtol=1e-4,
                               atol=1e-4 * float(np.abs(expected).max()))


def test_inception_resnet_v2_scale_layer_round_trips():
    layer = inception_resnet_v2.CustomScaleLayer(0.17, name="scale")
    again = inception_resnet_v2.CustomScaleLayer.from_config(layer.get_config())
    assert again.scale == 0.17 and again.name == "scale"
    a, b = torch.ones(2, 3), torch.full((2, 3), 2.0)
    torch.testing.assert_close(again([a, b]), a + 0.34 * torch.ones(2, 3))
