"""`PyDataset` (and its legacy name `Sequence`): batches produced by Python code, by index.

A subclass says how many batches there are (`__len__`, or the `num_batches` property) and
builds batch `index` in `__getitem__`. `fit`, `evaluate` and `predict` take it as `x`; the
data adapter (`cornu/trainers/data_adapter.py`) fetches the batches, in order or with the
batch order shuffled, optionally ahead of time on `workers` threads.
"""

_DEFAULTS = {"_workers": 1, "_use_multiprocessing": False, "_max_queue_size": 10}


class PyDataset:
    """Base class for data sets written as Python code that returns one batch per index.

    Subclasses implement `__getitem__(index)`, returning `x`, `(x,)`, `(x, y)` or
    `(x, y, sample_weight)` (NumPy arrays or torch tensors, or lists / dicts of them), and
    `__len__` (the number of batches per epoch). A data set that cannot give its length
    defines the `num_batches` property instead (`None` for an endless one). `on_epoch_begin`
    and `on_epoch_end` are called around every epoch, so a subclass can reshuffle its samples
    there.

    ```python
    class Batches(cornu.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.batch_size = x, y, batch_size

        def __len__(self):
            return math.ceil(len(self.x) / self.batch_size)

        def __getitem__(self, index):
            part = slice(index * self.batch_size, (index + 1) * self.batch_size)
            return self.x[part], self.y[part]

    model.fit(Batches(x, y, 32, workers=4), epochs=3)
    ```

    Args:
        workers: number of threads fetching batches ahead of the training loop; 1 fetches
            each batch when the loop needs it.
        use_multiprocessing: accepted for compatibility; cornu fetches with threads (and
            says so once) when it is True.
        max_queue_size: how many batches the workers may fetch ahead.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _setting(self, name):
        # Keras 2 style subclasses often skip `super().__init__()`; they get the defaults.
        return self.__dict__.get(name, _DEFAULTS[name])

    @property
    def workers(self):
        return self._setting("_workers")

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        return self._setting("_use_multiprocessing")

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        return self._setting("_max_queue_size")

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """Batch number `index`: `x`, `(x, y)` or `(x, y, sample_weight)`."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__getitem__(self, index)`, returning the "
            "batch at `index`.")

    @property
    def num_batches(self):
        """Batches per epoch: `len(self)`; `None` means the data set never ends."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(
            f"{type(self).__name__} must say how many batches it has: implement `__len__`, or "
            "the `num_batches` property (return None for an endless data set).")

    def on_epoch_begin(self):
        """Called before the first batch of every epoch."""

    def on_epoch_end(self):
        """Called after the last batch of every epoch."""

    def __iter__(self):
        count = self.num_batches
        index = 0
        while count is None or index < count:
            yield self[index]
            index += 1


Sequence = PyDataset
