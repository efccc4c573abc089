"""Fixtures for the applications tests: a local HTTP server, an empty cache, and Keras weight
files written in the legacy layout of Keras's published ImageNet files."""

import os
import sys

import h5py
import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "datasets"))
from dataset_helpers import LocalServer  # noqa: E402  (the data set tests' HTTP server)


@pytest.fixture
def server(tmp_path):
    folder = tmp_path / "served"
    folder.mkdir()
    srv = LocalServer(folder)
    yield srv
    srv.stop()


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty cache root ($CORNU_HOME), and no class index loaded yet."""
    from cornu.applications import imagenet_utils
    path = tmp_path / "home"
    monkeypatch.setenv("CORNU_HOME", str(path))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    return path


def randomize_keras_weights(model, seed=0):
    """Gives a Keras model non-trivial BN statistics and biases (kernels keep their init)."""
    rng = np.random.default_rng(seed)
    for w in model.weights:
        name, shape = w.path.rsplit("/", 1)[-1], tuple(w.shape)
        if name in ("gamma", "moving_variance"):
            w.assign(rng.uniform(0.5, 1.5, shape).astype("float32"))
        elif name in ("beta", "moving_mean", "bias"):
            w.assign(rng.normal(0.0, 0.1, shape).astype("float32"))


def write_legacy_weights(model, path, style="tf2"):
    """Writes a Keras model's weights as Keras's ImageNet `.h5` files lay them out.

    Root attributes `layer_names`, `backend`, `keras_version`; one group per layer with a
    `weight_names` attribute. Keras 3's legacy writer names weights `layer/kernel`; the
    published files were written by tf.keras 2 (`layer/kernel:0`, style "tf2") or, for the
    oldest ones such as VGG's, by Keras 1 (`layer_W_1:0`, `layer_b_1:0`, style "keras1").
    """
    from keras.src.legacy.saving import legacy_h5_format
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
        for layer_name in f.attrs["layer_names"]:
            group = f[layer_name.decode() if isinstance(layer_name, bytes) else layer_name]
            old = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
            if style == "keras1":
                suffix = {"kernel": "W", "bias": "b"}
                new = [f"{group.name[1:]}_{suffix[n.rsplit('/', 1)[1]]}_1:0" for n in old]
            else:
                new = [f"{n}:0" for n in old]
            for o, n in zip(old, new):
                group.move(o, n)
            group.attrs["weight_names"] = np.array([n.encode() for n in new])
    return path


@pytest.fixture
def legacy_weights_file(tmp_path):
    """`make(keras_model, name, style="tf2")`: randomizes the model and writes its weights."""
    def make(model, name, style="tf2"):
        randomize_keras_weights(model)
        return write_legacy_weights(model, str(tmp_path / name), style)
    return make
