"""Random image augmentation layers against Keras 3 (torch backend) on the same images.

Randomness is pinned by factor ranges of zero width (`RandomRotation(factor=(0.25, 0.25))`
turns by exactly 90 degrees, `RandomZoom((a, a))` zooms by `a`, ...), so outputs can be
compared value by value. Tolerance: rtol 1e-5 / atol 1e-3 on pixel values in [0, 255]
(float32 sampling coordinates may differ in the last bit; the observed difference is 0).
Test images have odd sides, so no "nearest" sample falls exactly between two pixels.
"""

import numpy as np
import pytest
import torch

import cornu as keras
from cornu import layers
from layer_test_utils import run_layer_test

RNG = np.random.default_rng(7)
IMAGES = (RNG.random((2, 7, 9, 3)) * 255).astype("float32")
SQUARE = (RNG.random((3, 9, 9, 2)) * 255).astype("float32")
FILL_MODES = ["reflect", "wrap", "constant", "nearest"]
INTERPOLATIONS = ["bilinear", "nearest"]
ATOL = 1e-3


def _keras():
    return pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _dtype_name(x):
    return str(x.dtype).split(".")[-1]


def _strip(config):
    return {k: v for k, v in config.items() if k not in ("name", "dtype")}


def _compare(name, kwargs, x, training=True, atol=ATOL):
    """Same output (values and dtype) and config as Keras; returns cornu's output."""
    k = _keras()
    ours, theirs = getattr(layers, name)(**kwargs), getattr(k.layers, name)(**kwargs)
    out = ours(x, training=training)
    expected = k.ops.convert_to_numpy(theirs(x, training=training))
    assert _dtype_name(out) == _dtype_name(expected), name
    assert tuple(out.shape) == expected.shape
    np.testing.assert_allclose(_np(out), expected, rtol=1e-5, atol=atol)
    assert _strip(ours.get_config()) == _strip(theirs.get_config())
    return out


# ------------------------------------------------------------------ geometric layers

GEOMETRIC = [
    ("RandomRotation", dict(factor=(0.25, 0.25))),  # exactly 90 degrees
    ("RandomRotation", dict(factor=(-0.07, -0.07))),
    ("RandomZoom", dict(height_factor=(0.3, 0.3))),  # zoom out, both axes
    ("RandomZoom", dict(height_factor=(-0.4, -0.4), width_factor=(0.5, 0.5))),
    ("RandomTranslation", dict(height_factor=(0.3, 0.3), width_factor=(-0.45, -0.45))),
]


@pytest.mark.parametrize("fill_mode", FILL_MODES)
@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
@pytest.mark.parametrize("name,kwargs", GEOMETRIC)
def test_geometric_layers_match_keras(name, kwargs, fill_mode, interpolation):
    kwargs = dict(kwargs, fill_mode=fill_mode, interpolation=interpolation, fill_value=7.0)
    x = SQUARE if name == "RandomRotation" and kwargs["factor"][0] == 0.25 else IMAGES
    _compare(name, kwargs, x)


@pytest.mark.parametrize("name,kwargs", [GEOMETRIC[1], GEOMETRIC[3], GEOMETRIC[4]])
def test_geometric_layers_unbatched_channels_first_and_integers(name, kwargs):
    _compare(name, kwargs, IMAGES[0])
    _compare(name, dict(kwargs, data_format="channels_first"), IMAGES.transpose(0, 3, 1, 2))
    out = _compare(name, dict(kwargs, fill_mode="constant"), IMAGES.astype("uint8"))
    assert out.dtype == torch.float32


def test_rotation_by_quarter_turn_is_exact():
    x = SQUARE[:1]
    out = _np(layers.RandomRotation((0.25, 0.25), interpolation="nearest")(x))
    np.testing.assert_array_equal(out, np.rot90(x, k=1, axes=(1, 2)))  # counter-clockwise
    out = _np(layers.RandomTranslation((0.0, 0.0), (1 / 9, 1 / 9), fill_mode="wrap")(x))
    np.testing.assert_allclose(out, np.roll(x, 1, axis=2), atol=1e-4)  # content moves right


def test_fill_modes_on_a_row():
    """The extensions Keras documents: reflect `dcba|abcd|dcba`, wrap, constant, nearest."""
    row = np.arange(1, 5, dtype="float32").reshape(1, 1, 4, 1)  # a b c d
    # Moved right by 3 pixels: the output shows the extension left of the row, then `a`.
    expected = {"reflect": [3, 2, 1, 1], "wrap": [2, 3, 4, 1], "constant": [-1, -1, -1, 1],
                "nearest": [1, 1, 1, 1]}
    for mode, values in expected.items():
        kwargs = dict(height_factor=(0, 0), width_factor=(0.75, 0.75), fill_mode=mode,
                      fill_value=-1, interpolation="nearest")
        out = _compare("RandomTranslation", kwargs, row)
        np.testing.assert_array_equal(_np(out).ravel(), values, err_msg=mode)


