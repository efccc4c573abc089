"""EfficientNet, EfficientNetV2 and ConvNeXt against Keras 3's own models.

Structure (built on the meta device, so the biggest variants cost about a second): the same
parameter counts, layer names, weight shapes and output shapes as Keras builds. Weights: a
Keras model's weights, saved in the layout of Keras's ImageNet files, load by `weights=path`
(and by `weights="imagenet"`, served locally) and give Keras's predictions.
"""

import os

import numpy as np
import pytest
import torch

import cornu
from cornu.applications import convnext, efficientnet, efficientnet_v2
from test_densenet_inception_xception import build_both_on_meta, on_meta
from test_vgg_resnet_mobilenet import _images, _summary

keras = pytest.importorskip("keras")

SMALL = {"include_top": False, "input_shape": (32, 32, 3)}
# Every architecture once (B0, V2B0 and Tiny in the loading tests below), most without the top
# at 32x32; each family also with the top, with max / avg pooling and without its built-in
# preprocessing.
STRUCTURES = [
    ("EfficientNetB1", {"include_top": False, "pooling": "max"}),
    ("EfficientNetB2", SMALL),
    ("EfficientNetB3", {}),  # with the top, at its default 300x300
    *[(f"EfficientNetB{i}", SMALL) for i in range(4, 8)],
    ("EfficientNetV2B1", {**SMALL, "include_preprocessing": False}),
    ("EfficientNetV2B2", {"classes": 10, "classifier_activation": None}),
    ("EfficientNetV2B3", SMALL),
    ("EfficientNetV2S", {"include_top": False, "include_preprocessing": False,
                         "pooling": "avg"}),
    ("EfficientNetV2M", SMALL),
    ("EfficientNetV2L", SMALL),
    ("ConvNeXtSmall", {"classes": 10}),
    ("ConvNeXtBase", {**SMALL, "pooling": "avg", "include_preprocessing": False}),
    ("ConvNeXtLarge", SMALL),
    ("ConvNeXtXLarge", SMALL),
]


@pytest.mark.parametrize("fn, kwargs", STRUCTURES,
                         ids=[f"{fn}-{'-'.join(map(str, kw.values()))}" for fn, kw in STRUCTURES])
def test_structure_matches_keras(fn, kwargs):
    ours, theirs = build_both_on_meta(fn, **kwargs)
    assert ours.name == theirs.name
    assert _summary(ours) == _summary(theirs, keras_model=True)


def test_convnext_with_stochastic_depth_matches_keras():
    from keras.src.applications import convnext as keras_convnext
    kwargs = dict(depths=[1, 2, 2, 1], projection_dims=[8, 16, 24, 32], drop_path_rate=0.3,
                  layer_scale_init_value=None, name="tiny_convnext", input_shape=(32, 32, 3),
                  classes=5)
    with on_meta():
        ours = convnext.ConvNeXt(**kwargs)
        theirs = keras_convnext.ConvNeXt(**kwargs)
    assert _summary(ours) == _summary(theirs, keras_model=True)
    kinds = {type(layer).__name__ for layer in ours.layers}
    assert "StochasticDepth" in kinds and "LayerScale" not in kinds


LOADING = [  # (model function, kwargs)
    ("EfficientNetB0", {"input_shape": (32, 32, 3)}),
    ("EfficientNetV2B0", {"include_top": False, "input_shape": (32, 32, 3), "pooling": "avg"}),
    ("ConvNeXtTiny", {"include_top": False, "input_shape": (32, 32, 3)}),
]


def _assert_same_predictions(ours, theirs, x):
    expected = theirs.predict(x, verbose=0)
    got = ours.predict(x, verbose=0)
    scale = float(np.abs(expected).max())
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * scale)


@pytest.mark.parametrize("fn, kwargs", LOADING, ids=[c[0] for c in LOADING])
def test_weights_file_gives_keras_predictions(fn, kwargs, legacy_weights_file):
    theirs = getattr(keras.applications, fn)(weights=None, **kwargs)
    for layer in theirs.layers:  # give the input normalization non-trivial statistics
        if type(layer).__name__ == "Normalization" and layer.weights:
            layer.adapt_mean.assign(np.array([120.0, 110.0, 100.0], "float32") / 255.0)
            layer.adapt_variance.assign(np.array([0.05, 0.06, 0.07], "float32"))
    path = legacy_weights_file(theirs, f"{fn}.h5")
    ours = getattr(cornu.applications, fn)(weights=path, **kwargs)
    assert _summary(ours) == _summary(theirs, keras_model=True)
    x = _images(size=kwargs["input_shape"][0])  # pixels in [0, 255]: no preprocess_input
    _assert_same_predictions(ours, theirs, x)


