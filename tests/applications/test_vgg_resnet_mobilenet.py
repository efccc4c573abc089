"""VGG, ResNet (V1, V2) and MobileNet (V1, V2, V3) against Keras 3's own models.

Structure: the same parameter counts, layer names, weight shapes and output shapes as Keras
builds. Weights: a Keras model's weights saved in the layout of Keras's ImageNet files load by
`weights=path` and by `weights="imagenet"` (served from a local HTTP server) and give Keras's
predictions.
"""

import os
import re
import warnings

import numpy as np
import pytest
import torch

import cornu
from cornu.applications import (imagenet_utils, mobilenet, mobilenet_v2, mobilenet_v3, resnet,
                                resnet_v2, vgg16)
from cornu.layers.core.op_layer import OpLayer
from cornu.utils.file_utils import DownloadError

keras = pytest.importorskip("keras")

SMALL = (32, 32, 3)


def _name(layer):
    # Auto-generated names get process-wide counters (`re_lu_12`); compare without them.
    return re.sub(r"_\d+$", "", layer.name)


def _summary(model, keras_model=False):
    layers = [l for l in model.layers if keras_model or not isinstance(l, OpLayer)]
    return {
        "params": model.count_params(),
        "trainable": sum(int(np.prod(w.shape)) for w in model.trainable_weights),
        "non_trainable": sum(int(np.prod(w.shape)) for w in model.non_trainable_weights),
        "layers": [(_name(l), type(l).__name__) for l in layers],
        "weights": [tuple(w.shape) for w in model.weights],
        "output": tuple(model.output.shape),
    }


def _build_both(fn, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = getattr(cornu.applications, fn)(weights=None, **kwargs)
        theirs = getattr(keras.applications, fn)(weights=None, **kwargs)
    return ours, theirs


STRUCTURES = [
    ("VGG19", {}),  # with the top at 224x224: 143,667,240 parameters
    ("VGG16", {"include_top": False, "input_shape": SMALL, "pooling": "avg"}),
    ("VGG19", {"include_top": False, "input_shape": SMALL}),
    ("ResNet50", {"include_top": False, "input_shape": SMALL}),
    ("ResNet101", {"include_top": False, "input_shape": SMALL, "pooling": "max"}),
    ("ResNet152", {"include_top": False, "input_shape": SMALL}),
    ("ResNet50V2", {"include_top": False, "input_shape": SMALL, "pooling": "avg"}),
    ("ResNet101V2", {"include_top": False, "input_shape": SMALL}),
    ("ResNet152V2", {"include_top": False, "input_shape": SMALL}),
    ("ResNet50", {"input_shape": (64, 64, 3), "classes": 10}),
    ("MobileNet", {"include_top": False, "input_shape": SMALL}),
    ("MobileNet", {"input_shape": (128, 128, 3), "alpha": 0.5, "depth_multiplier": 2,
                   "dropout": 0.3, "classes": 7}),
    ("MobileNetV2", {"include_top": False, "input_shape": SMALL, "pooling": "max"}),
    ("MobileNetV2", {"input_shape": (96, 96, 3), "alpha": 1.4, "classes": 5}),
    ("MobileNetV2", {"include_top": False, "alpha": 0.35}),
    ("MobileNetV3Small", {"include_top": False, "input_shape": SMALL,
                          "include_preprocessing": False}),
    ("MobileNetV3Small", {"input_shape": (64, 64, 3), "alpha": 0.75, "minimalistic": True,
                          "include_preprocessing": False, "classes": 3}),
    ("MobileNetV3Large", {"input_shape": (64, 64, 3), "alpha": 1.25, "dropout_rate": 0.0,
                          "include_preprocessing": False}),
    ("MobileNetV3Large", {"include_top": False, "minimalistic": True, "pooling": "avg",
                          "include_preprocessing": False}),
]


@pytest.mark.parametrize("fn, kwargs", STRUCTURES,
                         ids=[f"{fn}-{'-'.join(map(str, kw.values()))}" for fn, kw in STRUCTURES])
def test_structure_matches_keras(fn, kwargs):
    ours, theirs = _build_both(fn, **kwargs)
    assert ours.name == theirs.name
    assert _summary(ours) == _summary(theirs, keras_model=True)


def test_mobilenet_v3_includes_its_preprocessing():
    if not hasattr(cornu.layers, "Rescaling"):
        pytest.fail("MobileNetV3's default include_preprocessing=True needs "
                    "cornu.layers.Rescaling, which does not exist yet")
    ours, theirs = _build_both("MobileNetV3Small", include_top=False, input_shape=SMALL)
    assert _summary(ours) == _summary(theirs, keras_model=True)
    assert type(ours.layers[1]).__name__ == "Rescaling"


# --- loading Keras's weight files ------------------------------------------------------------

LOADING = [  # (model function, module, kwargs, weight-name style of the published file)
    ("VGG16", vgg16, {"input_shape": SMALL}, "keras1"),
    ("ResNet50", resnet, {"include_top": False, "input_shape": (48, 48, 3)}, "tf2"),
    ("ResNet50V2", resnet_v2, {"input_shape": SMALL}, "tf2"),
    ("MobileNet", mobilenet, {"include_top": False, "input_shape": SMALL}, "tf2"),
    ("MobileNetV2", mobilenet_v2, {"input_shape": SMALL}, "tf2"),
    ("MobileNetV3Small", mobilenet_v3, {"input_shape": SMALL, "include_preprocessing": False},
     "tf2"),
]


def _images(n=2, size=32, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, (n, size, size, 3)).astype("float32")


@pytest.mark.parametrize("fn, module, kwargs, style", LOADING, ids=[c[0] for c in LOADING])
def test_weights_file_gives_keras_predictions(fn, module, kwargs, style, legacy_weights_file):
    theirs = getattr(keras.applications, fn)(weights=None, **kwargs)
    path = legacy_weights_file(theirs, f"{fn}.h5", style)
    ours = getattr(cornu.applications, fn)(weights=path, **kwargs)
    x = _images(size=kwargs["input_shape"][0])
    x = module.preprocess_input(x) if fn != "MobileNetV3Small" else x / 127.5 - 1.0
    expected = theirs.predict(x, verbose=0)
    got = ours.predict(x, verbose=0)
    scale = float(np.abs(expected).max())
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * scale)


