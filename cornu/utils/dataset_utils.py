"""`split_dataset`: splits arrays or a torch `Dataset` into two parts (e.g. train / test)."""

import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset, Subset, TensorDataset


def _as_tensor(array, name):
    if isinstance(array, torch.Tensor):
        return array
    array = np.asarray(array)
    if array.dtype == object:
        raise TypeError(f"`{name}` holds Python objects (ragged data?); pad it first. "
                        f"Received an array of dtype object and shape {array.shape}.")
    return torch.from_numpy(np.ascontiguousarray(array))


def _to_dataset(dataset):
    """Returns a map-style torch `Dataset` for `dataset`."""
    if isinstance(dataset, IterableDataset):
        raise TypeError("`split_dataset` needs a map-style `Dataset` with `__len__`; received "
                        f"an `IterableDataset` of type {type(dataset).__name__}.")
    if isinstance(dataset, Dataset):
        if not hasattr(dataset, "__len__"):
            raise TypeError("`split_dataset` needs a `Dataset` with `__len__`. "
                            f"Received: {type(dataset).__name__}")
        return dataset
    if isinstance(dataset, (np.ndarray, torch.Tensor)):
        return TensorDataset(_as_tensor(dataset, "dataset"))
    if isinstance(dataset, (list, tuple)) and dataset:
        tensors = [_as_tensor(item, f"dataset[{i}]") for i, item in enumerate(dataset)]
        lengths = {len(t) for t in tensors}
        if len(lengths) != 1 or any(t.dim() == 0 for t in tensors):
            raise ValueError("The arrays in `dataset` must all have the same length. Received "
                             f"lengths {[len(t) if t.dim() else None for t in tensors]}")
        return TensorDataset(*tensors)
    raise TypeError("The `dataset` argument must be a `torch.utils.data.Dataset`, a NumPy array, "
                    "a tensor, or a non-empty list/tuple of arrays of the same length. "
                    f"Received: dataset of type {type(dataset).__name__}")


def _check_size(size, name, total):
    if size is None:
        return None
    if isinstance(size, bool) or not isinstance(size, (int, float, np.integer, np.floating)):
        raise TypeError(f"Expected `{name}` to be an int, a float or None. "
                        f"Received: {name}={size!r} of type {type(size).__name__}")
    if isinstance(size, (float, np.floating)):
        if not 0 < size < 1:
            raise ValueError(f"`{name}` should be a float within the range (0, 1), or a positive "
                             f"integer smaller than {total}. Received: {name}={size}")
        return round(float(size) * total)
    if not 0 < size < total:
        raise ValueError(f"`{name}` should be a positive integer smaller than {total} (the "
                         f"dataset's length), or a float in (0, 1). Received: {name}={size}")
    return int(size)


def split_sizes(left_size, right_size, total):
    """Returns the integer sizes `(left, right)` of a split of `total` samples.

    Args:
        left_size: int (number of samples), float (fraction) or `None`
            (the complement of `right_size`).
        right_size: int, float or `None` (the complement of `left_size`).
        total: number of samples in the dataset.
    """
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. "
                         "Received: left_size=None and right_size=None")
    if isinstance(left_size, float) and isinstance(right_size, float) and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` must be at most 1. Received: "
                         f"left_size={left_size}, right_size={right_size}")
    left = _check_size(left_size, "left_size", total)
    right = _check_size(right_size, "right_size", total)
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"`left_size` + `right_size` ({left} + {right}) must not exceed the "
                         f"dataset's length ({total}).")
    if left == 0 or right == 0:
        raise ValueError(f"With a dataset of length {total}, left_size={left_size} and "
                         f"right_size={right_size} give an empty split.")
    return left, right


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None,
                  preferred_backend=None):
    """Splits a dataset into a left part and a right part (e.g. train / test).

    Arrays (NumPy arrays or tensors, alone or in a list/tuple of arrays of the
    same length) are wrapped in a `torch.utils.data.TensorDataset`, so each
    sample is a tuple of tensors, as with Keras's torch backend. The result can
    be passed to `fit` or to a `DataLoader`.

    Without shuffling, the left part holds the first `left_size` samples and
    the right part the last `right_size` samples.

    Args:
        dataset: a map-style `torch.utils.data.Dataset`, a NumPy array, a torch
            tensor, or a list/tuple of arrays with the same length.
        left_size: int (number of samples) or float in (0, 1) (fraction) for the
            left part. Defaults to the complement of `right_size`.
        right_size: int or float for the right part. Defaults to the complement
            of `left_size`.
        shuffle: whether to shuffle the samples before splitting.
        seed: random seed for the shuffle.
        preferred_backend: None or `"torch"`: the parts are torch datasets (Keras's other
            backends' datasets are not available).

    Returns:
        A tuple of two `torch.utils.data.Subset` objects, the left and right parts.
    """
    if preferred_backend not in (None, "torch"):
        raise ValueError("cornu splits datasets into torch datasets: `preferred_backend` must "
                         f"be None or 'torch'. Received: preferred_backend={preferred_backend!r}")
    dataset = _to_dataset(dataset)
    total = len(dataset)
    left, right = split_sizes(left_size, right_size, total)
    if shuffle:
        generator = torch.Generator()
        if seed is None:
            generator.seed()
        else:
            generator.manual_seed(int(seed))
        order = torch.randperm(total, generator=generator).tolist()
    else:
        order = list(range(total))
    return Subset(dataset, order[:left]), Subset(dataset, order[total - right:])