def test_efficientnet_imagenet_weights_rescale_the_normalized_input(
        server, home, monkeypatch, legacy_weights_file):
    """With `weights="imagenet"`, Keras adds a Rescaling after the Normalization (the files
    hold standard deviations where variances belong): the same model and predictions."""
    kwargs = {"include_top": False, "input_shape": (32, 32, 3)}
    path = legacy_weights_file(keras.applications.EfficientNetB0(weights=None, **kwargs),
                               "efficientnetb0_notop.h5")
    os.replace(path, server.folder / "efficientnetb0_notop.h5")
    file_hash = cornu.utils.file_utils.hash_file(server.folder / "efficientnetb0_notop.h5")
    monkeypatch.setattr(efficientnet, "BASE_WEIGHTS_PATH", server.url)
    monkeypatch.setitem(efficientnet.WEIGHTS_HASHES, "b0", ("unused", file_hash))
    ours = cornu.applications.EfficientNetB0(weights="imagenet", **kwargs)
    assert os.listdir(home / "models") == ["efficientnetb0_notop.h5"]

    from keras.src.utils import file_utils as keras_file_utils
    monkeypatch.setattr(keras_file_utils, "get_file",
                        lambda *args, **kw: str(home / "models" / "efficientnetb0_notop.h5"))
    theirs = keras.applications.EfficientNetB0(weights="imagenet", **kwargs)
    assert _summary(ours) == _summary(theirs, keras_model=True)
    assert [type(layer).__name__ for layer in ours.layers[1:4]] == [
        "Rescaling", "Normalization", "Rescaling"]
    _assert_same_predictions(ours, theirs, _images())


@pytest.mark.parametrize("module", [efficientnet, efficientnet_v2, convnext])
def test_preprocess_input_is_the_identity(module):
    x = _images()
    assert module.preprocess_input(x) is x
    assert module.decode_predictions is not None


def test_stochastic_depth_drops_whole_samples_in_training_only():
    layer = convnext.StochasticDepth(0.5)
    x = torch.ones(400, 2, 2, 3)
    assert layer(x) is x
    y = layer(x, training=True)
    per_sample = y.reshape(400, -1)
    assert set(per_sample.unique().tolist()) <= {0.0, 2.0}
    assert torch.all(per_sample.min(1).values == per_sample.max(1).values)
    assert 120 < int((per_sample[:, 0] == 0).sum()) < 280
    with pytest.raises(ValueError, match=r"drop_path_rate.*Received: drop_path_rate=1.5"):
        convnext.StochasticDepth(1.5)


def test_layer_scale_and_stochastic_depth_configs_round_trip():
    scale = convnext.LayerScale(0.5, 4, name="scale")
    out = scale(torch.ones(2, 3, 4))
    torch.testing.assert_close(out, torch.full((2, 3, 4), 0.5))
    assert [w.name for w in scale.weights] == ["variable"]
    again = convnext.LayerScale.from_config(scale.get_config())
    assert (again.init_values, again.projection_dim, again.name) == (0.5, 4, "scale")
    depth = convnext.StochasticDepth.from_config(convnext.StochasticDepth(0.2).get_config())
    assert depth.drop_path_rate == 0.2


def test_convnext_saves_and_loads_as_keras_file(tmp_path):
    """LayerScale and StochasticDepth are written under Keras's module and found on loading."""
    model = convnext.ConvNeXt([1, 1, 1, 1], [8, 16, 24, 32], drop_path_rate=0.1,
                              include_preprocessing=False, input_shape=(32, 32, 3), classes=3)
    model.save(tmp_path / "convnext.keras")
    again = cornu.models.load_model(tmp_path / "convnext.keras")
    layer = again.get_layer("convnext_stage_3_block_0_layer_scale")
    assert type(layer) is convnext.LayerScale
    assert type(again.get_layer("convnext_stage_3_block_0_stochastic_depth")) is \
        convnext.StochasticDepth
    x = _images()
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("fn, kwargs, match", [
    ("ConvNeXtTiny", {"weights": "imagenet", "classes": 10}, r"classes=10"),
    ("EfficientNetB0", {"weights": None, "include_top": False, "input_shape": (16, 16, 3)},
     r"at least 32x32"),
    ("EfficientNetV2S", {"weights": "imagenet", "input_shape": (224, 224, 3)},
     r"`input_shape` should be \(384, 384, 3\)"),
])
def test_model_arguments_are_checked(fn, kwargs, match):
    with pytest.raises(ValueError, match=match):
        getattr(cornu.applications, fn)(**kwargs)


def test_imagenet_convnext_needs_its_architecture():
    with pytest.raises(ValueError, match=r"need depths \[3, 3, 9, 3\].*depths=\[1, 1, 1, 1\]"):
        convnext.ConvNeXt([1, 1, 1, 1], [96, 192, 384, 768], weights="imagenet",
                          weights_name="convnext_tiny")


def test_convnext_rejects_channels_first():
    cornu.config.set_image_data_format("channels_first")
    try:
        with pytest.raises(ValueError, match="channels_first"):
            cornu.applications.ConvNeXtTiny(weights=None, include_top=False)
    finally:
        cornu.config.set_image_data_format("channels_last")
