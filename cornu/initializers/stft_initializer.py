"""`STFT`: kernels that make a 1-D convolution compute a short-time Fourier transform.

Keras takes named windows from `scipy.signal.get_window`; cornu computes the same windows
with NumPy (`get_window` below), so SciPy is not needed.
"""

import math

import numpy as np
import torch

from cornu.backend.config import floatx
from cornu.initializers import Initializer
from cornu.utils.dtypes import to_torch_dtype


def _general_cosine(coefficients):
    def window(m):
        fac = np.linspace(-np.pi, np.pi, m)
        return sum(a * np.cos(k * fac) for k, a in enumerate(coefficients))
    return window


def _boxcar(m):
    return np.ones(m)


def _triang(m):
    n = np.arange(1, (m + 1) // 2 + 1)
    if m % 2 == 0:
        w = (2 * n - 1.0) / m
        return np.concatenate([w, w[::-1]])
    w = 2 * n / (m + 1.0)
    return np.concatenate([w, w[-2::-1]])


def _bartlett(m):
    n = np.arange(m)
    return np.where(n <= (m - 1) / 2.0, 2.0 * n / (m - 1), 2.0 - 2.0 * n / (m - 1))


def _cosine(m):
    return np.sin(np.pi / m * (np.arange(m) + 0.5))


def _bohman(m):
    fac = np.abs(np.linspace(-1, 1, m)[1:-1])
    w = (1 - fac) * np.cos(np.pi * fac) + 1.0 / np.pi * np.sin(np.pi * fac)
    return np.concatenate([[0.0], w, [0.0]])


def _barthann(m):
    fac = np.abs(np.arange(m) / (m - 1.0) - 0.5)
    return 0.62 - 0.48 * fac + 0.38 * np.cos(2 * np.pi * fac)


_WINDOWS = {
    "hann": _general_cosine([0.5, 0.5]),
    "hamming": _general_cosine([0.54, 0.46]),
    "blackman": _general_cosine([0.42, 0.50, 0.08]),
    "nuttall": _general_cosine([0.3635819, 0.4891775, 0.1365995, 0.0106411]),
    "blackmanharris": _general_cosine([0.35875, 0.48829, 0.14128, 0.01168]),
    "flattop": _general_cosine([0.21557895, 0.41663158, 0.277263158, 0.083578947,
                                0.006947368]),
    "boxcar": _boxcar,
    "triang": _triang,
    "bartlett": _bartlett,
    "cosine": _cosine,
    "bohman": _bohman,
    "barthann": _barthann,
}
# SciPy's other names for the same windows.
_ALIASES = {
    "han": "hann", "hamm": "hamming", "ham": "hamming", "black": "blackman",
    "blk": "blackman", "nutl": "nuttall", "nut": "nuttall", "blackharr": "blackmanharris",
    "bkh": "blackmanharris", "flat": "flattop", "flt": "flattop", "box": "boxcar",
    "ones": "boxcar", "rect": "boxcar", "rectangular": "boxcar", "tri": "triang",
    "triangle": "triang", "bart": "bartlett", "brt": "bartlett", "halfcosine": "cosine",
    "bman": "bohman", "bmn": "bohman", "brthan": "barthann", "bth": "barthann",
}


def _window_name(window, owner):
    name = _ALIASES.get(window, window)
    if name not in _WINDOWS:
        raise ValueError(
            f"{owner}: `window` must be the name of a window ({', '.join(sorted(_WINDOWS))}), "
            f"an array of window values or None. Received: window={window!r}")
    return name


def get_window(window, length, periodic=False):
    """The values of the named window of `length` samples, as `scipy.signal.get_window`
    computes them (`periodic=True` is SciPy's `fftbins=True`): a float64 NumPy array."""
    fn = _WINDOWS[_window_name(window, "get_window")]
    if length <= 1:
        return np.ones(max(length, 0))
    if periodic:
        return fn(length + 1)[:-1]
    return fn(length)


def _plain_window(window):
    """A window as config-friendly data: names and None stay, arrays become lists."""
    if window is None or isinstance(window, str):
        return window
    if isinstance(window, dict) and window.get("class_name") == "__numpy__":
        return list(window["config"]["value"])  # an array window in a Keras config
    if isinstance(window, torch.Tensor):
        window = window.detach().cpu().numpy()
    try:
        return np.asarray(window, dtype="float64").tolist()
    except (TypeError, ValueError):
        raise ValueError("`window` must be a window name, an array of numbers or None. "
                         f"Received: window={window!r}") from None


class STFT(Initializer):
    """Initializer of Conv kernels for Short-term Fourier Transformation (STFT).

    A kernel of shape `(frame_length, input_channels, fft_length // 2 + 1)` holds, for each
    frequency bin `f` and time step `t`, `cos(-2 pi t f / fft_length)` (the real side) or
    `sin(-2 pi t f / fft_length)` (the imaginary side), times the window and divided by the
    window's scaling. Convolving a signal with the two kernels gives the real and imaginary
    parts of its STFT; this is what `STFTSpectrogram` does.

    Args:
        side: String, `"real"` or `"imag"` deciding if the kernel will compute
            the real side or the imaginary side of the output. Defaults to
            `"real"`.
        window: String for the name of the windowing function (as in the
            `scipy.signal.windows` module: `"hann"`, `"hamming"`, `"blackman"`,
            `"bartlett"`, `"boxcar"`, ...), or array_like for the window values,
            or `None` for no windowing.
        scaling: String, `"density"` or `"spectrum"` for scaling of the window
            for normalization, either L2 or L1 normalization.
            `None` for no scaling.
        periodic: Boolean, if True, the window function will be treated as
            periodic. Defaults to `False`.
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"STFT initializer: `side` must be 'real' or 'imag'. "
                             f"Received: side={side!r}")
        if isinstance(window, str):
            _window_name(window, "STFT initializer")
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError("STFT initializer: `scaling` must be None, 'density' or "
                             f"'spectrum'. Received: scaling={scaling!r}")
        self.side = side
        self.window = _plain_window(window)
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape, dtype=None):
        dtype = to_torch_dtype(dtype or floatx())
        if len(shape) != 3:
            raise ValueError("STFT initializer: the shape must be (frame_length, "
                             f"input_channels, fft_length // 2 + 1). Received: shape={shape}")
        frame_length, _, bins = (int(s) for s in shape)
        win = None
        scale = 1.0
        if self.window is not None:
            if isinstance(self.window, str):
                win = torch.as_tensor(get_window(self.window, frame_length, self.periodic),
                                      dtype=dtype)
            else:
                win = torch.as_tensor(np.asarray(self.window, dtype="float64"), dtype=dtype)
            if win.dim() != 1 or win.shape[0] != frame_length:
                raise ValueError("STFT initializer: the shape of `window` must be "
                                 f"({frame_length},) (frame_length). Received: window "
                                 f"shape={tuple(win.shape)}")
            win = win.reshape(frame_length, 1, 1)
            if self.scaling == "density":
                scale = win.square().sum().sqrt()
            elif self.scaling == "spectrum":
                scale = win.abs().sum()
        n_fft = (bins - 1) * 2
        freq = torch.arange(bins, dtype=dtype).reshape(1, 1, bins) / n_fft
        time = torch.arange(frame_length, dtype=dtype).reshape(frame_length, 1, 1)
        args = (-2 * time) * freq * torch.tensor(math.pi, dtype=dtype)
        kernel = torch.cos(args) if self.side == "real" else torch.sin(args)
        if win is not None:
            kernel = kernel * win / scale
        return kernel

    def get_config(self):
        return {"side": self.side, "window": _plain_window(self.window),
                "periodic": self.periodic, "scaling": self.scaling}


STFTInitializer = STFT
