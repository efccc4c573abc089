"""`TerminateOnNaN`: stops `fit` as soon as a batch loss is NaN or infinite."""

import math

from cornu.callbacks.callback import Callback
from cornu.utils import io_utils


class TerminateOnNaN(Callback):
    """Checks the loss after every training batch (the host waits for each batch).

    Args:
        raise_error: raise a `RuntimeError` instead of setting `model.stop_training`.
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(float(loss)):
            return
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: "
                               f"{loss}. Terminating training immediately.")
        io_utils.print_msg(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