def _serve_weights(server, theirs, file_name, legacy_weights_file):
    path = legacy_weights_file(theirs, file_name)
    os.replace(path, server.folder / file_name)
    return imagenet_utils.file_utils.hash_file(server.folder / file_name)


def test_imagenet_weights_download_cache_and_reuse(server, home, monkeypatch,
                                                   legacy_weights_file):
    theirs = keras.applications.VGG16(weights=None, include_top=False, input_shape=SMALL)
    file_name = os.path.basename(vgg16.WEIGHTS_PATH_NO_TOP)
    file_hash = _serve_weights(server, theirs, file_name, legacy_weights_file)
    monkeypatch.setattr(vgg16, "WEIGHTS_PATH_NO_TOP", server.url + file_name)
    monkeypatch.setattr(vgg16, "WEIGHTS_HASH_NO_TOP", file_hash)

    ours = cornu.applications.VGG16(include_top=False, input_shape=SMALL)
    assert os.listdir(home / "models") == [file_name]
    x = vgg16.preprocess_input(_images())
    expected = theirs.predict(x, verbose=0)
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected, rtol=1e-4,
                               atol=1e-4 * float(np.abs(expected).max()))

    server.stop()  # offline now: the cached, verified file is used
    again = cornu.applications.VGG16(include_top=False, input_shape=SMALL)
    for a, b in zip(again.weights, ours.weights):
        torch.testing.assert_close(a.detach(), b.detach())


def test_corrupted_weights_download_raises_and_caches_nothing(server, home, monkeypatch,
                                                              legacy_weights_file):
    theirs = keras.applications.ResNet50(weights=None, include_top=False, input_shape=SMALL)
    file_name = "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"
    _serve_weights(server, theirs, file_name, legacy_weights_file)
    monkeypatch.setattr(resnet, "BASE_WEIGHTS_PATH", server.url)
    # Keras's pinned md5 of the real file, which the served file does not match.
    with pytest.raises(ValueError, match=f"{file_name}.*Expected md5 hash "
                                         f"{resnet.WEIGHTS_HASHES['resnet50'][1]}"):
        cornu.applications.ResNet50(include_top=False, input_shape=SMALL)
    assert os.listdir(home / "models") == []


