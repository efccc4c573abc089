"""`BatchDataset`: what cornu's dataset utilities return where Keras returns a tf.data.Dataset.

A `BatchDataset` is an iterable of batches with a length, so `fit`, `evaluate` and `predict`
accept it; iterating again starts a new epoch. It offers the two `tf.data.Dataset` methods
Keras code most often calls on these datasets, `take` and `map`.
"""

import copy


class BatchDataset:
    """Base class: subclasses define `__len__` (batches per epoch) and `_batches()` (one
    epoch's batches: a tuple such as `(inputs, targets)`, or inputs alone)."""

    _functions = ()

    def __len__(self):
        raise NotImplementedError

    def _batches(self):
        raise NotImplementedError

    def __iter__(self):
        for batch in self._batches():
            for function in self._functions:
                batch = function(*batch) if isinstance(batch, tuple) else function(batch)
            yield batch

    def take(self, count):
        """The first `count` batches."""
        for i, batch in enumerate(self):
            if i >= count:
                return
            yield batch

    def map(self, function):
        """A dataset yielding `function(inputs, labels)` (or `function(inputs)`) per batch.

        Example: `train_ds.map(lambda x, y: (rescale(x), y))`. The function runs lazily as
        batches are read.
        """
        if not callable(function):
            raise TypeError(f"`map` expects a callable. Received: {function!r}")
        mapped = copy.copy(self)
        mapped._functions = self._functions + (function,)
        return mapped
