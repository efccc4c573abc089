"""`initializers.STFT` against Keras's (array windows: Keras needs SciPy for named ones) and
the named windows against NumPy's window functions."""

import numpy as np
import pytest

import cornu
import keras
from cornu.initializers.stft_initializer import get_window
from cornu.saving.serialization_lib import deserialize_keras_object, serialize_keras_object

SHAPE = (24, 1, 17)  # frame_length 24, fft_length 32


def _np(x):
    return x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)


@pytest.mark.parametrize("side", ["real", "imag"])
@pytest.mark.parametrize("scaling", ["density", "spectrum", None])
@pytest.mark.parametrize("window", ["array", None])
def test_matches_keras(side, scaling, window):
    win = np.random.default_rng(0).uniform(0.1, 1.0, SHAPE[0]) if window == "array" else None
    ours = cornu.initializers.STFT(side, win, scaling)(SHAPE)
    ref = keras.initializers.STFT(side, win, scaling)(SHAPE)
    assert tuple(ours.shape) == SHAPE and str(ours.dtype) == "torch.float32"
    np.testing.assert_allclose(_np(ours), _np(ref), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("periodic", [False, True])
def test_named_window_is_the_keras_kernel_of_its_values(periodic):
    n = SHAPE[0]
    values = np.hanning(n + 1)[:-1] if periodic else np.hanning(n)
    ours = cornu.initializers.STFT("imag", "hann", "density", periodic)(SHAPE, dtype="float64")
    ref = keras.initializers.STFT("imag", values, "density", periodic)(SHAPE, dtype="float64")
    np.testing.assert_allclose(_np(ours), _np(ref), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,fn", [("hann", np.hanning), ("hamming", np.hamming),
                                     ("blackman", np.blackman), ("bartlett", np.bartlett),
                                     ("boxcar", np.ones)])
@pytest.mark.parametrize("n", [1, 7, 16])
def test_windows_match_numpy(name, fn, n):
    np.testing.assert_allclose(get_window(name, n), fn(n), atol=1e-12)
    np.testing.assert_allclose(get_window(name, n, periodic=True), fn(n + 1)[:-1] if n > 1
                               else np.ones(1), atol=1e-12)


def test_aliases_config_and_errors():
    assert cornu.initializers.STFTInitializer is cornu.initializers.STFT
    assert isinstance(cornu.initializers.get("stft"), cornu.initializers.STFT)
    assert isinstance(cornu.initializers.get("STFTInitializer"), cornu.initializers.STFT)
    init = cornu.initializers.STFT("imag", [0.5, 1.0, 0.5], "spectrum", True)
    config = init.get_config()
    assert config == {"side": "imag", "window": [0.5, 1.0, 0.5], "periodic": True,
                      "scaling": "spectrum"}
    assert set(config) == set(keras.initializers.STFT(window=None).get_config())
    revived = deserialize_keras_object(serialize_keras_object(init))
    assert type(revived) is cornu.initializers.STFT and revived.get_config() == config
    np.testing.assert_allclose(_np(revived((3, 1, 5))), _np(init((3, 1, 5))))
    with pytest.raises(ValueError, match="side"):
        cornu.initializers.STFT("complex")
    with pytest.raises(ValueError, match="scaling"):
        cornu.initializers.STFT(scaling="l2")
    with pytest.raises(ValueError, match="window"):
        cornu.initializers.STFT(window="not_a_window")
    with pytest.raises(ValueError, match="frame_length"):
        cornu.initializers.STFT(window=[1.0, 2.0])((3, 1, 5))
