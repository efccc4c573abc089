"""Turning what users pass to `fit` / `evaluate` / `predict` into batches of tensors.

Arrays (NumPy or torch, or lists / dicts of them) are converted to tensors once and moved
to the model's device once; each epoch then shuffles indices on that device and slices
batches, which is what a hand-written PyTorch loop does. Datasets, DataLoaders and Python
generators are iterated as they are. A `PyDataset` is read by index, its batch order
shuffled per pass, optionally prefetched by a thread pool.
"""

import collections
import math
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from cornu.backend import config
from cornu.utils import tree
from cornu.utils.py_dataset import PyDataset


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


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The batch tuple `unpack_x_y_sample_weight` splits: `x`, `(x, y)` or `(x, y, sw)`.

    A lone `x` that is itself a tuple or list is wrapped as `(x,)` so it is not read as
    `(x, y)`; a `sample_weight` without `y` is dropped, as in Keras.
    """
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


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
        if x.dtype.kind in "US":  # text for a model with a string Input: stays NumPy
            return x
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
        class_weight: `{class_index: weight}` turned into sample weights batch by batch.
    """

    def __init__(self, data, batch_size=None, shuffle=False, steps=None, device=None,
                 class_weight=None):
        from torch.utils.data import DataLoader, Dataset, IterableDataset

        if isinstance(data, Dataset) and not isinstance(data, IterableDataset):
            data = DataLoader(data, batch_size=batch_size or 32, shuffle=bool(shuffle),
                              pin_memory=device is not None and device.type == "cuda")
        self.data = data
        self.steps = steps
        self.device = device
        self.class_weight = class_weight
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
            batch = (structure_to_tensors(batch, self.device),)
        else:
            batch = tuple(structure_to_tensors(part, self.device) for part in batch)
        return _class_weighted(batch, self.class_weight)


def _class_weighted(batch, class_weight):
    """`(x, y, sample_weight)` with the class weights of the batch's targets folded in."""
    if class_weight is None:
        return batch
    x, y, sample_weight = unpack_x_y_sample_weight(batch)
    weights = class_weight_to_sample_weight(y, class_weight)
    if sample_weight is not None:
        weights = weights * to_tensor(sample_weight).to(weights.device)
    return x, y, weights


_END = object()  # a pass over a PyDataset has no batches left
_warned_multiprocessing = False


def _describe(value):
    if isinstance(value, tuple):
        return f"a tuple of {len(value)} elements"
    text = repr(value)
    return f"{text[:60] + '...' if len(text) > 60 else text} of type {type(value).__name__}"


def standardize_py_dataset_batch(batch, dataset, index):
    """Batch `index` of a PyDataset as a tuple `(x,)`, `(x, y)` or `(x, y, sample_weight)`."""
    if isinstance(batch, list):
        batch = tuple(batch)
    if isinstance(batch, dict) or _is_array(batch):
        return (batch,)
    if isinstance(batch, tuple) and 1 <= len(batch) <= 3:
        return batch
    raise ValueError(
        f"`{type(dataset).__name__}.__getitem__({index})` must return `x`, `(x,)`, `(x, y)` "
        "or `(x, y, sample_weight)`, each part an array or tensor (or a list / dict of them). "
        f"Received: {_describe(batch)}")


class _Pass:
    """One pass over a PyDataset's batches in `order` (None: 0, 1, 2, ... without end).

    With a thread pool, up to `queue_size` batches are fetched ahead; results come back in
    order.
    """

    def __init__(self, dataset, order, workers, queue_size):
        self.dataset, self.order = dataset, order
        self.position = 0  # batches handed out
        self.submitted = 0
        self.pending = collections.deque()
        self.queue_size = max(1, queue_size or 1, workers)
        self.executor = ThreadPoolExecutor(workers, "PyDataset") if workers > 1 else None

    @property
    def done(self):
        return self.order is not None and self.position >= len(self.order)

    def _has(self, i):
        return self.order is None or i < len(self.order)

    def _fetch(self, i):
        index = i if self.order is None else self.order[i]
        batch = standardize_py_dataset_batch(self.dataset[index], self.dataset, index)
        return tuple(structure_to_tensors(part) for part in batch)

    def next(self):
        if self.executor is None:
            if not self._has(self.position):
                return _END
            self.position += 1
            return self._fetch(self.position - 1)
        while len(self.pending) < self.queue_size and self._has(self.submitted):
            self.pending.append(self.executor.submit(self._fetch, self.submitted))
            self.submitted += 1
        if not self.pending:
            return _END
        self.position += 1
        return self.pending.popleft().result()

    def close(self):
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None
        self.pending.clear()


