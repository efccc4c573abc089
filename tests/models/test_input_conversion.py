"""Data is converted to each Input's dtype as Keras converts it; string Inputs feed text layers."""

import numpy as np
import pytest

import cornu

keras = pytest.importorskip("keras")


def _dense_models(K):
    inputs = K.Input((3,))
    functional = K.Model(inputs, K.layers.Dense(2)(inputs))
    sequential = K.Sequential([K.Input((3,)), K.layers.Dense(2)])
    return functional, sequential


@pytest.mark.parametrize("which", [0, 1], ids=["functional", "sequential"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "float64", "bool"])
def test_data_of_another_dtype_is_converted_like_keras(which, dtype):
    model, keras_model = _dense_models(cornu)[which], _dense_models(keras)[which]
    model.set_weights(keras_model.get_weights())
    x = np.arange(12).reshape(4, 3).astype(dtype)
    expected = np.asarray(keras_model.predict(x, verbose=0))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(model(x).detach().numpy(), expected, rtol=1e-6, atol=1e-6)
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((4, 2), "float32"), verbose=0)  # trains on the converted data


def _text_model():
    texts = np.array([["the cat sat"], ["a dog ran fast"], ["the dog"], ["a cat"]] * 6)
    vectorize = cornu.layers.TextVectorization(max_tokens=20, output_sequence_length=4)
    vectorize.adapt(texts[:, 0])
    inputs = cornu.Input((1,), dtype="string")
    x = cornu.layers.Embedding(20, 3)(vectorize(inputs))
    outputs = cornu.layers.Dense(1)(cornu.layers.GlobalAveragePooling1D()(x))
    return cornu.Model(inputs, outputs), texts


def test_string_input_config_matches_keras():
    assert cornu.Input((1,), dtype="string").dtype == keras.Input((1,), dtype="string").dtype
    layer = cornu.layers.InputLayer(shape=(1,), dtype="string", name="text")
    keras_layer = keras.layers.InputLayer(shape=(1,), dtype="string", name="text")
    assert layer.get_config()["dtype"] == keras_layer.get_config()["dtype"] == "string"


def test_text_model_fits_predicts_and_saves(tmp_path):
    model, texts = _text_model()
    model.compile("adam", "mse")
    history = model.fit(texts, np.ones((24, 1)), batch_size=8, epochs=2, verbose=0,
                        validation_split=0.25)
    assert len(history.history["val_loss"]) == 2
    predicted = model.predict(texts, batch_size=5, verbose=0)
    np.testing.assert_allclose(predicted, model(texts).detach().numpy(), rtol=1e-6, atol=1e-6)
    assert np.isclose(model.evaluate(texts, np.ones((24, 1)), verbose=0),
                      np.mean((predicted - 1) ** 2), rtol=1e-5)
    model.save(tmp_path / "text.keras")
    loaded = cornu.models.load_model(tmp_path / "text.keras")
    np.testing.assert_allclose(loaded.predict(texts, verbose=0), predicted, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("arg", ["sparse", "ragged"])
def test_tensorflow_only_inputs_are_refused_like_keras(arg):
    for lib in (keras, cornu):
        with pytest.raises(ValueError, match=f"`{arg}=True` is not supported with the torch"):
            lib.Input((3,), **{arg: True})


def test_input_layer_config_matches_keras():
    ours = cornu.layers.InputLayer((3, None), name="x").get_config()
    theirs = keras.layers.InputLayer((3, None), name="x").get_config()
    assert {**ours, "batch_shape": tuple(ours["batch_shape"])} == theirs
    assert cornu.layers.InputLayer.from_config(theirs).batch_shape == (None, 3, None)
