"""Rescaling and Normalization against Keras 3: outputs, adapted state, weights, configs."""

import numpy as np
import pytest
import torch

import cornu as keras
from cornu import layers
from layer_test_utils import run_layer_test

RNG = np.random.default_rng(0)
X = (RNG.random((60, 4, 3)) * 5 + 2).astype("float32")


def _keras():
    return pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy()


@pytest.mark.parametrize("kwargs", [dict(scale=1 / 255), dict(scale=2.0, offset=-1.0),
                                    dict(scale=[0.5, 1.0, 2.0], offset=[1.0, 0.0, -1.0])])
def test_rescaling_matches_keras(kwargs):
    k = _keras()
    theirs, ours = k.layers.Rescaling(**kwargs), layers.Rescaling(**kwargs)
    np.testing.assert_allclose(_np(ours(X)), k.ops.convert_to_numpy(theirs(X)), rtol=1e-6)
    config = ours.get_config()
    assert {key: config[key] for key in ("scale", "offset")} == {
        key: theirs.get_config()[key] for key in ("scale", "offset")}
    run_layer_test(layers.Rescaling, kwargs, input_shape=(2, 4, 3),
                   expected_output_shape=(2, 4, 3), expected_num_trainable_weights=0,
                   run_training_check=False)


def test_rescaling_of_integer_images_gives_floats():
    pixels = RNG.integers(0, 256, (2, 5, 5, 3)).astype("uint8")
    out = layers.Rescaling(1 / 255)(pixels)
    assert out.dtype == torch.float32
    np.testing.assert_allclose(_np(out), pixels / 255, rtol=1e-6)


@pytest.mark.parametrize("kwargs", [dict(), dict(axis=(1, 2)), dict(axis=None), dict(axis=1),
                                    dict(invert=True)])
@pytest.mark.parametrize("source", ["array", "batches", "dataloader"])
def test_adapted_normalization_matches_keras(kwargs, source):
    k = _keras()
    theirs, ours = k.layers.Normalization(**kwargs), layers.Normalization(**kwargs)
    theirs.adapt(X)
    data = {"array": X, "batches": [X[:17], X[17:40], X[40:]],
            "dataloader": torch.utils.data.DataLoader(torch.as_tensor(X), batch_size=16)}[source]
    ours.adapt(data)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert [w.trainable for w in ours.weights] == [w.trainable for w in theirs.weights]
    for a, b in zip(ours.get_weights()[:2], theirs.get_weights()[:2]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_np(ours(X)), k.ops.convert_to_numpy(theirs(X)), rtol=1e-5,
                               atol=1e-5)
    assert ours.get_config() == {**theirs.get_config(), "name": ours.name,
                                 "dtype": ours.get_config()["dtype"]}


@pytest.mark.parametrize("mean,variance,axis", [(3.0, 4.0, -1), ([1.0, 2.0, 3.0], [1.0, 4.0, 9.0], -1),
                                                ([[1.0, 2.0, 3.0]] * 4, [[2.0] * 3] * 4, (1, 2))])
def test_given_statistics_match_keras(mean, variance, axis):
    k = _keras()
    kwargs = dict(mean=mean, variance=variance, axis=axis)
    theirs, ours = k.layers.Normalization(**kwargs), layers.Normalization(**kwargs)
    np.testing.assert_allclose(_np(ours(X)), k.ops.convert_to_numpy(theirs(X)), rtol=1e-6)
    assert ours.weights == [] and len(theirs.weights) == 0
    inverse = layers.Normalization(invert=True, **kwargs)
    np.testing.assert_allclose(_np(inverse(ours(X))), X, rtol=1e-5, atol=1e-5)


def test_keras_normalization_weights_load_by_position():
    k = _keras()
    theirs = k.layers.Normalization()
    theirs.adapt(X)
    ours = layers.Normalization()
    ours.build(X.shape)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(_np(ours(X)), k.ops.convert_to_numpy(theirs(X)), rtol=1e-5,
                               atol=1e-6)


def test_model_with_adapted_normalization_saves_and_reloads(tmp_path):
    norm = layers.Normalization()
    norm.adapt(X.reshape(-1, 3))
    model = keras.Sequential([keras.Input((3,)), layers.Rescaling([1.0, 2.0, 0.5]), norm,
                              layers.Dense(2)])
    model.save(tmp_path / "m.keras")
    restored = keras.models.load_model(tmp_path / "m.keras")
    x = X.reshape(-1, 3)
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    np.testing.assert_array_equal(restored.layers[1].get_weights()[0], norm.get_weights()[0])
    assert not restored.layers[1].trainable_weights


