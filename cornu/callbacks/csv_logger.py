"""`CSVLogger`: writes the epoch logs to a CSV file."""

import collections.abc
import csv
import os

import numpy as np

from cornu.callbacks.callback import Callback


def _cell(value):
    """A CSV cell: sequences are written as a quoted `"[a, b]"` string."""
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (
            isinstance(value, np.ndarray) and value.ndim == 0):
        return f'"[{", ".join(map(str, value))}]"'
    return value


class CSVLogger(Callback):
    """One row per epoch: the 0-based `epoch`, then every log in sorted order.

    The columns are fixed at the first epoch; when it has no `val_` logs, `val_` columns
    are added anyway (filled with "NA") so that later validation results fit.

    Args:
        filename: the CSV file.
        separator: the column separator.
        append: append to an existing file (writing the header only if it is empty)
            instead of overwriting it.

    Example:

    ```python
    model.fit(x, y, epochs=5, callbacks=[keras.callbacks.CSVLogger("training.log")])
    ```
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        mode = "w"
        if self.append:
            mode = "a"
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not f.readline()
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode, newline="")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += [f"val_{k}" for k in self.keys]
        if self.writer is None:
            dialect = type("CSVLoggerDialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((k, _cell(logs.get(k, "NA"))) for k in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None
