"""ContrastLimitedAdaptiveHistogramEqualization against Keras 3's layer (torch backend).

Keras 3.15's torch backend departs from Keras's own algorithm in two places: its histograms
are int64 (`one_hot` without a dtype), which truncates a fractional clip limit
(`clip_limit * tile_pixels / 256`) to an int, and its `pad(mode="symmetric")` replicates the
edge instead. Where neither applies (whole limits, image sizes divisible by the grid) the
layers are compared directly; elsewhere against Keras's layer running the documented
algorithm: float32 histograms, as Keras's other backends compute them, on images padded
beforehand with NumPy's symmetric padding (so Keras pads nothing) and cropped back.
"""

import json

import numpy as np
import pytest

import cornu
from cornu import layers
from layer_test_utils import run_layer_test

NAME = "ContrastLimitedAdaptiveHistogramEqualization"
RNG = np.random.default_rng(31)


def _keras():
    return pytest.importorskip("keras")


def _images(shape, value_range=(0, 255), dtype="float32"):
    x = RNG.integers(0, 256, shape)
    if dtype == "uint8":
        return x.astype("uint8")
    low, high = value_range
    return (x / 255 * (high - low) + low).astype(dtype)


def _to_channels_first(x):
    return np.moveaxis(x, -1, -3).copy()


@pytest.fixture
def float_histograms(monkeypatch):
    """Keras's torch `one_hot` returning float32, as on Keras's other backends."""
    _keras()
    from keras.src.backend.torch import nn as torch_nn
    original = torch_nn.one_hot

    def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
        return original(x, num_classes, axis=axis, dtype=dtype or "float32", sparse=sparse)

    monkeypatch.setattr(torch_nn, "one_hot", one_hot)


def _keras_reference(x, kwargs, data_format):
    """Keras's layer on `x` padded symmetrically to whole tiles, cropped back."""
    k = _keras()
    grid_h, grid_w = kwargs.get("tile_grid_size", (8, 8))
    if data_format == "channels_last":
        height, width = x.shape[-3], x.shape[-2]
    else:
        height, width = x.shape[-2], x.shape[-1]
    pad_h = -(-height // grid_h) * grid_h - height
    pad_w = -(-width // grid_w) * grid_w - width
    spatial = [(0, pad_h), (0, pad_w)]
    pads = spatial + [(0, 0)] if data_format == "channels_last" else [(0, 0)] + spatial
    pads = [(0, 0)] * (x.ndim - 3) + pads
    out = k.ops.convert_to_numpy(getattr(k.layers, NAME)(data_format=data_format, **kwargs)(
        np.pad(x, pads, mode="symmetric")))
    return out[..., :height, :width, :] if data_format == "channels_last" else \
        out[..., :height, :width]


def _check(out, expected):
    assert str(out.dtype).split(".")[-1] == str(expected.dtype)
    assert tuple(out.shape) == expected.shape
    if expected.dtype == np.uint8:
        np.testing.assert_array_equal(out.numpy(), expected)
    else:
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-4)


# Whole clip limits and sizes divisible by the grid: Keras's torch layer as it is.
DIRECT = [
    ((2, 32, 32, 3), dict(tile_grid_size=(4, 4))),                 # limit 4 * 64 / 256 = 1
    ((2, 64, 64, 3), dict()),                                       # 8x8 tiles: 1
    ((3, 24, 32, 1), dict(clip_limit=8.0, tile_grid_size=(3, 4))),  # 8 * 64 / 256 = 2
    ((2, 16, 16, 3), dict(clip_limit=0)),                           # no clipping
    ((2, 16, 16, 3), dict(clip_limit=-1.0, tile_grid_size=(2, 4))),
    ((2, 40, 40, 3), dict(clip_limit=2.56, tile_grid_size=(4, 4))),  # 2.56 * 100 / 256 = 1
]


@pytest.mark.parametrize("shape,kwargs", DIRECT)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "uint8"])
def test_matches_keras(shape, kwargs, data_format, batched, dtype):
    k = _keras()
    x = _images(shape, dtype=dtype)
    if not batched:
        x = x[0]
    if data_format == "channels_first":
        x = _to_channels_first(x)
    expected = k.ops.convert_to_numpy(getattr(k.layers, NAME)(data_format=data_format,
                                                              **kwargs)(x))
    _check(getattr(layers, NAME)(data_format=data_format, **kwargs)(x), expected)