# ------------------------------------------------------------------ flips, colours, crops


@pytest.mark.parametrize("mode", ["horizontal", "vertical", "horizontal_and_vertical"])
def test_flip_gives_identity_or_keras_flip(mode):
    k = _keras()
    x = (RNG.random((32, 5, 6, 2)) * 255).astype("float32")
    axes = {"horizontal": (2,), "vertical": (1,), "horizontal_and_vertical": (1, 2)}[mode]
    flip = np.flip(x, axis=axes)
    theirs = _np(k.layers.RandomFlip(mode)(x, training=True))
    assert all(np.array_equal(t, i) or np.array_equal(t, f) for t, i, f in zip(theirs, x, flip))
    out = _np(layers.RandomFlip(mode, seed=3)(x))
    same, turned = np.all(out == x, axis=(1, 2, 3)), np.all(out == flip, axis=(1, 2, 3))
    assert np.all(same | turned) and same.any() and turned.any()
    assert _strip(layers.RandomFlip(mode).get_config()) == _strip(
        k.layers.RandomFlip(mode).get_config())
    chw = _np(layers.RandomFlip(mode, seed=3, data_format="channels_first")(
        x.transpose(0, 3, 1, 2)))
    np.testing.assert_array_equal(chw.transpose(0, 2, 3, 1), out)  # same draws, same flips


def test_contrast_and_brightness_match_keras():
    for factor in [(-0.3, 0.3), (0.0, 0.0), (0.4, 0.6)]:
        if factor[0] != -factor[1]:
            continue  # contrast factors in [1 - 0.4, 1 + 0.6]: random; covered below
        _compare("RandomContrast", dict(factor=factor), IMAGES)
        _compare("RandomContrast", dict(factor=factor, value_range=(20, 200)), IMAGES[1])
        _compare("RandomContrast", dict(factor=factor, data_format="channels_first"),
                 IMAGES.transpose(0, 3, 1, 2))
    out = _compare("RandomContrast", dict(factor=(-0.5, 0.5)), IMAGES.astype("uint8"))
    assert out.dtype == torch.float32
    for factor in [(0.1, 0.1), (-0.2, -0.2), (1.0, 1.0)]:
        _compare("RandomBrightness", dict(factor=factor), IMAGES)
        _compare("RandomBrightness", dict(factor=factor, value_range=(0, 1)), IMAGES[0] / 255)
    bytes_ = np.minimum(IMAGES, 200).astype("uint8")  # no overflow in Keras's uint8 sum
    out = _compare("RandomBrightness", dict(factor=(0.1, 0.1)), bytes_)
    assert out.dtype == torch.uint8
    # Keras's uint8 sums wrap around past the range; cornu clips at the range instead.
    bright = _np(layers.RandomBrightness((0.1, 0.1))(IMAGES.astype("uint8")))
    np.testing.assert_array_equal(bright, np.clip(IMAGES.astype("uint8") + 25.0, 0, 255))
    dark = _np(layers.RandomBrightness((-0.2, -0.2))(IMAGES.astype("uint8")))
    expected = np.clip(IMAGES.astype("uint8").astype(int) - 51, 0, 255)
    np.testing.assert_array_equal(dark, expected)
    for name in ["RandomContrast", "RandomBrightness"]:  # Keras 3's reading of `factor`
        for factor in [0.5, 0.0, (0.2, 0.3), [0.7, 0.1]]:
            assert _strip(getattr(layers, name)(factor).get_config()) == _strip(
                getattr(_keras().layers, name)(factor).get_config())


def test_contrast_factor_range_and_per_image_draws():
    x = np.repeat(IMAGES[:1], 64, axis=0)
    out = _np(layers.RandomContrast((0.4, 0.6), value_range=(-1e9, 1e9), seed=1)(x))
    centred = x - x.mean(axis=(1, 2), keepdims=True)
    ratio = ((out - x.mean(axis=(1, 2), keepdims=True)) / centred)[:, 0, 0, 0]
    assert ratio.min() >= 0.6 - 1e-4 and ratio.max() <= 1.6 + 1e-4
    assert ratio.std() > 0.1  # every image gets its own factor


