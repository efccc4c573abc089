"""`MelSpectrogram` against Keras's on random audio."""

import os

import numpy as np
import pytest

import cornu
import keras
from tests.layer_test_utils import run_layer_test

RNG = np.random.default_rng(0)


def _np(x):
    return x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(fft_length=512, sequence_stride=128, num_mel_bins=40, sampling_rate=8000),
    dict(fft_length=256, sequence_length=200, window="hamming", power_to_db=False,
         mag_exp=1.0, num_mel_bins=32, min_freq=100.0, max_freq=3000.0),
    dict(fft_length=256, sequence_stride=100, window=None, top_db=30.0, ref_power=2.0,
         min_power=1e-6, num_mel_bins=24),
    dict(fft_length=128, sequence_length=100, sequence_stride=50,
         window=np.hanning(100).astype("float32"), num_mel_bins=16),
])
@pytest.mark.parametrize("batched", [True, False])
def test_matches_keras(kwargs, batched):
    x = RNG.uniform(-1, 1, (3, 4000) if batched else (4000,)).astype("float32")
    out = _np(cornu.layers.MelSpectrogram(**kwargs)(x))
    ref = _np(keras.layers.MelSpectrogram(**kwargs)(x))
    assert out.shape == ref.shape
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=2e-5)


def test_float64_matches_keras():
    x = RNG.uniform(-1, 1, (2, 3000))
    kwargs = dict(fft_length=256, sequence_stride=64, num_mel_bins=20, dtype="float64")
    out = cornu.layers.MelSpectrogram(**kwargs)(x)
    ref = keras.layers.MelSpectrogram(**kwargs)(x)
    assert str(out.dtype) == "torch.float64" and str(ref.dtype) == "torch.float64"
    # Keras's torch tensordot of the float64 spectrogram with its float32 mel matrix returns
    # float32, so Keras's float64 result has float32 precision; cornu's stays float64.
    np.testing.assert_allclose(_np(out), _np(ref), rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("length,stride", [(1000, 128), (255, 256), (767, 256)])
def test_layer_contract_and_symbolic_frames(length, stride):
    # Keras's compute_output_shape says 1 + (length + 1) // stride frames: one too many
    # when length + 1 is a multiple of the stride; cornu's symbolic shape is the real one.
    layer, out = run_layer_test(
        cornu.layers.MelSpectrogram,
        dict(fft_length=256, sequence_stride=stride, num_mel_bins=16),
        input_shape=(2, length), expected_num_trainable_weights=0)
    ref = keras.layers.MelSpectrogram(fft_length=256, sequence_stride=stride,
                                      num_mel_bins=16)(np.zeros((2, length), "float32"))
    assert tuple(out.shape) == tuple(ref.shape)
    sym = layer(cornu.Input(shape=(length,)))
    assert tuple(sym.shape) == (None,) + tuple(ref.shape[1:])
    assert tuple(layer.compute_output_shape((length,))) == tuple(ref.shape[1:])


def test_config_matches_keras_and_saved_model(tmp_path):
    kwargs = dict(fft_length=512, sequence_stride=160, sequence_length=400, window="hamming",
                  sampling_rate=8000, num_mel_bins=30, min_freq=50.0, max_freq=None,
                  power_to_db=True, top_db=60.0, mag_exp=1.5, min_power=1e-8, ref_power=0.5)
    config = cornu.layers.MelSpectrogram(**kwargs).get_config()
    ref = keras.layers.MelSpectrogram(**kwargs).get_config()
    assert {k: config[k] for k in kwargs} == {k: ref[k] for k in kwargs}
    inputs = cornu.Input(shape=(2000,))
    model = cornu.Model(inputs, cornu.layers.MelSpectrogram(**kwargs)(inputs))
    path = os.path.join(tmp_path, "mel.keras")
    model.save(path)
    loaded = cornu.models.load_model(path)
    x = RNG.uniform(-1, 1, (2, 2000)).astype("float32")
    np.testing.assert_allclose(_np(loaded(x)), _np(model(x)), rtol=1e-6)
    np.testing.assert_allclose(_np(loaded(x)), _np(keras.layers.MelSpectrogram(**kwargs)(x)),
                               rtol=1e-5, atol=2e-5)


def test_errors():
    with pytest.raises(ValueError, match="sequence_length"):
        cornu.layers.MelSpectrogram(fft_length=256, sequence_length=512)
    with pytest.raises(ValueError, match="window"):
        cornu.layers.MelSpectrogram(window="blackman")
    with pytest.raises(ValueError, match="sequence_stride"):
        cornu.layers.MelSpectrogram(sequence_stride=0)
    with pytest.raises(ValueError, match="1D"):
        cornu.layers.MelSpectrogram(fft_length=64)(np.zeros((2, 3, 500), "float32"))


def test_keras_files_load_both_ways(tmp_path):
    x = RNG.uniform(-1, 1, (2, 2000)).astype("float32")
    inputs = keras.Input((2000,))
    ref = keras.Model(inputs, keras.layers.MelSpectrogram(fft_length=256, num_mel_bins=20)(
        inputs))
    ref.save(tmp_path / "keras.keras")
    loaded = cornu.models.load_model(tmp_path / "keras.keras")
    np.testing.assert_allclose(_np(loaded(x)), _np(ref(x)), rtol=1e-5, atol=2e-5)
    inputs = cornu.Input((2000,))
    model = cornu.Model(inputs, cornu.layers.MelSpectrogram(
        fft_length=128, sequence_stride=64, window="hamming", num_mel_bins=12)(inputs))
    model.save(tmp_path / "cornu.keras")
    back = keras.models.load_model(tmp_path / "cornu.keras")
    np.testing.assert_allclose(_np(back(x)), _np(model(x)), rtol=1e-5, atol=2e-5)
