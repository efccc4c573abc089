"""RandomShear, RandomPerspective, RandomElasticTransform and RandomGaussianBlur against Keras.

Randomness is pinned by collapsed ranges (`sigma=(0.6, 0.6)`, `factor=(1, 1)`) or by feeding
both libraries the same transformation (Keras's `transform_images(images, transformation)`);
RandomElasticTransform's Keras displacement draws come from torch's global generator, so
cornu's deformation is given the same draws.
"""

import numpy as np
import pytest
import torch

import cornu
from cornu import layers
from layer_test_utils import run_layer_test

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(3)
IMAGES = (RNG.random((2, 12, 10, 3)) * 255).astype("float32")
U8 = IMAGES.astype("uint8")
ATOL = 1e-3


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _strip(config):
    return {k: v for k, v in config.items() if k not in ("name", "dtype")}


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_shear_matches_keras(fill_mode, interpolation):
    kwargs = dict(x_factor=(0.3, 0.3), y_factor=(0.1, 0.1), fill_mode=fill_mode,
                  interpolation=interpolation, fill_value=7.0)
    theirs = keras.layers.RandomShear(**kwargs)
    out = _np(layers.RandomShear(**kwargs, seed=2)(IMAGES))
    # Keras flips the sign of both shears at random: each image matches one of the signs.
    by_sign = [_np(theirs.transform_images(IMAGES, {"shear_factor": np.array(
        [[0.3 * s, 0.1 * s]] * 2, "float32")})) for s in (1.0, -1.0)]
    for i in range(2):
        assert min(np.abs(out[i] - k[i]).max() for k in by_sign) < ATOL


def test_shear_unbatched_channels_first_uint8_and_draws():
    theirs = keras.layers.RandomShear(x_factor=(0.2, 0.2), data_format="channels_first")
    x = np.transpose(U8[0], (2, 0, 1))
    ours = layers.RandomShear(x_factor=(0.2, 0.2), data_format="channels_first", seed=1)
    out = ours(x)
    assert out.dtype == torch.float32 and tuple(out.shape) == x.shape
    expected = [_np(theirs.transform_images(x[None], {"shear_factor": np.array(
        [[0.2 * s, 0.0]], "float32")}))[0] for s in (1.0, -1.0)]
    assert min(np.abs(_np(out) - e).max() for e in expected) < ATOL
    # Draws stay in range: shears of +-[0.1, 0.4] along x only.
    layer = layers.RandomShear(x_factor=(0.1, 0.4), seed=5)
    t = layer._transforms(layer._draw(500, 12, 10, "cpu"), 12, 10)
    assert (t[:, 1].abs() >= 0.1).all() and (t[:, 1].abs() <= 0.4).all()
    assert (t[:, 1] > 0).any() and (t[:, 1] < 0).any() and (t[:, 3] == 0).all()


def test_perspective_matches_keras_for_the_same_transformation():
    for kwargs in (dict(scale=0.4), dict(scale=0.8, interpolation="nearest", fill_value=9.0)):
        theirs = keras.layers.RandomPerspective(**kwargs)
        ours = layers.RandomPerspective(**kwargs, seed=3)
        t = ours._random_transformation(2, 12, 10, "cpu")
        t["apply_perspective"] = torch.tensor([True, False])
        expected = _np(theirs.transform_images(IMAGES, {k: _np(v) for k, v in t.items()}))
        got = _np(ours._warp(torch.as_tensor(IMAGES), t))
        np.testing.assert_allclose(got, expected, atol=ATOL)
        np.testing.assert_array_equal(got[1], IMAGES[1])
    # channels_first, unbatched
    theirs = keras.layers.RandomPerspective(scale=0.5, data_format="channels_first")
    ours = layers.RandomPerspective(scale=0.5, data_format="channels_first", seed=4)
    t = ours._random_transformation(1, 12, 10, "cpu")
    x = np.transpose(IMAGES[0], (2, 0, 1))
    expected = _np(theirs.transform_images(x, {k: _np(v) for k, v in t.items()}))
    np.testing.assert_allclose(_np(ours._warp(torch.as_tensor(x), t)), expected, atol=ATOL)


