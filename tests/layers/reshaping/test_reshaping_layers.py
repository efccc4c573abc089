import os

import numpy as np
import pytest
import torch

from cornu import layers
from layer_test_utils import run_layer_test

os.environ.setdefault("KERAS_BACKEND", "torch")


def _keras_parity(name, kwargs, x, atol=1e-6):
    keras = pytest.importorskip("keras")
    expected = keras.ops.convert_to_numpy(getattr(keras.layers, name)(**kwargs)(x))
    ours = getattr(layers, name)(**kwargs)(x).detach().numpy()
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=atol)


RNG = np.random.default_rng(0)
X3 = RNG.standard_normal((2, 5, 3)).astype("float32")
X4 = RNG.standard_normal((2, 5, 6, 3)).astype("float32")
X5 = RNG.standard_normal((2, 4, 5, 6, 3)).astype("float32")

CASES = [
    ("Permute", {"dims": (2, 1)}, X3, (2, 3, 5)),
    ("Permute", {"dims": (3, 1, 2)}, X4, (2, 3, 5, 6)),
    ("RepeatVector", {"n": 3}, X3[:, 0], (2, 3, 3)),
    ("UpSampling1D", {"size": 3}, X3, (2, 15, 3)),
    ("UpSampling2D", {"size": (2, 3)}, X4, (2, 10, 18, 3)),
    ("UpSampling2D", {"size": 2, "data_format": "channels_first"}, X4, (2, 5, 12, 6)),
    ("UpSampling2D", {"size": (2, 3), "interpolation": "bilinear"}, X4, (2, 10, 18, 3)),
    ("UpSampling2D", {"size": 2, "interpolation": "bilinear", "data_format": "channels_first"},
     X4, (2, 5, 12, 6)),
    ("UpSampling2D", {"size": 2, "interpolation": "bicubic"}, X4, (2, 10, 12, 3)),
    ("UpSampling3D", {"size": (1, 2, 3)}, X5, (2, 4, 10, 18, 3)),
    ("UpSampling3D", {"size": 2, "data_format": "channels_first"}, X5, (2, 4, 10, 12, 6)),
    ("ZeroPadding1D", {"padding": (1, 2)}, X3, (2, 8, 3)),
    ("ZeroPadding1D", {"padding": 1, "data_format": "channels_first"}, X3, (2, 5, 5)),
    ("ZeroPadding2D", {"padding": ((1, 0), (2, 3))}, X4, (2, 6, 11, 3)),
    ("ZeroPadding2D", {"padding": (1, 2), "data_format": "channels_first"}, X4, (2, 5, 8, 7)),
    ("ZeroPadding3D", {"padding": 1}, X5, (2, 6, 7, 8, 3)),
    ("ZeroPadding3D", {"padding": ((0, 1), (2, 0), (1, 1)), "data_format": "channels_first"},
     X5, (2, 4, 6, 8, 5)),
    ("Cropping1D", {"cropping": (1, 2)}, X3, (2, 2, 3)),
    ("Cropping1D", {"cropping": 2}, X3, (2, 1, 3)),
    ("Cropping2D", {"cropping": ((1, 0), (2, 3))}, X4, (2, 4, 1, 3)),
    ("Cropping2D", {"cropping": 1, "data_format": "channels_first"}, X4, (2, 5, 4, 1)),
    ("Cropping3D", {"cropping": 1}, X5, (2, 2, 3, 4, 3)),
    ("Cropping3D", {"cropping": ((0, 1), (2, 0), (1, 1)), "data_format": "channels_first"},
     X5, (2, 4, 4, 4, 1)),
]


@pytest.mark.parametrize("name,kwargs,x,shape", CASES)
def test_reshaping_layer(name, kwargs, x, shape):
    run_layer_test(getattr(layers, name), kwargs, input_data=x, expected_output_shape=shape,
                   expected_num_trainable_weights=0)
    _keras_parity(name, kwargs, x, atol=1e-5)


def test_symbolic_shapes_keep_unknown_dims():
    import cornu
    x = cornu.Input(shape=(None, 3))
    assert tuple(layers.UpSampling1D(2)(x).shape) == (None, None, 3)
    assert tuple(layers.ZeroPadding1D(2)(x).shape) == (None, None, 3)
    assert tuple(layers.Cropping1D(1)(x).shape) == (None, None, 3)
    y = cornu.Input(shape=(4, None, 3))
    assert tuple(layers.UpSampling2D(2)(y).shape) == (None, 8, None, 3)
    assert tuple(layers.Permute((3, 1, 2))(y).shape) == (None, 3, 4, None)


def test_bad_arguments():
    with pytest.raises(ValueError, match="dims"):
        layers.Permute((0, 1))
    with pytest.raises(ValueError, match="`n`"):
        layers.RepeatVector(0)
    with pytest.raises(ValueError, match="size"):
        layers.UpSampling2D(size=(0, 2))
    with pytest.raises(ValueError, match="interpolation"):
        layers.UpSampling2D(interpolation="lanczos3")
    with pytest.raises(ValueError, match="padding"):
        layers.ZeroPadding2D(padding=(1, 2, 3))
    with pytest.raises(ValueError, match="cropping"):
        layers.Cropping2D(cropping=-1)
    with pytest.raises(ValueError, match="cropping"):
        layers.Cropping1D(3)(torch.zeros(2, 5, 3))
    with pytest.raises(ValueError, match="rank 3"):
        layers.UpSampling1D(2)(torch.zeros(2, 3))
