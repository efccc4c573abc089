"""`cornu.applications.imagenet_utils` and the families' preprocess / decode against Keras's."""

import importlib
import json
import os
import warnings

import numpy as np
import pytest
import torch

import cornu
from cornu.applications import imagenet_utils

keras = pytest.importorskip("keras")
from keras.src.applications import imagenet_utils as keras_utils  # noqa: E402


def _pixels(shape, dtype="float32", seed=0):
    return np.random.default_rng(seed).uniform(0, 255, shape).astype(dtype)


CASES = [((2, 5, 6, 3), "channels_last"), ((5, 6, 3), "channels_last"),
         ((2, 3, 5, 6), "channels_first"), ((3, 5, 6), "channels_first")]


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
@pytest.mark.parametrize("shape, data_format", CASES)
def test_preprocess_input_numpy_matches_keras(shape, data_format, mode):
    x = _pixels(shape)
    expected = keras_utils.preprocess_input(x.copy(), data_format=data_format, mode=mode)
    ours_input = x.copy()
    got = imagenet_utils.preprocess_input(ours_input, data_format=data_format, mode=mode)
    assert got.dtype == expected.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-5)
    # Like Keras, a float array is preprocessed in place (in BGR order for "caffe").
    flipped = ours_input[..., ::-1] if data_format == "channels_last" else (
        ours_input[::-1] if len(shape) == 3 else ours_input[:, ::-1])
    np.testing.assert_array_equal(flipped if mode == "caffe" else ours_input, got)
    assert torch.from_numpy(got).shape == shape


@pytest.mark.parametrize("dtype", ["uint8", "float64"])
def test_preprocess_input_numpy_dtypes(dtype):
    x = _pixels((2, 4, 4, 3), dtype)
    expected = keras_utils.preprocess_input(x.copy(), mode="caffe")
    got = imagenet_utils.preprocess_input(x.copy(), mode="caffe")
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-6)


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
@pytest.mark.parametrize("shape, data_format", CASES)
def test_preprocess_input_tensor_matches_keras(shape, data_format, mode):
    x = _pixels(shape)
    expected = keras_utils.preprocess_input(x.copy(), data_format=data_format, mode=mode)
    tensor = torch.tensor(x)
    got = imagenet_utils.preprocess_input(tensor, data_format=data_format, mode=mode)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float32
    torch.testing.assert_close(got, torch.tensor(np.ascontiguousarray(expected)), rtol=1e-6,
                               atol=1e-5)
    assert torch.equal(tensor, torch.tensor(x))  # the input tensor is left as it was


def test_preprocess_input_integer_tensor_becomes_float():
    x = _pixels((1, 3, 3, 3), "uint8")
    got = imagenet_utils.preprocess_input(torch.tensor(x), mode="tf")
    np.testing.assert_allclose(got.numpy(), x.astype("float32") / 127.5 - 1.0, rtol=1e-6)


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
def test_preprocess_input_symbolic_in_a_model(mode):
    inputs = cornu.Input((4, 5, 3))
    model = cornu.Model(inputs, imagenet_utils.preprocess_input(inputs, mode=mode))
    x = _pixels((2, 4, 5, 3))
    expected = keras_utils.preprocess_input(x.copy(), mode=mode)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-5)


def test_preprocess_input_errors():
    with pytest.raises(ValueError, match="`mode`.*Received: mode='bgr'"):
        imagenet_utils.preprocess_input(_pixels((1, 2, 2, 3)), mode="bgr")
    with pytest.raises(ValueError, match="`data_format`.*Received: data_format='nhwc'"):
        imagenet_utils.preprocess_input(_pixels((1, 2, 2, 3)), data_format="nhwc")


FAMILIES = ["vgg16", "vgg19", "resnet", "resnet50", "resnet_v2", "mobilenet", "mobilenet_v2",
            "mobilenet_v3"]


@pytest.mark.parametrize("module", FAMILIES)
def test_family_preprocess_input_matches_keras(module):
    ours = getattr(cornu.applications, module)
    theirs = importlib.import_module(f"keras.applications.{module}")
    x = _pixels((2, 4, 4, 3))
    np.testing.assert_allclose(ours.preprocess_input(x.copy()), theirs.preprocess_input(x.copy()),
                               rtol=1e-6, atol=1e-5)
    x = _pixels((2, 3, 4, 4))
    np.testing.assert_allclose(
        ours.preprocess_input(x.copy(), data_format="channels_first"),
        theirs.preprocess_input(x.copy(), data_format="channels_first"), rtol=1e-6, atol=1e-5)


# --- decode_predictions ------------------------------------------------------------------------

@pytest.fixture
def class_index(server, home, monkeypatch):
    """A 1000-class index in Keras's format, served locally, with its hash pinned."""
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    path = server.folder / "imagenet_class_index.json"
    path.write_text(json.dumps(index))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_PATH", server.url + path.name)
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH",
                        imagenet_utils.file_utils.hash_file(path, "md5"))
    monkeypatch.setattr(keras_utils, "CLASS_INDEX", index)
    return index