def test_perspective_draws():
    layer = layers.RandomPerspective(factor=(0.5, 0.5), scale=0.6, seed=8)
    t = layer._random_transformation(400, 12, 10, "cpu")
    moves = (t["end_points"] - t["start_points"]).abs()
    assert (moves <= 0.3 * t["start_points"] + 1e-6).all()
    assert 0.35 < t["apply_perspective"].float().mean() < 0.65
    out = _np(layers.RandomPerspective(factor=(1.0, 1.0), seed=1)(IMAGES))
    assert out.shape == IMAGES.shape and not np.allclose(out, IMAGES)
    np.testing.assert_array_equal(_np(layers.RandomPerspective(factor=0.0)(IMAGES)), IMAGES)


@pytest.mark.parametrize("fill_mode,interpolation", [("reflect", "bilinear"),
                                                     ("constant", "nearest"),
                                                     ("mirror", "bilinear"),
                                                     ("wrap", "bilinear")])
def test_elastic_matches_keras_with_the_same_draws(fill_mode, interpolation):
    kwargs = dict(factor=(1.0, 1.0), scale=(0.5, 0.5), fill_mode=fill_mode,
                  interpolation=interpolation, fill_value=3.0, value_range=(0, 200))
    theirs = keras.layers.RandomElasticTransform(**kwargs)
    torch.manual_seed(5)
    expected = _np(theirs(IMAGES))
    torch.manual_seed(5)  # Keras's torch backend draws dx, then dy, from the global generator
    noise = torch.stack([torch.normal(0.0, 1.0, size=(2, 12, 10)) for _ in range(2)])
    ours = layers.RandomElasticTransform(**kwargs)
    got = _np(ours._deform(torch.as_tensor(IMAGES), torch.tensor([True, True]), 0.5, noise))
    np.testing.assert_allclose(got, expected, atol=ATOL)
    assert got.max() <= 200


def test_elastic_unbatched_channels_first_and_draws():
    x = np.transpose(IMAGES[0], (2, 0, 1))
    kwargs = dict(factor=(1.0, 1.0), scale=(0.3, 0.3), data_format="channels_first")
    theirs = keras.layers.RandomElasticTransform(**kwargs)
    torch.manual_seed(9)
    expected = _np(theirs(x))
    torch.manual_seed(9)
    noise = torch.stack([torch.normal(0.0, 1.0, size=(1, 12, 10)) for _ in range(2)])
    got = layers.RandomElasticTransform(**kwargs)._deform(torch.as_tensor(x),
                                                          torch.tensor([True]), 0.3, noise)
    np.testing.assert_allclose(_np(got), expected, atol=ATOL)
    # Seeded layers repeat; a zero scale or factor leaves images untouched (no clipping).
    a, b = (layers.RandomElasticTransform(seed=4) for _ in range(2))
    np.testing.assert_array_equal(_np(a(IMAGES)), _np(b(IMAGES)))
    big = IMAGES + 300
    np.testing.assert_array_equal(_np(layers.RandomElasticTransform(scale=0.0)(big)), big)
    np.testing.assert_array_equal(_np(layers.RandomElasticTransform(factor=0.0)(big)), big)


@pytest.mark.parametrize("kernel_size", [3, 5, (7, 7)])
def test_gaussian_blur_matches_keras(kernel_size):
    kwargs = dict(factor=(1.0, 1.0), kernel_size=kernel_size, sigma=(0.6, 0.6),
                  value_range=(0, 250))
    expected = _np(keras.layers.RandomGaussianBlur(**kwargs)(IMAGES))
    got = _np(layers.RandomGaussianBlur(**kwargs, seed=1)(IMAGES))
    np.testing.assert_allclose(got, expected, atol=ATOL)
    kwargs["data_format"] = "channels_first"
    x = np.transpose(U8[0], (2, 0, 1))
    expected = _np(keras.layers.RandomGaussianBlur(**kwargs)(x))
    got = layers.RandomGaussianBlur(**kwargs)(x)
    assert got.dtype == torch.float32
    np.testing.assert_allclose(_np(got), expected, atol=ATOL)


def test_gaussian_blur_draws():
    same = np.repeat(IMAGES[:1], 64, axis=0)
    out = _np(layers.RandomGaussianBlur(factor=(0.5, 0.5), sigma=(0.8, 0.8), seed=2)(same))
    blurred = np.array([not np.array_equal(o, IMAGES[0]) for o in out])
    assert 0.25 < blurred.mean() < 0.75
    # Sigma pinned at 0: the kernel is a unit impulse (sigma 1e-6), so nothing changes.
    out = _np(layers.RandomGaussianBlur(factor=(1.0, 1.0), sigma=(0.0, 0.0))(IMAGES))
    np.testing.assert_allclose(out, IMAGES, atol=1e-4)