def test_random_crop():
    k = _keras()
    x = (RNG.random((4, 10, 12, 3)) * 255).astype("float32")
    out = _np(layers.RandomCrop(6, 5, seed=2)(x))
    assert out.shape == (4, 6, 5, 3)
    windows = {(t, lf) for t in range(5) for lf in range(8)
               if np.array_equal(out, x[:, t:t + 6, lf:lf + 5])}
    assert len(windows) == 1  # one window, shared by the batch, as Keras does
    grid = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
    corners = {float(_np(layers.RandomCrop(2, 2)(grid))[0, 0, 0, 0]) for _ in range(40)}
    assert corners == {0.0, 1.0, 3.0, 4.0}  # every window position is drawn
    # Images not larger than the target: aspect-ratio crop, then resize, as in Keras.
    _compare("RandomCrop", dict(height=15, width=18, seed=5), x)
    _compare("RandomCrop", dict(height=20, width=24, seed=5, data_format="channels_first"),
             x.transpose(0, 3, 1, 2))
    # Inference: the documented centred aspect-ratio window, resized (Keras 3.15 returns
    # the input unchanged there, see RandomCrop's docstring).
    for h, w, data in [(4, 6, x), (8, 8, x), (6, 5, x[0])]:
        expected = k.ops.convert_to_numpy(
            k.layers.Resizing(h, w, crop_to_aspect_ratio=True)(data))
        np.testing.assert_allclose(_np(layers.RandomCrop(h, w)(data, training=False)),
                                   expected, rtol=1e-5, atol=ATOL)
    chw = layers.RandomCrop(4, 6, data_format="channels_first")(
        x.transpose(0, 3, 1, 2), training=False)
    np.testing.assert_allclose(_np(chw).transpose(0, 2, 3, 1),
                               _np(layers.RandomCrop(4, 6)(x, training=False)), atol=1e-5)
    assert layers.RandomCrop(4, 6)(x.astype("uint8"), training=False).dtype == torch.float32
    config = _strip(layers.RandomCrop(3, 4, seed=9).get_config())
    assert config == _strip(k.layers.RandomCrop(3, 4, seed=9).get_config())
    assert isinstance(layers.RandomCrop(3, 4).get_config()["seed"], int)  # as Keras writes


# ------------------------------------------------------------------ layer behaviour

ALL = [
    ("RandomFlip", dict()), ("RandomRotation", dict(factor=0.2)),
    ("RandomZoom", dict(height_factor=0.2, width_factor=(-0.1, 0.3))),
    ("RandomTranslation", dict(height_factor=0.2, width_factor=0.1)),
    ("RandomContrast", dict(factor=0.3)), ("RandomBrightness", dict(factor=0.2)),
]


@pytest.mark.parametrize("name,kwargs", ALL)
def test_identity_at_inference_and_random_in_training(name, kwargs):
    cls = getattr(layers, name)
    assert np.array_equal(_np(cls(**kwargs)(IMAGES, training=False)), IMAGES)
    model = keras.Sequential([keras.Input((7, 9, 3)), cls(**kwargs)])
    np.testing.assert_array_equal(model.predict(IMAGES, verbose=0), IMAGES)
    # Training: the same image gets different transforms within one batch.
    same = np.repeat(IMAGES[:1], 16, axis=0)
    out = _np(cls(**kwargs, seed=11)(same, training=True))
    assert len({o.tobytes() for o in out}) > 1
    # Seeds: the same seed gives the same sequence, another seed another one.
    a, b, c = (cls(**kwargs, seed=s) for s in (5, 5, 6))
    for _ in range(2):
        oa, ob, oc = (_np(layer(same)) for layer in (a, b, c))
        np.testing.assert_array_equal(oa, ob)
        assert not np.array_equal(oa, oc)
    run_layer_test(cls, dict(kwargs, seed=1), input_shape=(2, 7, 9, 3),
                   call_kwargs={"training": False}, expected_output_shape=(2, 7, 9, 3),
                   expected_num_trainable_weights=0, run_training_check=False)


def test_config_round_trips_with_keras():
    k = _keras()
    for name, kwargs in ALL + [("RandomCrop", dict(height=3, width=4, seed=1))]:
        theirs = getattr(k.layers, name)(**kwargs, name="aug")
        ours = getattr(layers, name).from_config(theirs.get_config())
        assert _strip(ours.get_config()) == _strip(theirs.get_config())
        back = getattr(k.layers, name).from_config(ours.get_config())
        assert _strip(back.get_config()) == _strip(theirs.get_config())