def test_matches_keras_in_unit_value_range():
    k = _keras()
    kwargs = dict(value_range=(0, 1), tile_grid_size=(4, 4))
    x = _images((2, 32, 32, 3), value_range=(0, 1))
    expected = k.ops.convert_to_numpy(getattr(k.layers, NAME)(**kwargs)(x))
    _check(getattr(layers, NAME)(**kwargs)(x), expected)
    assert float(np.abs(expected - x).max()) > 0.05  # the layer did change the images


REFERENCE = [
    ((2, 16, 24, 3), dict()),
    ((2, 13, 11, 3), dict(tile_grid_size=(4, 3), clip_limit=2.5)),
    ((1, 32, 32, 1), dict(clip_limit=2.0, tile_grid_size=(4, 4))),
    ((3, 20, 12, 2), dict(value_range=(0, 1), tile_grid_size=(5, 4))),
    ((2, 3, 5, 3), dict()),                                  # padding larger than the image
    ((2, 40, 30, 3), dict(clip_limit=1.5, tile_grid_size=(3, 7))),
    ((2, 17, 19, 3), dict(value_range=(-1, 1), clip_limit=3.0, tile_grid_size=(2, 5))),
]


@pytest.mark.parametrize("shape,kwargs", REFERENCE)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("batched", [True, False])
def test_matches_keras_algorithm(float_histograms, shape, kwargs, data_format, batched):
    x = _images(shape, value_range=kwargs.get("value_range", (0, 255)))
    if not batched:
        x = x[0]
    if data_format == "channels_first":
        x = _to_channels_first(x)
    layer = getattr(layers, NAME)(data_format=data_format, **kwargs)
    _check(layer(x), _keras_reference(x, kwargs, data_format))
    if "value_range" not in kwargs:
        xu = _images(shape, dtype="uint8")
        xu = xu if batched else xu[0]
        xu = _to_channels_first(xu) if data_format == "channels_first" else xu
        _check(layer(xu), _keras_reference(xu, kwargs, data_format))


def test_fractional_clip_limit_counts(float_histograms):
    # 4x4 tiles: limit 4 * 16 / 256 = 0.25 of a pixel per bin. Keras's torch backend
    # truncates it to 0, which flattens every histogram (an identity map here).
    kwargs = dict(tile_grid_size=(2, 2))
    x = _images((2, 8, 8, 3))
    out = getattr(layers, NAME)(**kwargs)(x)
    _check(out, _keras_reference(x, kwargs, "channels_last"))
    assert float(np.abs(out.numpy() - x).max()) > 1.0


def test_applied_at_inference_too():
    x = _images((2, 32, 32, 3))
    layer = getattr(layers, NAME)(tile_grid_size=(4, 4))
    np.testing.assert_array_equal(layer(x, training=False).numpy(), layer(x).numpy())
    k = _keras()
    expected = k.ops.convert_to_numpy(getattr(k.layers, NAME)(tile_grid_size=(4, 4))(
        x, training=False))
    _check(layer(x, training=False), expected)


def test_dict_inputs():
    # Keras 3.15 takes a dict of images only; cornu's colour layers pass boxes, labels and
    # masks through.
    k = _keras()
    x = _images((2, 32, 32, 3))
    layer = getattr(layers, NAME)(tile_grid_size=(4, 4), bounding_box_format="xyxy")
    expected = k.ops.convert_to_numpy(getattr(k.layers, NAME)(tile_grid_size=(4, 4))(
        {"images": x})["images"])
    boxes = {"boxes": np.array([[[1.0, 2.0, 9.0, 12.0]]] * 2, "float32"),
             "labels": np.array([[3]] * 2, "int32")}
    masks = RNG.integers(0, 2, (2, 32, 32, 1)).astype("float32")
    out = layer({"images": x, "bounding_boxes": boxes, "labels": np.array([1, 2]),
                 "segmentation_masks": masks})
    _check(out["images"], expected)
    np.testing.assert_array_equal(np.asarray(out["bounding_boxes"]["boxes"]), boxes["boxes"])
    np.testing.assert_array_equal(np.asarray(out["labels"]), [1, 2])
    np.testing.assert_array_equal(np.asarray(out["segmentation_masks"]), masks)


