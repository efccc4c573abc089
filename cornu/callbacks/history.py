"""`History`: records the logs of every epoch; `fit` returns it."""

from cornu.callbacks.callback import Callback


class History(Callback):
    """`history.history` maps each log name (e.g. "loss", "val_accuracy") to per-epoch values.

    `history.epoch` lists the epoch indices seen.
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self