def test_symbolic_shapes_in_functional_model():
    inputs = keras.Input((None, None, 3))
    x = layers.RandomFlip()(inputs)
    x = layers.RandomRotation(0.1)(x)
    x = layers.RandomCrop(5, 6)(x)
    assert tuple(x.shape) == (None, 5, 6, 3)
    x = layers.RandomContrast(0.2)(layers.RandomZoom(0.1)(x))
    assert tuple(x.shape) == (None, 5, 6, 3) and x.dtype == "float32"
    model = keras.Model(inputs, x)
    assert model.predict(IMAGES, verbose=0).shape == (2, 5, 6, 3)
    assert tuple(model(IMAGES).shape) == (2, 5, 6, 3)  # direct call: training default


def _cnn(k):
    augment = k.Sequential([k.layers.RandomFlip("horizontal"), k.layers.RandomRotation(0.1),
                            k.layers.RandomZoom(0.1), k.layers.RandomTranslation(0.1, 0.1),
                            k.layers.RandomContrast(0.2), k.layers.RandomBrightness(0.1),
                            k.layers.RandomCrop(8, 8)], name="data_augmentation")
    return k.Sequential([k.Input((10, 10, 3)), augment, k.layers.Rescaling(1 / 255),
                         k.layers.Conv2D(4, 3, activation="relu"),
                         k.layers.GlobalAveragePooling2D(), k.layers.Dense(2)])


def test_cnn_with_augmentation_trains_saves_and_moves_to_keras(tmp_path):
    k = _keras()
    x = (RNG.random((32, 10, 10, 3)) * 255).astype("float32")
    y = RNG.integers(0, 2, 32)
    torch.manual_seed(0)
    model = _cnn(keras)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "c.keras")
    restored = keras.models.load_model(tmp_path / "c.keras")
    np.testing.assert_array_equal(restored.predict(x, verbose=0), expected)
    # Keras reads the file; its RandomCrop is an identity at inference, so compare the
    # networks without the augmentation block (which both skip at inference).
    theirs = k.saving.load_model(tmp_path / "c.keras")
    assert [type(lay).__name__ for lay in theirs.layers[0].layers] == [
        type(lay).__name__ for lay in model.layers[0].layers]
    crop = layers.RandomCrop(8, 8)(x, training=False)
    head = keras.Sequential(model.layers[1:])
    theirs_head = k.Sequential(theirs.layers[1:])
    np.testing.assert_allclose(_np(head(crop)), k.ops.convert_to_numpy(theirs_head(_np(crop))),
                               rtol=1e-5, atol=1e-5)
    # And the other way: a Keras-written file loads in cornu.
    keras_model = _cnn(k)
    keras_model.save(tmp_path / "k.keras")
    loaded = keras.models.load_model(tmp_path / "k.keras")
    assert loaded.layers[0].layers[-1].get_config()["seed"] == (
        keras_model.layers[0].layers[-1].get_config()["seed"])
    for a, b in zip(loaded.get_weights(), keras_model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert loaded.predict(x, verbose=0).shape == (32, 2)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"RandomRotation '.*': `factor` must be a number"):
        layers.RandomRotation(1.5)
    with pytest.raises(ValueError, match=r"range \[0, 1\]. Received: factor=-0.1"):
        layers.RandomContrast(-0.1)
    with pytest.raises(ValueError, match=r"`height_factor` .* \(-1.0, 1.0\]. Received: "
                                         r"height_factor=-1.0"):
        layers.RandomZoom(-1.0)
    with pytest.raises(ValueError, match=r"`width_factor` .* Received: width_factor=\(0.1,\)"):
        layers.RandomTranslation(0.1, (0.1,))
    with pytest.raises(NotImplementedError, match="unknown `fill_mode` 'mirror'. Expected one"):
        layers.RandomZoom(0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match="unknown `interpolation` 'bicubic'"):
        layers.RandomRotation(0.1, interpolation="bicubic")
    with pytest.raises(ValueError, match="`mode` must be one of"):
        layers.RandomFlip("diagonal")
    with pytest.raises(ValueError, match="`value_range` must be a list or tuple of two"):
        layers.RandomBrightness(0.1, value_range=5)
    with pytest.raises(ValueError, match="`fill_value` must be a number"):
        layers.RandomTranslation(0.1, 0.1, fill_value="black")
    with pytest.raises(ValueError, match="`seed` must be an int"):
        layers.RandomFlip(seed=1.5)
    with pytest.raises(ValueError, match="`height` must be a positive int"):
        layers.RandomCrop(0, 3)
    with pytest.raises(ValueError, match=r"RandomFlip '.*': expected images of rank 3"):
        layers.RandomFlip()(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="rank 3"):
        layers.RandomCrop(2, 2)(keras.Input((4,)))
