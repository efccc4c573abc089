import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest
import torch

import cornu
from cornu import layers
from layer_test_utils import run_layer_test

GLOBAL = ["GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
          "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D"]
SHAPES = {"1D": (2, 5, 3), "2D": (2, 4, 5, 3), "3D": (2, 3, 4, 2, 3)}


@pytest.mark.parametrize("name", GLOBAL)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_global_pooling(name, data_format, keepdims):
    keras = pytest.importorskip("keras")
    shape = SHAPES[name[-2:]]
    kwargs = {"data_format": data_format, "keepdims": keepdims}
    _, out = run_layer_test(getattr(layers, name), kwargs, input_shape=shape,
                            expected_num_trainable_weights=0)
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    expected = keras.ops.convert_to_numpy(getattr(keras.layers, name)(**kwargs)(x))
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    sym = (None,) + shape[1:]
    ref_sym = tuple(getattr(keras.layers, name)(**kwargs)(keras.Input(batch_shape=sym)).shape)
    assert tuple(getattr(layers, name)(**kwargs)(cornu.Input(batch_shape=sym)).shape) == ref_sym


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_average_pooling1d_mask(data_format):
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(0).standard_normal((3, 5, 4)).astype("float32")
    mask = np.array([[1, 1, 0, 0, 0], [1, 1, 1, 1, 1], [0, 1, 0, 1, 0]], bool)
    if data_format == "channels_first":
        x = np.ascontiguousarray(x.transpose(0, 2, 1))
    layer = layers.GlobalAveragePooling1D(data_format=data_format)
    ref = keras.layers.GlobalAveragePooling1D(data_format=data_format)
    out = layer(x, mask=torch.tensor(mask)).numpy()
    expected = keras.ops.convert_to_numpy(ref(x, mask=mask))
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    run_layer_test(layers.GlobalAveragePooling1D, {"data_format": data_format},
                   input_data=x, call_kwargs={"mask": mask}, supports_masking=True,
                   run_symbolic_check=False)


def test_global_average_pooling1d_consumes_an_embedding_mask():
    emb = layers.Embedding(10, 4, mask_zero=True)
    tokens = np.array([[3, 5, 0, 0], [1, 2, 3, 4]])
    vectors = emb(tokens)
    out = layers.GlobalAveragePooling1D()(vectors)
    expected = [vectors[0, :2].mean(0).detach().numpy(), vectors[1].mean(0).detach().numpy()]
    np.testing.assert_allclose(out.detach().numpy(), np.stack(expected), rtol=1e-6)
    assert getattr(out, "_keras_mask", None) is None


def test_aliases():
    assert layers.GlobalMaxPool1D is layers.GlobalMaxPooling1D
    assert layers.GlobalMaxPool2D is layers.GlobalMaxPooling2D
    assert layers.GlobalMaxPool3D is layers.GlobalMaxPooling3D
    assert layers.GlobalAvgPool1D is layers.GlobalAveragePooling1D
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D
    assert layers.GlobalAvgPool3D is layers.GlobalAveragePooling3D


def test_clear_errors():
    with pytest.raises(ValueError, match=r"gap.*rank 4.*rank 3"):
        layers.GlobalAveragePooling2D(name="gap")(np.zeros((2, 4, 3), "float32"))
    with pytest.raises(ValueError, match="mask of shape"):
        layers.GlobalAveragePooling1D()(np.zeros((2, 4, 3), "float32"),
                                        mask=torch.ones(2, 3, dtype=torch.bool))
