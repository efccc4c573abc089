"""`load_img`, `img_to_array`, `array_to_img` and `save_img` against Keras's own functions on
the same files and arrays."""

import io
import os
import warnings

import numpy as np
import pytest
import torch

import cornu
from cornu.utils import array_to_img, img_to_array, load_img, save_img

PIL = pytest.importorskip("PIL.Image")

# name -> (PIL mode, size as (width, height), file extension)
FILES = {"rgb": ("RGB", (7, 5), "png"), "rgba": ("RGBA", (6, 9), "png"),
         "gray": ("L", (8, 8), "png"), "gray16": ("I;16", (5, 4), "png"),
         "palette": ("P", (9, 6), "gif"), "photo": ("RGB", (10, 7), "jpg")}


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    root = tmp_path_factory.mktemp("image_utils")
    rng = np.random.default_rng(0)
    paths = {}
    for name, (mode, (width, height), ext) in FILES.items():
        if mode == "I;16":
            img = PIL.fromarray(rng.integers(0, 65536, (height, width), dtype=np.uint16))
        elif mode == "P":
            img = PIL.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))
            img = img.quantize(16)
        else:
            channels = len(mode)
            pixels = rng.integers(0, 256, (height, width, channels), dtype=np.uint8)
            img = PIL.fromarray(pixels[..., 0] if channels == 1 else pixels)
        assert img.mode == mode
        paths[name] = root / f"{name}.{ext}"
        img.save(paths[name])
    return paths


def _same_image(result, expected):
    assert isinstance(result, PIL.Image)
    assert (result.mode, result.size) == (expected.mode, expected.size)
    np.testing.assert_array_equal(np.asarray(result), np.asarray(expected))


@pytest.mark.parametrize("color_mode", ["rgb", "rgba", "grayscale"])
def test_load_img_matches_keras(keras, images, color_mode):
    for name, path in images.items():
        for kwargs in ({}, {"target_size": (4, 3)}, {"target_size": (11, 6)},
                       {"target_size": FILES[name][1][::-1], "interpolation": "lanczos"},
                       {"target_size": (4, 6), "keep_aspect_ratio": True},
                       {"target_size": (9, 3), "keep_aspect_ratio": True,
                        "interpolation": "bilinear"}):
            expected = keras.utils.load_img(path, color_mode=color_mode, **kwargs)
            _same_image(load_img(path, color_mode=color_mode, **kwargs), expected)


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear", "bicubic", "hamming", "box",
                                           "lanczos"])
def test_every_interpolation_matches_keras(keras, images, interpolation):
    for keep in (False, True):
        kwargs = {"target_size": (6, 13), "interpolation": interpolation,
                  "keep_aspect_ratio": keep}
        _same_image(load_img(images["photo"], **kwargs),
                    keras.utils.load_img(images["photo"], **kwargs))


def test_load_img_accepts_paths_bytes_and_file_objects(images):
    path = images["rgba"]
    expected = np.asarray(load_img(str(path)))
    for source in (path, os.fsencode(path), io.BytesIO(path.read_bytes())):
        np.testing.assert_array_equal(np.asarray(load_img(source)), expected)


def test_img_to_array_matches_keras(keras, images):
    for name, path in images.items():
        img = load_img(path, color_mode="grayscale" if "gray" in name else "rgba")
        for kwargs in ({}, {"data_format": "channels_first"}, {"dtype": "uint8"},
                       {"dtype": "float64", "data_format": "channels_last"}):
            if kwargs.get("dtype") == "uint8" and name == "gray16":
                continue  # 16-bit values do not fit (NumPy refuses the cast for both)
            expected = keras.utils.img_to_array(img, **kwargs)
            result = img_to_array(img, **kwargs)
            assert result.dtype == expected.dtype and result.shape == expected.shape
            np.testing.assert_array_equal(result, expected)


def test_array_to_img_matches_keras(keras):
    rng = np.random.default_rng(1)
    arrays = [rng.normal(size=(5, 4, c)).astype("float32") for c in (1, 3, 4)]
    arrays += [rng.uniform(0, 255, size=(6, 3, 3)), np.full((3, 3, 1), 7.0),
               rng.integers(0, 1000, size=(4, 5, 1)).astype("float32")]
    for x in arrays:
        for kwargs in ({}, {"scale": False}, {"dtype": "float64"}):
            if not kwargs.get("scale", True) and x.min() < 0:
                continue  # casting negative floats to uint8 is undefined in NumPy
            _same_image(array_to_img(x, **kwargs), keras.utils.array_to_img(x, **kwargs))
        first = np.ascontiguousarray(x.transpose(2, 0, 1))
        _same_image(array_to_img(first, data_format="channels_first"),
                    keras.utils.array_to_img(first, data_format="channels_first"))


def test_array_to_img_of_large_grayscale_values_is_32_bit(keras):
    x = np.arange(12, dtype="float32").reshape(3, 4, 1) * 100
    result = array_to_img(x, scale=False)
    assert result.mode == "I"
    _same_image(result, keras.utils.array_to_img(x, scale=False))


