"""`LearningRateScheduler`: sets the learning rate at the start of every epoch."""

import numpy as np

from cornu.callbacks.callback import Callback
from cornu.utils import io_utils


class LearningRateScheduler(Callback):
    """Sets the optimizer's learning rate to `schedule(epoch, lr)` before each epoch.

    The rate in use is also added to the epoch logs as "learning_rate".

    Args:
        schedule: a function `(epoch, lr) -> new_lr` (0-based epoch, current rate, returns a
            float); a one-argument `schedule(epoch)` is accepted too.
        verbose: 1 prints the rate set at each epoch.

    Example:

    ```python
    def schedule(epoch, lr):
        return lr if epoch < 10 else lr * 0.9

    model.fit(x, y, epochs=15, callbacks=[keras.callbacks.LearningRateScheduler(schedule)])
    ```
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            lr = self.schedule(epoch, float(optimizer.learning_rate))
        except TypeError:  # the one-argument form `schedule(epoch)`
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: {lr}")
        optimizer.learning_rate = lr
        if self.verbose > 0:
            io_utils.print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning "
                               f"rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)