def test_float64_inputs_compute_in_float32():
    x = _images((2, 16, 16, 3)).astype("float64")
    out = getattr(layers, NAME)(tile_grid_size=(2, 2))(x)
    assert str(out.dtype) == "torch.float32"
    np.testing.assert_array_equal(
        out.numpy(), getattr(layers, NAME)(tile_grid_size=(2, 2))(x.astype("float32")).numpy())


def test_run_layer_test():
    run_layer_test(getattr(layers, NAME), dict(tile_grid_size=(2, 3), clip_limit=2.0),
                   input_shape=(2, 6, 9, 3), expected_output_shape=(2, 6, 9, 3),
                   expected_num_trainable_weights=0, run_training_check=False)
    run_layer_test(getattr(layers, NAME), dict(data_format="channels_first"),
                   input_shape=(2, 3, 16, 16), expected_output_shape=(2, 3, 16, 16),
                   expected_num_trainable_weights=0, run_training_check=False)


def _strip(config):
    return {k: v for k, v in config.items() if k not in ("name", "dtype")}


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(value_range=(0, 1), clip_limit=2.5, tile_grid_size=(4, 6),
         data_format="channels_first"),
])
def test_config_matches_keras_and_round_trips(kwargs):
    k = _keras()
    ours, theirs = getattr(layers, NAME)(**kwargs), getattr(k.layers, NAME)(**kwargs)
    assert _strip(ours.get_config()) == _strip(theirs.get_config())
    restored = getattr(layers, NAME).from_config(json.loads(json.dumps(ours.get_config())))
    assert _strip(json.loads(json.dumps(restored.get_config()))) == _strip(
        json.loads(json.dumps(ours.get_config())))
    # Keras's serialized layer loads in cornu, and cornu's in Keras.
    from_keras = cornu.layers.deserialize(json.loads(json.dumps(k.layers.serialize(theirs))))
    assert isinstance(from_keras, getattr(layers, NAME))
    assert _strip(json.loads(json.dumps(from_keras.get_config()))) == _strip(
        json.loads(json.dumps(theirs.get_config())))
    in_keras = k.layers.deserialize(json.loads(json.dumps(cornu.layers.serialize(ours))))
    assert isinstance(in_keras, getattr(k.layers, NAME))
    x = _images((1, 16, 24, 3), value_range=kwargs.get("value_range", (0, 255)))
    if kwargs.get("data_format") == "channels_first":
        x = _to_channels_first(x)
    np.testing.assert_array_equal(restored(x).numpy(), ours(x).numpy())


def test_in_a_saved_model(tmp_path):
    inputs = cornu.Input((32, 32, 3))
    model = cornu.Model(inputs, getattr(layers, NAME)(tile_grid_size=(4, 4))(inputs))
    x = _images((2, 32, 32, 3))
    model.save(tmp_path / "m.keras")
    loaded = cornu.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    k = _keras()
    in_keras = k.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(in_keras.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-4)


def test_errors():
    cls = getattr(layers, NAME)
    with pytest.raises(ValueError, match="value_range"):
        cls(value_range=(0,))
    with pytest.raises(ValueError, match="clip_limit.*Received: clip_limit='4'"):
        cls(clip_limit="4")
    with pytest.raises(ValueError, match="tile_grid_size.*Received: tile_grid_size=8"):
        cls(tile_grid_size=8)
    with pytest.raises(ValueError, match="tile_grid_size"):
        cls(tile_grid_size=(0, 4))
    with pytest.raises(ValueError, match="tile_grid_size"):
        cls(tile_grid_size=(2.5, 4))
    with pytest.raises(ValueError, match="rank"):
        cls()(np.ones((4, 4), "float32"))