def test_array_to_img_takes_torch_tensors_and_lists():
    x = torch.rand(4, 6, 3)
    expected = np.asarray(array_to_img(x.numpy()))
    np.testing.assert_array_equal(np.asarray(array_to_img(x)), expected)
    np.testing.assert_array_equal(np.asarray(array_to_img(x.tolist())), expected)


def test_global_image_data_format_is_the_default(keras):
    x = np.random.default_rng(2).uniform(0, 255, (3, 5, 4)).astype("float32")
    cornu.config.set_image_data_format("channels_first")
    try:
        img = array_to_img(x)
        assert img.size == (4, 5)  # (width, height) of a (3, 5, 4) channels-first array
        assert img_to_array(img).shape == (3, 5, 4)
    finally:
        cornu.config.set_image_data_format("channels_last")
    _same_image(img, keras.utils.array_to_img(x, data_format="channels_first"))


def test_round_trips_through_files_in_every_color_mode(keras, tmp_path):
    rng = np.random.default_rng(3)
    for channels, color_mode in ((1, "grayscale"), (3, "rgb"), (4, "rgba")):
        x = rng.integers(0, 256, (6, 5, channels)).astype("float32")
        x[0, 0], x[-1, -1] = 0, 255  # the full range, so scaling changes nothing
        for data_format in ("channels_last", "channels_first"):
            array = x if data_format == "channels_last" else x.transpose(2, 0, 1)
            path = tmp_path / f"{color_mode}_{data_format}.png"
            save_img(path, array, data_format=data_format)
            loaded = img_to_array(load_img(path, color_mode=color_mode),
                                  data_format=data_format)
            np.testing.assert_array_equal(loaded, array)
            keras_path = tmp_path / f"keras_{color_mode}_{data_format}.png"
            keras.utils.save_img(keras_path, array, data_format=data_format)
            _same_image(PIL.open(path), PIL.open(keras_path))


def test_save_img_formats_scaling_and_options(keras, tmp_path):
    x = np.random.default_rng(4).normal(size=(8, 8, 3))
    save_img(tmp_path / "a.JPG", x, quality=95)
    keras.utils.save_img(tmp_path / "b.jpg", x, quality=95)
    assert PIL.open(tmp_path / "a.JPG").format == "JPEG"
    _same_image(PIL.open(tmp_path / "a.JPG"), PIL.open(tmp_path / "b.jpg"))
    buffer = io.BytesIO()
    save_img(buffer, x, file_format="png", scale=False)
    buffer.seek(0)
    _same_image(PIL.open(buffer), keras.utils.array_to_img(x, scale=False))
    rgba = np.random.default_rng(5).uniform(0, 255, (4, 4, 4))
    with pytest.warns(UserWarning, match="RGB"):
        save_img(tmp_path / "c.jpeg", rgba)
    assert PIL.open(tmp_path / "c.jpeg").mode == "RGB"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        save_img(tmp_path / "d.png", rgba)  # PNG keeps the alpha channel
    assert PIL.open(tmp_path / "d.png").mode == "RGBA"


def _raises_like_keras(keras_call, cornu_call, match):
    """Both raise the same exception type; cornu's message matches `match`."""
    with pytest.raises(Exception) as expected:
        keras_call()
    with pytest.raises(expected.type, match=match):
        cornu_call()


def test_errors_match_keras_and_name_the_argument(keras, images, tmp_path):
    path = images["rgb"]
    cases = [
        (lambda m: m.load_img(path, color_mode="cmyk"), r"color_mode.*Received.*'cmyk'"),
        (lambda m: m.load_img(path, target_size=(2, 2), interpolation="cubic"),
         r"interpolation.*Received: interpolation='cubic'"),
        (lambda m: m.load_img(12), "path.*Received.*int"),
        (lambda m: m.load_img(tmp_path / "missing.png"), "missing.png"),
        (lambda m: m.img_to_array(np.zeros((2, 2, 2, 2))), r"rank.*\(2, 2, 2, 2\)"),
        (lambda m: m.img_to_array(np.zeros((2, 2)), data_format="channels_middle"),
         "data_format.*channels_middle"),
        (lambda m: m.array_to_img(np.zeros((4, 4))), r"rank 3.*\(4, 4\)"),
        (lambda m: m.array_to_img(np.zeros((4, 4, 2))), r"channels.*\(4, 4, 2\)"),
        (lambda m: m.save_img(tmp_path / "x.png", np.zeros((2, 2, 5))), "5 channels"),
    ]
    for call, match in cases:
        _raises_like_keras(lambda: call(keras.utils), lambda: call(cornu.utils), match)
    with pytest.raises(ValueError, match=r"target_size.*Received: target_size=\(0, 3\)"):
        load_img(path, target_size=(0, 3))


def test_image_dataset_reads_files_through_load_img(images):
    from cornu.utils.image_dataset_utils import load_image

    for name in ("rgb", "palette", "photo"):
        img = load_img(images[name])
        image = load_image(images[name], (img.height, img.width))
        np.testing.assert_array_equal(image.numpy(), img_to_array(img))
    with pytest.raises(Exception, match="not_an_image.png"):
        bad = images["rgb"].parent / "not_an_image.png"
        bad.write_bytes(b"no pixels here")
        load_image(bad, (2, 2))
