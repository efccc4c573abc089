"""Fourier transforms, short-time Fourier transforms and segment reductions.

As in Keras, complex values travel as `(real, imag)` pairs of float tensors: the transforms
take such pairs (`rfft` and `stft` take real signals) and return them.
"""

import torch
import torch.nn.functional as F

from cornu.ops.promotion import float_type, tensor
from cornu.ops.symbolic_dispatch import symbolic_op

__all__ = [
    "fft", "fft2", "ifft2", "rfft", "irfft", "stft", "istft", "segment_sum", "segment_max",
    "segment_min", "segment_prod",
]


def _complex(x):
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"Expected a (real, imag) pair of tensors. Received: x={x!r}")
    real, imag = tensor(x[0]), tensor(x[1])
    if real.shape != imag.shape:
        raise ValueError(f"The real and imaginary parts must have the same shape. Received: "
                         f"{tuple(real.shape)} and {tuple(imag.shape)}")
    if not (real.is_floating_point() and imag.is_floating_point()):
        raise ValueError(f"The real and imaginary parts must be floats. Received: "
                         f"{real.dtype} and {imag.dtype}")
    dtype = float_type(real, imag)
    return torch.complex(real.to(dtype), imag.to(device=real.device, dtype=dtype))


def _pair(z):
    return z.real, z.imag


def _real(x):
    x = tensor(x)
    return x.to(float_type(x))


@symbolic_op(options_as_keywords=True)
def fft(x):
    """The discrete Fourier transform over the last axis of a `(real, imag)` pair."""
    return _pair(torch.fft.fft(_complex(x)))


@symbolic_op(options_as_keywords=True)
def fft2(x):
    """The 2-D discrete Fourier transform over the last two axes of a `(real, imag)` pair."""
    return _pair(torch.fft.fft2(_complex(x)))


@symbolic_op(options_as_keywords=True)
def ifft2(x):
    """The inverse of `fft2`."""
    return _pair(torch.fft.ifft2(_complex(x)))


@symbolic_op(options_as_keywords=True)
def rfft(x, fft_length=None):
    """The Fourier transform of a real signal over its last axis: `fft_length // 2 + 1` bins
    (the signal cropped or zero-padded to `fft_length`)."""
    return _pair(torch.fft.rfft(_real(x), n=fft_length, dim=-1))


@symbolic_op(options_as_keywords=True)
def irfft(x, fft_length=None):
    """The real signal of length `fft_length` whose `rfft` is the pair `x`."""
    return torch.fft.irfft(_complex(x), n=fft_length, dim=-1)


def _window(window, sequence_length, dtype, device):
    if window is None:
        return torch.ones(sequence_length, dtype=dtype, device=device)
    if isinstance(window, str):
        makers = {"hann": torch.hann_window, "hamming": torch.hamming_window}
        if window not in makers:
            raise ValueError(f"A `window` given by name must be 'hann' or 'hamming'. "
                             f"Received: window={window!r}")
        return makers[window](sequence_length, periodic=True, dtype=dtype, device=device)
    win = tensor(window, dtype, device)
    if win.dim() != 1 or win.shape[0] != sequence_length:
        raise ValueError(f"`window` must have shape ({sequence_length},) (sequence_length). "
                         f"Received: shape={tuple(win.shape)}")
    return win


@symbolic_op(options_as_keywords=True)
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """The short-time Fourier transform of real signals over their last axis.

    Frames of `sequence_length` samples every `sequence_stride` samples are windowed, zero-padded
    to `fft_length` and transformed; with `center`, the signal is first padded by
    `fft_length // 2` reflected samples on both sides. Returns a `(real, imag)` pair of shape
    `(..., frames, fft_length // 2 + 1)`.
    """
    x = tensor(x)
    if x.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"`stft` takes float32 or float64 signals. Received: {x.dtype}")
    if fft_length < sequence_length:
        raise ValueError(f"`fft_length` ({fft_length}) must be at least `sequence_length` "
                         f"({sequence_length}).")
    win = _window(window, sequence_length, x.dtype, x.device)
    batch_shape = x.shape[:-1]
    z = torch.stft(x.reshape(-1, x.shape[-1]), n_fft=fft_length, hop_length=sequence_stride,
                   win_length=sequence_length, window=win, center=center, return_complex=True)
    z = z.reshape(batch_shape + z.shape[-2:]).transpose(-1, -2)
    return _pair(z)


