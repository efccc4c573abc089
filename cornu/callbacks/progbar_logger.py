"""`ProgbarLogger`: prints Keras's progress bar during `fit`, `evaluate` and `predict`."""

import time

from cornu.callbacks.callback import Callback
from cornu.utils import io_utils


class ProgbarLogger(Callback):
    """Shows `Epoch i/n` and a progress bar with the running metrics.

    The bar is redrawn at most every `interval` seconds, and logs are only read (which
    waits for the device) when it is redrawn.

    Args:
        interval: seconds between redraws.
    """

    def __init__(self, interval=0.05):
        super().__init__()
        self.interval = interval
        self.progbar = None
        self.verbose = 1
        self.epochs = 1
        self._last = 0.0

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _new_bar(self, target):
        from cornu.utils.progbar import Progbar
        self.progbar = Progbar(target=target, verbose=self.verbose, unit_name="step",
                               interval=self.interval)
        self._last = 0.0
        self._seen = 0

    def on_train_begin(self, logs=None):
        self._in_fit = True

    def on_train_end(self, logs=None):
        self._in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose and self.epochs > 1:
            io_utils.print_msg(f"Epoch {epoch + 1}/{self.epochs}")
        self._new_bar(self.params.get("steps"))

    def on_test_begin(self, logs=None):
        if not getattr(self, "_in_fit", False):
            self._new_bar(self.params.get("steps"))

    def on_predict_begin(self, logs=None):
        self._new_bar(self.params.get("steps"))

    def _batch_end(self, batch, logs):
        self._seen = batch + 1
        if not self.verbose or self._seen == self.params.get("steps"):
            return  # the last step is drawn by the epoch / test / predict end, with final logs
        now = time.monotonic()
        if now - self._last < self.interval:
            return
        self._last = now
        self.progbar.update(self._seen, list((logs or {}).items()))

    def on_train_batch_end(self, batch, logs=None):
        self._batch_end(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not getattr(self, "_in_fit", False):
            self._batch_end(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._batch_end(batch, None)

    def _finish(self, logs):
        if self.verbose and self.progbar is not None:
            self.progbar.update(self._seen, list((logs or {}).items()), finalize=True)

    def on_epoch_end(self, epoch, logs=None):
        self._finish(logs)

    def on_test_end(self, logs=None):
        if not getattr(self, "_in_fit", False):
            self._finish(logs)

    def on_predict_end(self, logs=None):
        self._finish(None)