def test_offline_error_says_where_to_put_the_file(home, monkeypatch):
    from dataset_helpers import closed_port_url
    monkeypatch.setattr(mobilenet_v2, "BASE_WEIGHT_PATH", closed_port_url())
    file_name = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_96_no_top.h5"
    with pytest.raises(DownloadError) as info:
        cornu.applications.MobileNetV2(include_top=False, input_shape=(96, 96, 3))
    message = str(info.value)
    assert file_name in message
    assert os.path.join(str(home), "models", file_name) in message
    assert "weights=" in message


# --- argument checks ---------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, match", [
    ({"weights": "no/such/file.h5"}, r"`weights` argument .* Received: weights='no/such"),
    ({"weights": "imagenet", "classes": 10}, r"`classes` should be 1000. Received: classes=10"),
    ({"weights": None, "include_top": False, "input_shape": (16, 16, 3)},
     r"at least 32x32. Received: input_shape=\(16, 16, 3\)"),
    ({"weights": "imagenet", "input_shape": (64, 64, 3)},
     r"`input_shape` should be \(224, 224, 3\). Received: input_shape=\(64, 64, 3\)"),
    ({"weights": None, "include_top": True, "input_shape": (None, None, 3)},
     r"static `input_shape`"),
    ({"weights": None, "include_top": False, "pooling": "mean"},
     r"`pooling` to be None, 'avg' or 'max'. Received: pooling='mean'"),
    ({"weights": "imagenet", "classifier_activation": "relu", "include_top": True},
     r"classifier_activation='relu'"),
])
def test_model_arguments_are_checked(kwargs, match, home, monkeypatch):
    # Any download attempt would fail loudly; every case must raise before one.
    monkeypatch.setattr(vgg16, "WEIGHTS_PATH", "http://127.0.0.1:9/never")
    with pytest.raises(ValueError, match=match):
        cornu.applications.VGG16(**kwargs)


def test_mobilenet_imagenet_arguments_are_checked():
    with pytest.raises(ValueError, match="depth_multiplier.*Received: depth_multiplier=2"):
        cornu.applications.MobileNet(weights="imagenet", depth_multiplier=2)
    with pytest.raises(ValueError, match="alpha.*Received: alpha=0.3"):
        cornu.applications.MobileNet(weights="imagenet", alpha=0.3)
    with pytest.raises(ValueError, match="alpha.*Received: alpha=0.6"):
        cornu.applications.MobileNetV2(weights="imagenet", alpha=0.6)
    with pytest.raises(ValueError, match="alpha.*Received: alpha=0.75, minimalistic=True"):
        cornu.applications.MobileNetV3Small(weights="imagenet", alpha=0.75, minimalistic=True)
    with pytest.raises(ValueError, match=r"at least 32x32"):
        cornu.applications.MobileNetV3Large(weights=None, input_shape=(16, 16, 3))


def test_input_tensor_builds_on_the_given_graph():
    inputs = cornu.Input((40, 40, 3))
    x = cornu.layers.Conv2D(3, 3, padding="same", name="stem")(inputs)
    model = cornu.applications.MobileNetV2(weights=None, include_top=False, input_tensor=x)
    assert model.inputs[0] is inputs
    assert model.get_layer("stem") is not None
    assert tuple(model.output.shape) == (None, 2, 2, 1280)
    with pytest.raises(ValueError, match="`input_tensor` must be a symbolic tensor"):
        cornu.applications.VGG16(weights=None, input_tensor=torch.zeros(1, 32, 32, 3))
    with pytest.raises(ValueError, match="must match the shape of `input_tensor`"):
        cornu.applications.MobileNetV3Small(weights=None, input_tensor=inputs,
                                            input_shape=(64, 64, 3))


def test_trains_as_a_backbone():
    base = cornu.applications.MobileNetV3Small(weights=None, include_top=False,
                                               input_shape=SMALL, include_preprocessing=False,
                                               pooling="avg")
    base.trainable = False
    outputs = cornu.layers.Dense(2)(base.output)
    model = cornu.Model(base.input, outputs)
    model.compile(optimizer="adam", loss="mse")
    frozen = [w.detach().clone() for w in base.weights]
    head = model.layers[-1].kernel.detach().clone()
    model.fit(_images(4) / 127.5 - 1.0, np.ones((4, 2), "float32"), epochs=1, verbose=0)
    assert all(torch.equal(a, b.detach()) for a, b in zip(frozen, base.weights))
    assert not torch.equal(head, model.layers[-1].kernel.detach())
