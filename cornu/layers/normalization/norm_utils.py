"""Helpers shared by the normalization layers: axis checks and compute dtypes."""

import torch


def standardize_axes(layer, axis):
    """Returns `axis` as an int or a list of ints, or raises a ValueError naming the layer."""
    if isinstance(axis, bool):
        axis = None
    if isinstance(axis, int):
        return axis
    if isinstance(axis, (list, tuple)) and axis and all(
            isinstance(a, int) and not isinstance(a, bool) for a in axis):
        return list(axis)
    raise ValueError(f"{type(layer).__name__} '{layer.name}': `axis` must be an int or a list of "
                     f"ints. Received: axis={axis!r}")


def check_axes(layer, axes, input_shape):
    """Raises a ValueError when an axis is out of range for `input_shape`."""
    rank = len(input_shape)
    for axis in [axes] if isinstance(axes, int) else axes:
        if axis >= rank or axis < -rank:
            raise ValueError(
                f"{type(layer).__name__} '{layer.name}': axis {axis} is out of bounds for an "
                f"input of shape {tuple(input_shape)}. Received: axis={layer.axis}")


def positive_axes(axes, rank):
    """The axes as sorted non-negative ints."""
    return sorted(a % rank for a in ([axes] if isinstance(axes, int) else axes))


def is_trailing(axes, rank):
    """True when `axes` (non-negative, sorted) are the last dims of a rank-`rank` tensor."""
    return axes == list(range(rank - len(axes), rank))


def upcast(x):
    """`x` in at least float32 (normalization statistics are computed in float32 or wider)."""
    if x.is_floating_point() and x.dtype not in (torch.float32, torch.float64):
        return x.float()
    if not x.is_floating_point():
        return x.float()
    return x