LAYERS = [
    ("RandomShear", dict(x_factor=(0.1, 0.2), y_factor=(0.1, 0.3), fill_mode="constant")),
    ("RandomPerspective", dict(factor=0.7, scale=0.5, interpolation="nearest")),
    ("RandomElasticTransform", dict(factor=0.8, scale=(0.2, 0.6), fill_mode="mirror",
                                    value_range=(0, 1))),
    ("RandomGaussianBlur", dict(factor=0.9, kernel_size=(3, 5), sigma=(0.2, 0.8),
                                value_range=(-1, 1))),
]


@pytest.mark.parametrize("name,kwargs", LAYERS)
def test_inference_identity_configs_and_layer_test(name, kwargs):
    cls = getattr(layers, name)
    np.testing.assert_array_equal(_np(cls(**kwargs)(U8, training=False)), IMAGES.astype(
        "uint8").astype("float32"))
    model = cornu.Sequential([cornu.Input((12, 10, 3)), cls(**kwargs)])
    np.testing.assert_array_equal(model.predict(IMAGES, verbose=0), IMAGES)
    theirs = getattr(keras.layers, name)(**kwargs, seed=3, name="aug")
    ours = cls.from_config(theirs.get_config())
    assert _strip(ours.get_config()) == _strip(theirs.get_config())
    back = getattr(keras.layers, name).from_config(ours.get_config())
    assert _strip(back.get_config()) == _strip(theirs.get_config())
    run_layer_test(cls, dict(kwargs, seed=1), input_shape=(2, 12, 10, 3),
                   call_kwargs={"training": False}, expected_output_shape=(2, 12, 10, 3),
                   expected_num_trainable_weights=0, run_training_check=False)


def test_shear_symmetric_config_loads_back():
    # Keras 3.15 writes RandomShear(0.2)'s x_factor as (-0.2, 0.2) and then refuses it in
    # from_config; cornu reads it back (and reads Keras's config).
    theirs = keras.layers.RandomShear(x_factor=0.2, y_factor=0.1, seed=1)
    ours = layers.RandomShear.from_config(theirs.get_config())
    assert _strip(ours.get_config()) == _strip(theirs.get_config())
    again = layers.RandomShear.from_config(ours.get_config())
    assert again.x_factor == (-0.2, 0.2) and again.y_factor == (-0.1, 0.1)


def test_save_and_load(tmp_path):
    model = cornu.Sequential([cornu.Input((12, 10, 3))] + [
        getattr(layers, name)(**kwargs) for name, kwargs in LAYERS])
    path = tmp_path / "geometric.keras"
    model.save(path)
    loaded = cornu.models.load_model(path)
    assert [type(l).__name__ for l in loaded.layers] == [name for name, _ in LAYERS]
    np.testing.assert_array_equal(loaded.predict(IMAGES, verbose=0), IMAGES)
    k_model = keras.models.load_model(path)
    assert [type(l).__name__ for l in k_model.layers] == [name for name, _ in LAYERS]


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"RandomShear '.*': `x_factor` must be a number"):
        layers.RandomShear(x_factor=1.5)
    with pytest.raises(ValueError, match="y_factor"):
        layers.RandomShear(y_factor=(-1.5, 0.2))
    with pytest.raises(ValueError, match="y_factor"):
        layers.RandomShear(y_factor=-0.2)
    with pytest.raises(NotImplementedError, match="fill_mode"):
        layers.RandomShear(0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match="scale"):
        layers.RandomPerspective(scale=1.5)
    with pytest.raises(NotImplementedError, match="interpolation"):
        layers.RandomPerspective(interpolation="bicubic")
    with pytest.raises(ValueError, match="factor"):
        layers.RandomPerspective(factor=2.0)
    with pytest.raises(NotImplementedError, match="fill_mode"):
        layers.RandomElasticTransform(fill_mode="edge")
    with pytest.raises(ValueError, match="scale"):
        layers.RandomElasticTransform(scale=(0.1, 0.2, 0.3))
    with pytest.raises(ValueError, match="value_range"):
        layers.RandomElasticTransform(value_range=5)
    with pytest.raises(ValueError, match="kernel_size` must be an odd number"):
        layers.RandomGaussianBlur(kernel_size=4)
    with pytest.raises(ValueError, match="sigma"):
        layers.RandomGaussianBlur(sigma=1.5)
    with pytest.raises(ValueError, match="rank"):
        layers.RandomGaussianBlur()(np.zeros((4, 4), "float32"))