def test_normalization_layer_test_and_errors():
    run_layer_test(layers.Normalization, dict(mean=1.0, variance=2.0), input_shape=(2, 3),
                   expected_output_shape=(2, 3), expected_num_trainable_weights=0,
                   run_training_check=False)
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="same shape"):
        layers.Normalization(mean=[1.0, 2.0], variance=[1.0])
    with pytest.raises(ValueError, match="axis"):
        layers.Normalization(axis=3).build((2, 3))
    norm = layers.Normalization()
    norm.adapt(X)
    with pytest.raises(ValueError, match="incompatible shape"):
        norm.adapt(np.ones((5, 4, 2), "float32"))
    with pytest.raises(TypeError, match="iterable of batches"):
        layers.Normalization().adapt(3.0)


def test_channels_first_normalization_and_rescaling_in_functional_model():
    k = _keras()
    images = (RNG.random((8, 3, 5, 5)) * 255).astype("float32")
    keras.config.set_image_data_format("channels_first")
    k.config.set_image_data_format("channels_first")
    try:
        kwargs = dict(scale=[1 / 255, 2 / 255, 3 / 255], offset=-1.0)
        ours_r, theirs_r = layers.Rescaling(**kwargs), k.layers.Rescaling(**kwargs)
        np.testing.assert_allclose(_np(ours_r(images)),
                                   k.ops.convert_to_numpy(theirs_r(images)), rtol=1e-6)
        # A per-channel offset also goes over the channel axis (Keras broadcasts it over the
        # last axis and fails here).
        shifted = layers.Rescaling(scale=1.0, offset=[0.0, -1.0, 1.0])(images)
        np.testing.assert_allclose(_np(shifted), images + np.array([0.0, -1.0, 1.0]
                                                                   ).reshape(3, 1, 1))
    finally:
        keras.config.set_image_data_format("channels_last")
        k.config.set_image_data_format("channels_last")
    theirs = k.layers.Normalization(axis=1)
    theirs.adapt(images)
    norm = layers.Normalization(axis=1)
    pairs = torch.utils.data.TensorDataset(torch.as_tensor(images), torch.zeros(8))
    norm.adapt(torch.utils.data.DataLoader(pairs, batch_size=3))  # (x, y) batches use x
    assert norm.weights[0].shape == (3,)
    inputs = keras.Input((3, 5, 5))
    model = keras.Model(inputs, norm(inputs))
    np.testing.assert_allclose(model.predict(images, verbose=0),
                               k.ops.convert_to_numpy(theirs(images)), rtol=1e-4, atol=1e-5)


def test_normalization_adapt_steps_and_tensor_input():
    k = _keras()
    theirs = k.layers.Normalization()
    theirs.adapt(X[:20])
    ours = layers.Normalization()
    ours.adapt(iter([X[:10], X[10:20], X[20:]]), steps=2)
    np.testing.assert_allclose(ours.get_weights()[1], theirs.get_weights()[1], rtol=1e-5)
    tensor_layer = layers.Normalization(axis=None)
    tensor_layer.adapt(torch.as_tensor(X), batch_size=7)
    theirs = k.layers.Normalization(axis=None)
    theirs.adapt(X)
    np.testing.assert_allclose(tensor_layer.get_weights()[0], theirs.get_weights()[0], rtol=1e-5)
    with pytest.raises(ValueError, match="cannot be used when `mean`"):
        layers.Normalization(mean=1.0, variance=1.0).adapt(X)
    with pytest.raises(ValueError, match="no data"):
        layers.Normalization().adapt([])
    with pytest.raises(ValueError, match="`scale` must be a number"):
        layers.Rescaling("big")


def test_keras_written_files_load(tmp_path):
    k = _keras()
    x = X.reshape(-1, 3)
    norm = k.layers.Normalization()
    norm.adapt(x)
    theirs = k.Sequential([k.Input((3,)), k.layers.Rescaling(2.0), norm, k.layers.Dense(2)])
    theirs.save(tmp_path / "k.keras")
    theirs.save_weights(tmp_path / "k.weights.h5")
    expected = theirs.predict(x, verbose=0)
    np.testing.assert_allclose(keras.models.load_model(tmp_path / "k.keras").predict(
        x, verbose=0), expected, rtol=1e-6)
    ours_norm = layers.Normalization()
    ours_norm.adapt(x * 3)
    ours = keras.Sequential([keras.Input((3,)), layers.Rescaling(2.0), ours_norm,
                             layers.Dense(2)])
    ours.load_weights(tmp_path / "k.weights.h5")
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected, rtol=1e-6)