def test_decode_predictions_matches_keras(class_index, home, server):
    preds = np.random.default_rng(0).random((3, 1000)).astype("float32")
    expected = keras_utils.decode_predictions(preds, top=4)
    got = imagenet_utils.decode_predictions(preds, top=4)
    assert got == expected
    assert [name for name, _, _ in got[0]] == [class_index[str(i)][0]
                                              for i in np.argsort(preds[0])[::-1][:4]]
    assert os.listdir(home / "models") == ["imagenet_class_index.json"]
    # Torch tensors are accepted, and the index is not fetched again.
    server.stop()
    imagenet_utils.CLASS_INDEX = None
    assert cornu.applications.resnet.decode_predictions(torch.tensor(preds), top=4) == expected


def test_decode_predictions_shape_error():
    with pytest.raises(ValueError, match=r"shape \(samples, 1000\).*\(2, 10\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))


def test_decode_predictions_corrupted_index_is_not_cached(server, home, monkeypatch):
    (server.folder / "imagenet_class_index.json").write_text("{}")
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_PATH",
                        server.url + "imagenet_class_index.json")
    # Keras's pinned hash of the real file.
    with pytest.raises(ValueError, match="Expected md5 hash c2c37ea517e94d9795004a39431a14cb"):
        imagenet_utils.decode_predictions(np.zeros((1, 1000)))
    assert os.listdir(home / "models") == []


# --- obtain_input_shape and the other checks --------------------------------------------------

def _outcome(fn, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = ("ok", fn(*args, **kwargs))
        except ValueError:
            result = ("ValueError", None)
    return result, len(caught)


SHAPES = [None, (224, 224, 3), (64, 64, 3), (64, 64, 1), (64, 64, 4), (16, 16, 3),
          (None, None, 3), (3, 224, 224), (3, 64, 64), (3, 16, 16), (3, None, None), (64, 64),
          (8, 64, 3), (32, 32, 3)]


@pytest.mark.parametrize("input_shape", SHAPES, ids=str)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("require_flatten", [True, False])
@pytest.mark.parametrize("weights", [None, "imagenet"])
def test_obtain_input_shape_matches_keras(input_shape, data_format, require_flatten, weights):
    args = (input_shape, 224, 32, data_format, require_flatten, weights)
    assert _outcome(imagenet_utils.obtain_input_shape, *args) == \
        _outcome(keras_utils.obtain_input_shape, *args)


def test_obtain_input_shape_error_messages():
    with pytest.raises(ValueError, match=r"\(224, 224, 3\). Received: input_shape=\(64, 64, 3\)"):
        imagenet_utils.obtain_input_shape((64, 64, 3), 224, 32, "channels_last", True, "imagenet")
    with pytest.raises(ValueError, match=r"three integers .* Received: input_shape=\(64, 64\)"):
        imagenet_utils.obtain_input_shape((64, 64), 224, 32, "channels_last", False)
    with pytest.raises(ValueError, match=r"3 channels. Received: input_shape=\(64, 64, 1\)"):
        imagenet_utils.obtain_input_shape((64, 64, 1), 224, 32, "channels_last", False,
                                          "imagenet")


def test_validate_weights(tmp_path):
    path = tmp_path / "w.h5"
    path.write_bytes(b"")
    for weights in (None, "imagenet", str(path), path):
        imagenet_utils.validate_weights(weights, include_top=True, classes=1000)
    imagenet_utils.validate_weights("imagenet", include_top=False, classes=10)
    with pytest.raises(ValueError, match=r"`weights` argument .* Received: weights='imagenett'"):
        imagenet_utils.validate_weights("imagenett", True, 1000)
    with pytest.raises(ValueError, match="`classes` should be 1000. Received: classes=10"):
        imagenet_utils.validate_weights("imagenet", True, 10)


def test_validate_activation():
    for activation in ("softmax", None, "linear"):
        imagenet_utils.validate_activation(activation, "imagenet")
    imagenet_utils.validate_activation("relu", None)
    with pytest.raises(ValueError, match="classifier_activation='sigmoid'"):
        imagenet_utils.validate_activation("sigmoid", "imagenet")


@pytest.mark.parametrize("shape", [(None, 9, 9, 3), (None, 8, 9, 3), (None, None, None, 3)])
@pytest.mark.parametrize("kernel_size", [3, 5, (3, 5)])
def test_correct_pad_matches_keras(shape, kernel_size):
    assert imagenet_utils.correct_pad(cornu.Input(batch_shape=shape), kernel_size) == \
        keras_utils.correct_pad(keras.Input(batch_shape=shape), kernel_size)


def test_make_divisible_matches_keras():
    from keras.src.applications.mobilenet_v2 import _make_divisible
    for value in (3.2, 8, 11.9, 12, 17.5, 32 * 0.35, 1280 * 1.4, 96 * 0.75, 40 * 1.25):
        assert imagenet_utils.make_divisible(value, 8) == _make_divisible(value, 8)


def test_load_weights_needs_a_file_or_nothing(tmp_path):
    model = cornu.Sequential([cornu.Input((2,)), cornu.layers.Dense(1)])
    assert imagenet_utils.load_weights(model, None) is model
    with pytest.raises(Exception, match="missing.h5"):
        imagenet_utils.load_weights(model, str(tmp_path / "missing.h5"))
