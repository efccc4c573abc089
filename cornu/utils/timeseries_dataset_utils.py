"""`timeseries_dataset_from_array`: batches of sliding windows over a timeseries."""

import numpy as np
import torch

from cornu.utils.batch_dataset import BatchDataset


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None, format="tf"):
    """Makes a dataset of sliding windows over `data`, with the target of each window.

    Window `k` starts at step `start_index + k * sequence_stride` and takes
    `sequence_length` steps, `sampling_rate` apart; its target is
    `targets[k * sequence_stride]`, counted from `start_index` too. Windows that would reach
    past `end_index` (or past the targets) are left out.

    For example, with `data = np.arange(10)`, `sequence_length=3`, `sequence_stride=2` and
    `sampling_rate=2`, the windows hold steps `[0, 2, 4]`, `[2, 4, 6]` and `[4, 6, 8]`.
    To predict the step that follows 10 steps, pass `data[:-10]` and `targets=data[10:]`.

    Args:
        data: a NumPy array, torch tensor or list; axis 0 is time.
        targets: the target of the window starting at each step, or None (the dataset then
            yields windows alone).
        sequence_length: steps per window.
        sequence_stride: steps from the start of one window to the start of the next.
        sampling_rate: steps between two consecutive steps of a window.
        batch_size: windows per batch (the last batch may be smaller); None yields single
            windows.
        shuffle: serve the windows in a random order, new every epoch, instead of in time
            order.
        seed: seed of the shuffle.
        start_index: steps before it are not used (e.g. kept for validation).
        end_index: steps from it on are not used.
        format: `"tf"` or `"grain"`, accepted for Keras code that passes it: cornu returns
            its own dataset either way.

    Returns:
        A `TimeseriesDataset` (an iterable of batches that `fit` accepts) yielding
        `(windows, targets)` tensors, windows of shape `(batch, sequence_length) +
        data.shape[1:]`, or windows alone when `targets` is None.
    """
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` must be "tf" or "grain". Received: format={format!r}')
    data = _as_array(data, "data")
    length = len(data)
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or more. Received: start_index="
                             f"{start_index}")
        if start_index >= length:
            raise ValueError("`start_index` must be smaller than the length of `data`. "
                             f"Received: start_index={start_index}, for data of length "
                             f"{length}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError("`end_index` must be larger than `start_index`. Received: "
                             f"start_index={start_index}, end_index={end_index}")
        if end_index >= length:
            raise ValueError("`end_index` must be smaller than the length of `data`. "
                             f"Received: end_index={end_index}, for data of length {length}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be more than 0. Received: end_index={end_index}")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value <= 0:
            raise ValueError(f"`{name}` must be more than 0. Received: {name}={value}")
        if value >= length:
            raise ValueError(f"`{name}` must be smaller than the length of `data`. Received: "
                             f"{name}={value}, for data of length {length}")
    if not isinstance(sequence_length, (int, np.integer)) or sequence_length < 1:
        raise ValueError("`sequence_length` must be a positive integer. Received: "
                         f"sequence_length={sequence_length!r}")
    if batch_size is not None and (not isinstance(batch_size, (int, np.integer))
                                   or batch_size < 1):
        raise ValueError("`batch_size` must be a positive integer or None. Received: "
                         f"batch_size={batch_size!r}")
    start_index = 0 if start_index is None else start_index
    end_index = length if end_index is None else end_index
    count = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = _as_array(targets, "targets")
        count = min(count, len(targets))
    starts = np.arange(0, max(count, 0), sequence_stride)
    if shuffle and seed is None:
        seed = np.random.randint(1e6)
    return TimeseriesDataset(data, targets, starts, start_index, sequence_length,
                             sampling_rate, batch_size, shuffle, seed)


def _as_array(value, name):
    if isinstance(value, (np.ndarray, torch.Tensor)):
        return value
    array = np.asarray(value)
    if array.ndim == 0:
        raise ValueError(f"`{name}` must be an array with a time axis first. Received: {name}="
                         f"{value!r}")
    return array


def _gather(array, index):
    """`array[index]` for a NumPy array or a torch tensor, as a tensor where torch can hold
    it (NumPy arrays of strings stay NumPy arrays)."""
    if isinstance(array, torch.Tensor):
        return array[torch.from_numpy(index).to(array.device)]
    batch = array[index]
    if batch.dtype.kind in "biufc":
        return torch.from_numpy(batch)
    return batch


class TimeseriesDataset(BatchDataset):
    """Batches of windows over a timeseries: `(windows, targets)`, or windows alone.

    Made by `timeseries_dataset_from_array`. Windows are cut from `data` as batches are read
    (nothing is copied beforehand). Iterating again starts a new epoch, reshuffled when
    `shuffle` is set; `take(n)` and `map(function)` work as on a `tf.data.Dataset`.

    Args:
        data: the timeseries (time first), a NumPy array or a tensor.
        targets: per-window targets, or None.
        starts: window starts, counted from `start_index`.
        start_index: offset of the first step that windows use, in `data` and `targets`.
        sequence_length: steps per window.
        sampling_rate: steps between two steps of a window.
        batch_size: windows per batch; None yields single windows.
        shuffle: reshuffle the windows every epoch.
        seed: seed of the shuffle.
    """

    def __init__(self, data, targets, starts, start_index, sequence_length, sampling_rate,
                 batch_size, shuffle, seed):
        self._data, self._targets = data, targets
        self._starts = np.asarray(starts, dtype=np.int64) + start_index
        self._offsets = np.arange(sequence_length, dtype=np.int64) * sampling_rate
        self._batch_size, self._shuffle = batch_size, shuffle
        self._rng = np.random.default_rng(seed)

    def __len__(self):
        if self._batch_size is None:
            return len(self._starts)
        return -(-len(self._starts) // self._batch_size)

    def _batches(self):
        starts = self._rng.permutation(self._starts) if self._shuffle else self._starts
        size = self._batch_size or 1
        for first in range(0, len(starts), size):
            chunk = starts[first:first + size]
            windows = _gather(self._data, chunk[:, None] + self._offsets)
            batch = windows if self._targets is None else (
                windows, _gather(self._targets, chunk))
            if self._batch_size is None:
                batch = batch[0] if self._targets is None else tuple(part[0] for part in batch)
            yield batch

    def __repr__(self):
        return (f"<TimeseriesDataset: {len(self._starts)} windows of "
                f"{len(self._offsets)} steps, {len(self)} batches>")
