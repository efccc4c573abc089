"""Turning what users pass to `fit` / `evaluate` / `predict` into batches of tensors.

Arrays (NumPy or torch, or lists / dicts of them) are converted to tensors once and moved
to the model's device once; each epoch then shuffles indices on that device and slices
batches, which is what a hand-written PyTorch loop does. Datasets, DataLoaders and Python
generators are iterated as they are.
"""

import math

import numpy as np
import torch

from cornu.utils import tree


def unpack_x_y_sample_weight(data):
    """Splits a batch into `(x, y, sample_weight)`; missing parts are None."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`. "
        f"Received a tuple of {len(data)} elements.")


def _is_array(x):
    return isinstance(x, (np.ndarray, torch.Tensor))


def is_array_structure(x):
    """True for an array, or a list / tuple / dict whose leaves are all arrays."""
    if x is None:
        return False
    leaves = tree.flatten(x)
    return bool(leaves) and all(_is_array(a) or a is None for a in leaves) and any(
        _is_array(a) for a in leaves)


def to_tensor(x, device=None, float_dtype=torch.float32):
    """A tensor on `device`; float64 data becomes `float_dtype` (Keras's float32)."""
    if x is None:
        return None
    if isinstance(x, np.ndarray):
        if x.dtype == object:
            raise ValueError("Cannot convert a NumPy array of Python objects to a tensor; pad "
                             "sequences to a common length first (`pad_sequences`).")
        if x.dtype.kind in "US":
            raise ValueError(f"Cannot train on string data of dtype {x.dtype} directly.")
        t = torch.from_numpy(np.ascontiguousarray(x))
    elif isinstance(x, torch.Tensor):
        t = x
    else:
        t = torch.as_tensor(np.asarray(x))
    if t.dtype == torch.float64 and float_dtype is not None:
        t = t.to(float_dtype)
    if device is not None and t.device != device:
        t = t.to(device, non_blocking=True)
    return t


def structure_to_tensors(x, device=None):
    return tree.map_structure(lambda a: to_tensor(a, device), x) if x is not None else None


def num_samples(structure, name):
    sizes = {int(a.shape[0]) for a in tree.flatten(structure) if _is_array(a)}
    if len(sizes) > 1:
        raise ValueError(
            f"Data cardinality is ambiguous. Make sure all arrays in `{name}` contain the same "
            f"number of samples. Received sizes: {sorted(sizes)}")
    return sizes.pop() if sizes else 0


def check_cardinality(x, y, sample_weight):
    """The common number of samples of x, y and sample_weight, or a clear error."""
    sizes = {}
    for name, value in (("x", x), ("y", y), ("sample_weight", sample_weight)):
        if value is not None:
            sizes[name] = num_samples(value, name)
    if len(set(sizes.values())) > 1:
        detail = " ".join(f"'{k}' sizes: {v}" for k, v in sizes.items())
        raise ValueError(
            "Data cardinality is ambiguous. Make sure all arrays contain the same number of "
            f"samples. {detail}")
    return next(iter(sizes.values()))


def _slice(structure, index):
    if isinstance(structure, torch.Tensor):
        return structure[index]
    return tree.map_structure(lambda a: a[index] if a is not None else None, structure)


class ArrayBatches:
    """Batches over in-memory arrays, shuffled per epoch on the data's device.

    Args:
        x, y, sample_weight: array structures (already tensors).
        batch_size: samples per batch.
        shuffle: shuffle each epoch (`"batch"` shuffles whole batches, like Keras).
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, shard=None,
                 generator=None, batch_device=None):
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.shard, self.generator, self.batch_device = shard, generator, batch_device
        self.num_samples = check_cardinality(x, y, sample_weight)
        if batch_size is None:
            batch_size = 32
        if not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"`batch_size` must be a positive int. Received: batch_size={batch_size!r}")
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.steps = math.ceil(self.num_samples / batch_size) if self.num_samples else 0
        first = tree.flatten(x)[0]
        self.device = first.device

    def __len__(self):
        return self.steps

    def __iter__(self):
        n, bs = self.num_samples, self.batch_size
        if self.shuffle == "batch":
            order = torch.randperm(self.steps, generator=self.generator).tolist()
            batches = [slice(b * bs, min(n, (b + 1) * bs)) for b in order]
        elif self.shuffle:
            perm = torch.randperm(n, generator=self.generator).to(self.device)
            batches = (perm[start:start + bs] for start in range(0, n, bs))
        else:
            batches = (slice(start, start + bs) for start in range(0, n, bs))
        for index in batches:
            if self.shard is not None:
                if isinstance(index, slice):
                    index = torch.arange(index.start, min(index.stop, n), device=self.device)
                index = self.shard(index)
            yield self._batch(index)

    def _batch(self, index):
        parts = [self.x] if self.y is None else (
            [self.x, self.y] if self.sample_weight is None else [self.x, self.y, self.sample_weight])
        batch = tuple(_slice(part, index) for part in parts)
        if self.batch_device is not None:
            batch = tree.map_structure(lambda t: t.to(self.batch_device, non_blocking=True), batch)
        return batch


class IterableBatches:
    """Batches from a Dataset, DataLoader, generator or any iterable of batches.

    Args:
        data: the source. A map-style `torch.utils.data.Dataset` is wrapped in a DataLoader
            with `batch_size`; a DataLoader or iterable already yields batches.
        batch_size: used only to wrap a map-style Dataset.
        shuffle: used only to wrap a map-style Dataset.
        steps: batches per epoch (None: until the source is exhausted).
        device: where batches go.
    """

    def __init__(self, data, batch_size=None, shuffle=False, steps=None, device=None):
        from torch.utils.data import DataLoader, Dataset, IterableDataset

        if isinstance(data, Dataset) and not isinstance(data, IterableDataset):
            data = DataLoader(data, batch_size=batch_size or 32, shuffle=bool(shuffle),
                              pin_memory=device is not None and device.type == "cuda")
        self.data = data
        self.steps = steps
        self.device = device
        self._reiterable = hasattr(data, "__len__") or isinstance(data, DataLoader)
        self._iterator = None

    def __len__(self):
        if self.steps is not None:
            return self.steps
        try:
            return len(self.data)
        except TypeError:
            return None

    def __iter__(self):
        if self._reiterable or self._iterator is None:
            self._iterator = iter(self.data)
        count = 0
        while self.steps is None or count < self.steps:
            try:
                batch = next(self._iterator)
            except StopIteration:
                self._iterator = None
                return
            count += 1
            yield self._convert(batch)

    def _convert(self, batch):
        if isinstance(batch, dict) or _is_array(batch):
            return (structure_to_tensors(batch, self.device),)
        return tuple(structure_to_tensors(part, self.device) for part in batch)


def make_batches(x, y=None, sample_weight=None, batch_size=None, shuffle=False, steps=None,
                 device=None, shard=None, generator=None):
    """Picks the right batch source for the inputs of `fit`, `evaluate` or `predict`.

    `shard` (data-parallel runs) maps a global batch's indices to this process's part;
    `generator` makes the shuffle identical on every process.
    """
    x, y, sample_weight = (_numbers_to_array(v) for v in (x, y, sample_weight))
    if is_array_structure(x):
        # Arrays go to the device once when they fit; otherwise they stay in pinned host
        # memory and each batch is copied without blocking.
        resident = device if _fits_on(device, (x, y, sample_weight)) else None
        xt = structure_to_tensors(x, resident)
        yt = structure_to_tensors(y, resident)
        swt = structure_to_tensors(sample_weight, resident)
        batch_device = None
        if resident is None and device is not None and device.type != "cpu":
            xt, yt, swt = (tree.map_structure(lambda t: t.pin_memory(), v) if v is not None
                           else None for v in (xt, yt, swt))
            batch_device = device
        batches = ArrayBatches(xt, yt, swt, batch_size=batch_size or 32, shuffle=shuffle,
                               shard=shard, generator=generator, batch_device=batch_device)
        if steps is not None:
            batches.steps = min(batches.steps, steps)
            return _Limited(batches, steps)
        return batches
    if y is not None:
        raise ValueError("`y` must not be given when `x` is a dataset, DataLoader or generator: "
                         "it should yield `(x, y)` or `(x, y, sample_weight)` batches.")
    if x is None:
        raise ValueError("No data was provided: `x` is None.")
    if shard is not None:
        raise ValueError("Data-parallel training shards arrays and tensors; a dataset, "
                         "DataLoader or generator must yield each process's own batches, so pass "
                         "it with `set_distribution(None)` semantics or convert it to arrays.")
    return IterableBatches(x, batch_size=batch_size, shuffle=shuffle, steps=steps, device=device)


def _fits_on(device, structure, fraction=0.5):
    """True when the arrays take at most `fraction` of the device's free memory (always on CPU)."""
    if device is None or device.type != "cuda":
        return True
    size = sum(a.nbytes if isinstance(a, np.ndarray) else a.numel() * a.element_size()
               for a in tree.flatten(structure) if _is_array(a))
    free, _ = torch.cuda.mem_get_info(device)
    return size <= fraction * free


def _numbers_to_array(value):
    """Nested Python lists of numbers (not of arrays) become one NumPy array."""
    if isinstance(value, (list, tuple)) and value and all(
            isinstance(v, (int, float, np.number)) for v in tree.flatten(value)):
        return np.asarray(value)
    return value


class _Limited:
    """Caps an ArrayBatches source at `steps` batches per epoch."""

    def __init__(self, batches, steps):
        self.batches, self.steps = batches, steps

    def __len__(self):
        return min(self.steps, len(self.batches))

    def __iter__(self):
        for i, batch in enumerate(self.batches):
            if i >= self.steps:
                return
            yield batch


def train_validation_split(arrays, validation_split):
    """Splits array structures, keeping the last `validation_split` fraction for validation."""
    if not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1. Received: {validation_split}")
    flat = [a for a in tree.flatten(arrays) if a is not None]
    if not all(_is_array(a) for a in flat):
        raise ValueError("`validation_split` is only supported for arrays and tensors, not for "
                         "datasets or generators; pass `validation_data` instead.")
    n = int(flat[0].shape[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(f"Training data contains {n} samples, which is not sufficient to split "
                         f"it into a validation and training set as specified by "
                         f"`validation_split={validation_split}`.")
    train = tree.map_structure(lambda a: None if a is None else a[:split_at], arrays)
    val = tree.map_structure(lambda a: None if a is None else a[split_at:], arrays)
    return train, val


def class_weight_to_sample_weight(y, class_weight):
    """Per-sample weights from a `{class_index: weight}` dict (sparse or one-hot targets)."""
    if isinstance(y, (list, tuple, dict)):
        raise ValueError("`class_weight` is only supported for models with a single output.")
    y = to_tensor(y)
    labels = y.argmax(dim=-1) if y.dim() > 1 and y.shape[-1] > 1 else y.reshape(y.shape[0], -1)[:, 0]
    labels = labels.round().long() if labels.is_floating_point() else labels.long()
    num_classes = max(int(labels.max().item()) + 1, max(class_weight) + 1)
    table = torch.ones(num_classes, dtype=torch.float32)
    for cls, weight in class_weight.items():
        table[int(cls)] = float(weight)
    return table.to(labels.device)[labels]