@symbolic_op(options_as_keywords=True)
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """The inverse of `stft`: real signals from a `(real, imag)` pair `(..., frames, bins)`.

    The windowed frames are overlap-added and divided by the overlap-added squared window
    (for a window shorter than `fft_length` or without `center`, by its steady-state sum,
    as TensorFlow's inverse STFT window does). `length` crops or pads the result.
    """
    z = _complex(x)
    dtype = z.real.dtype
    win = None if window is None else _window(window, sequence_length, dtype, z.device)
    batch_shape, (frames, bins) = z.shape[:-2], z.shape[-2:]
    if sequence_length == fft_length and center and win is not None and z.device.type != "meta":
        y = torch.istft(z.reshape((-1, frames, bins)).transpose(-1, -2), n_fft=fft_length,
                        hop_length=sequence_stride, win_length=sequence_length, window=win,
                        center=True, length=length)
        return y.reshape(batch_shape + y.shape[-1:])
    frames_t = torch.fft.irfft(z, n=fft_length, dim=-1)  # (..., frames, fft_length)
    if win is not None:
        left = (fft_length - sequence_length) // 2
        win = F.pad(win, (left, fft_length - sequence_length - left))
        # Steady-state overlap of the squared window, position by position within a hop.
        hops = -(-fft_length // sequence_stride)
        squares = F.pad(win.square(), (0, hops * sequence_stride - fft_length))
        per_phase = squares.reshape(hops, sequence_stride).sum(0)
        frames_t = frames_t * (win / per_phase.repeat(hops)[:fft_length])
    flat = frames_t.reshape((-1, frames, fft_length)).transpose(1, 2)
    total = fft_length + sequence_stride * (frames - 1)
    y = F.fold(flat, (1, total), (1, fft_length), stride=(1, sequence_stride))
    y = y.reshape(batch_shape + (total,))
    start = fft_length // 2 if center else 0
    if length is not None:
        end = start + length
    elif center:
        end = total - fft_length // 2
    else:
        end = total
    y = y[..., start:end]
    if length is not None and y.shape[-1] < length:
        y = F.pad(y, (0, length - y.shape[-1]))
    return y


_EMPTY = {"amax": float("-inf"), "amin": float("inf"), "prod": 1.0, "sum": 0.0}


def _segment(data, segment_ids, num_segments, reduction):
    data = tensor(data)
    ids = tensor(segment_ids, device=data.device).long()
    if num_segments is None:
        num_segments = int(ids.max()) + 1 if ids.numel() else 0
    # Ids outside [0, num_segments) go to an extra segment that is dropped.
    ids = torch.where((ids >= 0) & (ids < num_segments), ids, num_segments)
    ids = ids.reshape((-1,) + (1,) * (data.dim() - 1)).expand_as(data)
    fill = _EMPTY[reduction]
    if not data.is_floating_point() and fill in (float("inf"), float("-inf")):
        info = torch.iinfo(data.dtype)
        fill = info.min if fill < 0 else info.max
    out = torch.full((num_segments + 1,) + tuple(data.shape[1:]), fill, dtype=data.dtype,
                     device=data.device)
    return out.scatter_reduce(0, ids, data, reduction)[:-1]


@symbolic_op(options_as_keywords=True)
def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sums of the rows of `data` that share a segment id (one per segment, 0 if empty)."""
    return _segment(data, segment_ids, num_segments, "sum")


@symbolic_op(options_as_keywords=True)
def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """Maxima of the rows of `data` per segment id (-inf, or the lowest int, if empty)."""
    return _segment(data, segment_ids, num_segments, "amax")


@symbolic_op(options_as_keywords=True)
def segment_min(data, segment_ids, num_segments=None, sorted=False):
    """Minima of the rows of `data` per segment id (inf, or the highest int, if empty)."""
    return _segment(data, segment_ids, num_segments, "amin")


@symbolic_op(options_as_keywords=True)
def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    """Products of the rows of `data` per segment id (1 if empty)."""
    return _segment(data, segment_ids, num_segments, "prod")
