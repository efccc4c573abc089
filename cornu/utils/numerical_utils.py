"""Numerical helpers: `to_categorical` (one-hot encoding) and `normalize` (Lp normalization)."""

import numpy as np
import torch


def _squeeze_trailing_one(shape):
    if len(shape) > 1 and shape[-1] == 1:
        return tuple(shape[:-1])
    return tuple(shape)


def _check_classes(x, num_classes):
    """Returns the number of classes, checking that `x` holds valid class indices."""
    if num_classes is None or num_classes == 0:
        if x.numel() if isinstance(x, torch.Tensor) else x.size:
            num_classes = int(x.max()) + 1
        else:
            raise ValueError("`to_categorical` cannot infer `num_classes` from an empty input; "
                             "pass `num_classes`.")
    if not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError("Expected `num_classes` to be a positive integer or None. "
                         f"Received: num_classes={num_classes!r}")
    num_classes = int(num_classes)
    size = x.numel() if isinstance(x, torch.Tensor) else x.size
    if size:
        low, high = int(x.min()), int(x.max())
        if low < 0 or high >= num_classes:
            raise ValueError(f"Expected class indices in [0, {num_classes - 1}] for "
                             f"num_classes={num_classes}. Received values in [{low}, {high}].")
    return num_classes


def to_categorical(x, num_classes=None):
    """Converts a class vector (integers) to a one-hot class matrix.

    A trailing dimension of size 1 is dropped first, so labels of shape
    `(n, 1)` give a matrix of shape `(n, num_classes)`.

    Args:
        x: array-like, NumPy array or torch tensor of class indices
            (integers from 0 to `num_classes - 1`).
        num_classes: total number of classes. If `None`, `max(x) + 1`.

    Returns:
        A float32 one-hot array, with the class axis last: a NumPy array, or a
        torch tensor on `x`'s device when `x` is a torch tensor.
    """
    if isinstance(x, torch.Tensor):
        if x.is_floating_point() or x.is_complex() or x.dtype == torch.bool:
            x = x.to(torch.int64)
        x = x.reshape(_squeeze_trailing_one(x.shape)).to(torch.int64)
        num_classes = _check_classes(x, num_classes)
        return torch.nn.functional.one_hot(x, num_classes).to(torch.float32)

    try:
        x = np.asarray(x, dtype="int64")
    except (TypeError, ValueError) as error:
        raise ValueError("Expected `x` to hold integer class indices. "
                         f"Received: x={x!r}") from error
    num_classes = _check_classes(x, num_classes)
    shape = _squeeze_trailing_one(x.shape)
    flat = x.reshape(-1)
    categorical = np.zeros((flat.shape[0], num_classes), dtype="float32")
    categorical[np.arange(flat.shape[0]), flat] = 1
    return categorical.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Normalizes an array to unit Lp norm along an axis.

    Slices whose norm is zero are left unchanged.

    Args:
        x: array to normalize: a NumPy array (or array-like) or a torch tensor.
        axis: axis along which to normalize.
        order: normalization order, e.g. `2` for the L2 norm.

    Returns:
        A normalized copy of `x`, of the same kind (NumPy array or torch tensor).
    """
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise ValueError(f"Expected `axis` to be an integer. Received: axis={axis!r}")
    if isinstance(x, torch.Tensor):
        if not x.is_floating_point():
            x = x.to(torch.float32)
        norm = torch.linalg.vector_norm(x, ord=order, dim=int(axis), keepdim=True)
        norm = torch.where(norm == 0, torch.ones_like(norm), norm)
        return x / norm
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, int(axis)))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, int(axis))
