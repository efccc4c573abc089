"""`STFTSpectrogram` against Keras's (array windows: Keras needs SciPy for named ones)."""

import os
import warnings

import numpy as np
import pytest

import cornu
import keras
from tests.layer_test_utils import run_layer_test

RNG = np.random.default_rng(0)
WINDOW = np.hanning(40)


def _np(x):
    return x.detach().cpu().numpy()


def _inputs(data_format, channels=3, length=300):
    x = RNG.standard_normal((2, length, channels)).astype("float32")
    return x if data_format == "channels_last" else np.ascontiguousarray(x.transpose(0, 2, 1))


@pytest.mark.parametrize("mode", ["log", "magnitude", "psd", "real", "imag", "angle", "stft"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("expand_dims", [False, True])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_matches_keras_with_keras_weights(mode, data_format, expand_dims, padding):
    kwargs = dict(mode=mode, frame_length=40, frame_step=15, fft_length=64, window=WINDOW,
                  padding=padding, expand_dims=expand_dims, data_format=data_format)
    x = _inputs(data_format)
    ref_layer = keras.layers.STFTSpectrogram(**kwargs)
    ref = _np(ref_layer(x))
    layer = cornu.layers.STFTSpectrogram(**kwargs)
    out = _np(layer(x))
    assert out.shape == ref.shape
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    # Perturbed (as if trained) Keras weights give the same outputs here.
    trained = [w + 0.01 * RNG.standard_normal(w.shape).astype("float32")
               for w in ref_layer.get_weights()]
    ref_layer.set_weights(trained)
    layer.set_weights(ref_layer.get_weights())
    np.testing.assert_allclose(_np(layer(x)), _np(ref_layer(x)), rtol=1e-5, atol=1e-5)
    sym = cornu.layers.STFTSpectrogram(**kwargs)(cornu.Input(batch_shape=(None,) + x.shape[1:]))
    assert tuple(sym.shape) == (None,) + ref.shape[1:]
    assert tuple(sym.shape) == tuple(ref_layer.compute_output_shape((None,) + x.shape[1:]))


@pytest.mark.parametrize("scaling", ["density", "spectrum", None])
@pytest.mark.parametrize("window", ["array", None])
def test_defaults_and_scalings_match_keras(scaling, window):
    win = np.hamming(64) if window == "array" else None
    x = _inputs("channels_last", channels=1, length=500)
    ref = keras.layers.STFTSpectrogram(frame_length=64, window=win, scaling=scaling)
    layer = cornu.layers.STFTSpectrogram(frame_length=64, window=win, scaling=scaling)
    np.testing.assert_allclose(_np(layer(x)), _np(ref(x)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("periodic", [False, True])
def test_named_window(periodic):
    values = np.hanning(41)[:-1] if periodic else np.hanning(40)
    x = _inputs("channels_last", channels=2)
    ref = keras.layers.STFTSpectrogram(mode="magnitude", frame_length=40, window=values)
    layer = cornu.layers.STFTSpectrogram(mode="magnitude", frame_length=40, window="hann",
                                         periodic=periodic)
    np.testing.assert_allclose(_np(layer(x)), _np(ref(x)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kwargs,shape", [
    (dict(frame_length=32, frame_step=8), (2, 100, 2)),
    (dict(mode="stft", frame_length=16, padding="same", expand_dims=True), (2, 64, 3)),
    (dict(mode="real", frame_length=16, data_format="channels_first"), (2, 1, 64)),
    (dict(mode="psd", frame_length=20, fft_length=32, window=None), (2, 50, 1)),
])
def test_layer_contract(kwargs, shape):
    run_layer_test(cornu.layers.STFTSpectrogram, kwargs, input_shape=shape,
                   expected_num_trainable_weights=1 if kwargs.get("mode") == "real" else 2)


def test_config_matches_keras_and_non_trainable():
    kwargs = dict(mode="angle", frame_length=20, frame_step=5, fft_length=32,
                  window=np.hanning(20).tolist(), periodic=True, scaling="spectrum",
                  padding="same", expand_dims=True, data_format="channels_first")
    config = cornu.layers.STFTSpectrogram(**kwargs).get_config()
    ref = keras.layers.STFTSpectrogram(**kwargs).get_config()
    assert {k: config[k] for k in kwargs} == {k: ref[k] for k in kwargs}
    assert set(config) <= set(ref) | {"dtype"}
    layer = cornu.layers.STFTSpectrogram(frame_length=16, trainable=False)
    layer(_inputs("channels_last", channels=1, length=64))
    assert not layer.trainable_weights and len(layer.non_trainable_weights) == 2


def test_saved_model_round_trip(tmp_path):
    inputs = cornu.Input(shape=(200, 2))
    outputs = cornu.layers.STFTSpectrogram(frame_length=32, fft_length=64,
                                           window="hamming")(inputs)
    model = cornu.Model(inputs, outputs)
    x = _inputs("channels_last", channels=2, length=200)
    model.layers[1].set_weights([w * 1.5 for w in model.layers[1].get_weights()])
    path = os.path.join(tmp_path, "stft.keras")
    model.save(path)
    loaded = cornu.models.load_model(path)
    np.testing.assert_allclose(_np(loaded(x)), _np(model(x)), rtol=1e-6, atol=1e-6)


def test_errors():
    layer_cls = cornu.layers.STFTSpectrogram
    with pytest.raises(ValueError, match="mode"):
        layer_cls(mode="power")
    with pytest.raises(ValueError, match="frame_step"):
        layer_cls(frame_length=16, frame_step=32)
    with pytest.raises(ValueError, match="fft_length"):
        layer_cls(frame_length=16, fft_length=8)
    with pytest.raises(ValueError, match="scaling"):
        layer_cls(scaling="l1")
    with pytest.raises(ValueError, match="padding"):
        layer_cls(padding="causal")
    with pytest.raises(ValueError, match="window"):
        layer_cls(window="nope")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layer_cls(frame_length=16, fft_length=24)
    assert any("power of two" in str(w.message) for w in caught)
    with pytest.raises(TypeError, match="float"):
        layer_cls(frame_length=16, dtype="int32")(np.ones((1, 64, 1), "int32"))
    with pytest.raises(ValueError):
        layer_cls(frame_length=16)(np.ones((64, 1), "float32"))


def test_keras_files_load_both_ways(tmp_path):
    x = _inputs("channels_last", channels=2, length=200)
    inputs = keras.Input((200, 2))
    ref = keras.Model(inputs, keras.layers.STFTSpectrogram(frame_length=32,
                                                           window=np.hanning(32))(inputs))
    ref.layers[1].set_weights([w * 0.5 for w in ref.layers[1].get_weights()])
    ref.save(tmp_path / "keras.keras")
    loaded = cornu.models.load_model(tmp_path / "keras.keras")
    np.testing.assert_allclose(_np(loaded(x)), _np(ref(x)), rtol=1e-5, atol=1e-5)
    inputs = cornu.Input((200, 2))
    model = cornu.Model(inputs, cornu.layers.STFTSpectrogram(
        mode="psd", frame_length=32, window=np.hamming(32))(inputs))
    model.save(tmp_path / "cornu.keras")
    back = keras.models.load_model(tmp_path / "cornu.keras")
    np.testing.assert_allclose(_np(back(x)), _np(model(x)), rtol=1e-5, atol=1e-5)