class PyDatasetBatches:
    """Batches from a `PyDataset`; each iteration is one epoch.

    An epoch calls the data set's `on_epoch_begin`, fetches batches, and calls its
    `on_epoch_end` when the loop leaves the epoch (the trainer closes the iterator). As in
    Keras, a pass over the data set (every batch once, the order shuffled when `shuffle`)
    can span epochs: with `steps` below the number of batches, the next epoch goes on where
    the last one stopped, and an epoch whose pass runs out before `steps` batches ends early.

    Args:
        dataset: the `PyDataset`.
        shuffle: shuffle the batch order of every pass (ignored for an endless data set).
        steps: batches per epoch (needed when `num_batches` is None).
        device: where batches go.
        class_weight: `{class_index: weight}` turned into sample weights batch by batch.
        resume: False starts a new pass every epoch (validation runs).
    """

    def __init__(self, dataset, shuffle=False, steps=None, device=None, class_weight=None,
                 resume=True):
        global _warned_multiprocessing
        name = type(dataset).__name__
        if "_workers" not in dataset.__dict__:
            warnings.warn(f"`{name}.__init__` does not call `super().__init__(**kwargs)`, so it "
                          "runs with the defaults `workers=1`, `use_multiprocessing=False`, "
                          "`max_queue_size=10`; call it to pass these settings.", stacklevel=4)
        if dataset.use_multiprocessing and not _warned_multiprocessing:
            _warned_multiprocessing = True
            warnings.warn("cornu fetches PyDataset batches with threads: "
                          "`use_multiprocessing=True` runs `workers` threads, not processes.",
                          stacklevel=4)
        self.dataset = dataset
        self.num_batches = dataset.num_batches
        if self.num_batches is None and steps is None:
            raise ValueError(f"`{name}` has no end (`num_batches` is None): pass "
                             "`steps_per_epoch` (or `steps`) to say how many batches to use.")
        self.shuffle = bool(shuffle) and self.num_batches is not None
        self.steps, self.device, self.class_weight = steps, device, class_weight
        self.resume = resume
        self._pass = None

    def __len__(self):
        return self.steps if self.steps is not None else self.num_batches

    def _new_pass(self):
        order = None
        if self.num_batches is not None:
            order = (torch.randperm(self.num_batches).tolist() if self.shuffle
                     else list(range(self.num_batches)))
        workers = int(self.dataset.workers or 1)
        return _Pass(self.dataset, order, workers, self.dataset.max_queue_size)

    def _end_pass(self):
        if self._pass is not None:
            self._pass.close()
            self._pass = None

    def __iter__(self):
        self.dataset.on_epoch_begin()
        try:
            if not self.resume:
                self._end_pass()
            if self._pass is None:
                self._pass = self._new_pass()
            count = 0
            while self.steps is None or count < self.steps:
                batch = self._pass.next()
                if batch is _END:
                    self._end_pass()
                    if self.steps is not None:
                        warnings.warn(
                            f"`{type(self.dataset).__name__}` ran out of batches after {count} "
                            f"of the {self.steps} steps asked for; the next epoch starts a new "
                            "pass over it.", stacklevel=2)
                    return
                count += 1
                batch = tuple(structure_to_tensors(part, self.device) for part in batch)
                yield _class_weighted(batch, self.class_weight)
            if self._pass is not None and self._pass.done:
                self._end_pass()
        finally:
            self.dataset.on_epoch_end()

    def __del__(self):
        if getattr(self, "_pass", None) is not None:
            self._end_pass()


def make_batches(x, y=None, sample_weight=None, batch_size=None, shuffle=False, steps=None,
                 device=None, shard=None, generator=None, class_weight=None, resume=True):
    """Picks the right batch source for the inputs of `fit`, `evaluate` or `predict`.

    `shard` (data-parallel runs) maps a global batch's indices to this process's part;
    `generator` makes the shuffle identical on every process. `class_weight` becomes sample
    weights (for arrays once, for other sources batch by batch). `resume=False` makes every
    epoch of a PyDataset start a new pass (validation).
    """
    limit = config.max_steps_per_epoch()
    if limit and (not steps or limit < steps):
        warnings.warn(f"Limiting steps_per_epoch to {limit}", stacklevel=3)
        steps = limit
    x, y, sample_weight = (_numbers_to_array(v) for v in (x, y, sample_weight))
    if is_array_structure(x):
        if class_weight is not None:
            weights = class_weight_to_sample_weight(y, class_weight)
            if sample_weight is not None:
                weights = weights * to_tensor(sample_weight).to(weights.device)
            sample_weight = weights
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
    if isinstance(x, PyDataset):
        for name, value in (("y", y), ("sample_weight", sample_weight)):
            if value is not None:
                raise ValueError(
                    f"Expected `{name}=None` when `x` is a PyDataset: its `__getitem__` returns "
                    f"`(x, y, sample_weight)` batches itself. Received: {name} of type "
                    f"{type(value).__name__}")
    if y is not None:
        raise ValueError("`y` must not be given when `x` is a dataset, DataLoader or generator: "
                         "it should yield `(x, y)` or `(x, y, sample_weight)` batches.")
    if x is None:
        raise ValueError("No data was provided: `x` is None.")
    if shard is not None:
        raise ValueError("Data-parallel training shards arrays and tensors; a dataset, "
                         "DataLoader or generator must yield each process's own batches, so pass "
                         "it with `set_distribution(None)` semantics or convert it to arrays.")
    if isinstance(x, PyDataset):
        return PyDatasetBatches(x, shuffle=shuffle, steps=steps, device=device,
                                class_weight=class_weight, resume=resume)
    return IterableBatches(x, batch_size=batch_size, shuffle=shuffle, steps=steps, device=device,
                           class_weight=class_weight)


def num_steps(batches):
    """Batches per epoch of a batch source, or None when it does not know."""
    try:
        return len(batches)
    except TypeError:
        return None


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
    if y is None:
        raise ValueError("`class_weight` weighs samples by their target class, but the data "
                         "has no targets `y`.")
    y = to_tensor(y)
    labels = y.argmax(dim=-1) if y.dim() > 1 and y.shape[-1] > 1 else y.reshape(y.shape[0], -1)[:, 0]
    labels = labels.round().long() if labels.is_floating_point() else labels.long()
    num_classes = max(int(labels.max().item()) + 1, max(class_weight) + 1)
    table = torch.ones(num_classes, dtype=torch.float32)
    for cls, weight in class_weight.items():
        table[int(cls)] = float(weight)
    return table.to(labels.device)[labels]
