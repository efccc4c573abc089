"""Helpers shared by adaptable layers: turning `adapt()`'s data into batches."""

import itertools

import numpy as np
import torch


def _features(batch):
    """The inputs of a batch; `(x, y)` and `(x, y, sample_weight)` batches give `x`."""
    if isinstance(batch, (tuple, list)) and batch and hasattr(batch[0], "shape"):
        return batch[0]
    return batch


def _to_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def iter_batches(layer_name, data, batch_size=None, steps=None):
    """Yields `adapt()`'s data as NumPy batches.

    Args:
        layer_name: the layer's description for error messages.
        data: a NumPy array, a torch tensor, a list, or an iterable of batches (a
            DataLoader, a generator, a list of arrays...); `(x, y)` batches give `x`.
        batch_size: for an array or tensor, the number of samples per batch (all at once
            when None).
        steps: the most batches to read; all when None.
    """
    if isinstance(data, (np.ndarray, torch.Tensor, np.generic)) or (
            isinstance(data, (list, tuple)) and data and not hasattr(data[0], "shape")):
        array = _to_numpy(data)
        if array.ndim > 0 and batch_size:
            batches = (array[i:i + batch_size] for i in range(0, len(array), batch_size))
        else:
            batches = iter([array])
    elif hasattr(data, "__iter__") and not isinstance(data, (str, bytes, dict)):
        batches = (_to_numpy(_features(b)) for b in data)
    else:
        raise TypeError(f"{layer_name}: `adapt()` expects a NumPy array, a torch tensor or an "
                        f"iterable of batches (e.g. a DataLoader). Received: {type(data)}")
    if steps is not None:
        batches = itertools.islice(batches, steps)
    first = next(batches, None)
    if first is None:
        raise ValueError(f"{layer_name}: `adapt()` received no data (an empty iterable). "
                         "Pass at least one batch.")
    return itertools.chain([first], batches)
