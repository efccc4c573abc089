"""`EarlyStopping`: stops `fit` when a monitored quantity stops improving."""

import warnings

from cornu.callbacks.monitor_callback import MonitorCallback
from cornu.utils import io_utils


class EarlyStopping(MonitorCallback):
    """Sets `model.stop_training` after `patience` epochs without improvement.

    Args:
        monitor: the log name to watch. Defaults to "val_loss".
        min_delta: smallest absolute change that counts as an improvement.
        patience: epochs without improvement before training stops.
        verbose: 1 prints a message when training stops or weights are restored.
        mode: "min", "max" or "auto" (inferred from the monitored name).
        baseline: a value the monitored quantity must improve on; until it does, the
            patience counter keeps running.
        restore_best_weights: at the end of training, restore the weights of the best
            epoch (even if no epoch beat `baseline`).
        start_from_epoch: epochs to wait before monitoring starts (a warm-up).

    Example:

    ```python
    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=3)
    model.fit(x, y, epochs=100, callbacks=[stop])
    ```
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()  # now that the model's metrics are built
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            io_utils.print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                io_utils.print_msg(f"Restoring model weights from the end of the best epoch: "
                                   f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        """The monitored value in `logs`, or None (with a warning) if it is missing."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(logs)}", stacklevel=2)
        return value
