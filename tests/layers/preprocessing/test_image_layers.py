"""CenterCrop and Resizing against Keras 3 on the same images."""

import numpy as np
import pytest
import torch

import cornu as keras
from cornu import layers
from layer_test_utils import run_layer_test

RNG = np.random.default_rng(1)
IMAGES = (RNG.random((2, 9, 12, 3)) * 255).astype("float32")


def _keras():
    return pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy()


def _compare(name, kwargs, x, rtol=1e-5, atol=1e-4):
    k = _keras()
    ours, theirs = getattr(layers, name)(**kwargs), getattr(k.layers, name)(**kwargs)
    out, expected = ours(x), k.ops.convert_to_numpy(theirs(x))
    assert str(out.dtype).split(".")[-1] == str(expected.dtype)
    np.testing.assert_allclose(_np(out), expected, rtol=rtol, atol=atol)
    config, their_config = ours.get_config(), theirs.get_config()
    config.pop("name"), their_config.pop("name")
    config.pop("dtype"), their_config.pop("dtype")
    assert config == their_config
    restored = getattr(layers, name).from_config(ours.get_config())
    np.testing.assert_array_equal(_np(restored(x)), _np(out))
    return ours


@pytest.mark.parametrize("kwargs", [
    dict(height=5, width=7), dict(height=4, width=4, interpolation="nearest"),
    dict(height=13, width=10, interpolation="bicubic"), dict(height=5, width=7, antialias=True),
    dict(height=6, width=6, crop_to_aspect_ratio=True),
    dict(height=6, width=4, crop_to_aspect_ratio=True, interpolation="nearest"),
    dict(height=6, width=6, pad_to_aspect_ratio=True, fill_value=3.0),
    dict(height=10, width=4, pad_to_aspect_ratio=True),
])
def test_resizing_matches_keras(kwargs):
    _compare("Resizing", kwargs, IMAGES)
    _compare("Resizing", kwargs, IMAGES[0])  # one unbatched image
    _compare("Resizing", kwargs, IMAGES.astype("uint8"), atol=1)  # rounds back to uint8


def test_resizing_channels_first_and_area():
    _compare("Resizing", dict(height=4, width=5, data_format="channels_first"),
             IMAGES.transpose(0, 3, 1, 2))
    out = layers.Resizing(3, 4, interpolation="area")(IMAGES)
    expected = torch.nn.functional.adaptive_avg_pool2d(
        torch.as_tensor(IMAGES).permute(0, 3, 1, 2), (3, 4)).permute(0, 2, 3, 1)
    np.testing.assert_allclose(_np(out), expected.numpy(), rtol=1e-6)
    run_layer_test(layers.Resizing, dict(height=4, width=5), input_shape=(2, 9, 12, 3),
                   expected_output_shape=(2, 4, 5, 3), expected_num_trainable_weights=0,
                   run_training_check=False)


@pytest.mark.parametrize("kwargs,shape", [
    (dict(height=5, width=7), (2, 9, 12, 3)), (dict(height=4, width=4), (2, 9, 12, 3)),
    (dict(height=10, width=6), (2, 9, 12, 3)),  # taller than the image: crop + resize
    (dict(height=3, width=5, data_format="channels_first"), (2, 3, 8, 9)),
    (dict(height=3, width=5), (8, 9, 3)),
])
def test_center_crop_matches_keras(kwargs, shape):
    _compare("CenterCrop", kwargs, (RNG.random(shape) * 255).astype("float32"))


def test_center_crop_integer_images_and_model():
    ours = _compare("CenterCrop", dict(height=4, width=6), IMAGES.astype("uint8"))
    assert ours(IMAGES.astype("uint8")).dtype == torch.float32
    inputs = keras.Input((None, None, 3))
    outputs = layers.Rescaling(1 / 255)(layers.CenterCrop(4, 6)(layers.Resizing(8, 10)(inputs)))
    assert tuple(outputs.shape) == (None, 4, 6, 3)
    model = keras.Model(inputs, outputs)
    k = _keras()
    expected = k.layers.Rescaling(1 / 255)(k.layers.CenterCrop(4, 6)(
        k.layers.Resizing(8, 10)(IMAGES)))
    np.testing.assert_allclose(model.predict(IMAGES, verbose=0),
                               k.ops.convert_to_numpy(expected), rtol=1e-5, atol=1e-6)


def test_image_layer_errors():
    with pytest.raises(ValueError, match="`height` must be a positive int"):
        layers.Resizing(0, 4)
    with pytest.raises(ValueError, match="`width` must be a positive int"):
        layers.CenterCrop(3, 2.5)
    with pytest.raises(ValueError, match="`interpolation` must be one of"):
        layers.Resizing(3, 3, interpolation="lanczos3")
    with pytest.raises(ValueError, match="only one of"):
        layers.Resizing(3, 3, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="data_format"):
        layers.Resizing(3, 3, data_format="nhwc")
    with pytest.raises(ValueError, match="rank 3 .* or 4"):
        layers.CenterCrop(3, 3)(np.ones((2, 3), "float32"))
