"""`LambdaCallback`: a callback built from plain functions."""

from cornu.callbacks.callback import Callback


class LambdaCallback(Callback):
    """Calls the given functions at the matching hooks.

    The functions take the hook's arguments: `on_epoch_begin(epoch, logs)`,
    `on_train_batch_end(batch, logs)`, `on_train_begin(logs)`, ...

    Args:
        on_epoch_begin: called at the start of every epoch.
        on_epoch_end: called at the end of every epoch.
        on_train_begin: called at the start of training.
        on_train_end: called at the end of training.
        on_train_batch_begin: called before every training batch.
        on_train_batch_end: called after every training batch.
        **kwargs: any other hook, e.g. `on_test_end=...` or `on_predict_batch_end=...`.

    Example:

    ```python
    log = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))
    ```
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        hooks = {"on_epoch_begin": on_epoch_begin, "on_epoch_end": on_epoch_end,
                 "on_train_begin": on_train_begin, "on_train_end": on_train_end,
                 "on_train_batch_begin": on_train_batch_begin,
                 "on_train_batch_end": on_train_batch_end}
        for hook, fn in hooks.items():
            if fn is not None:
                setattr(self, hook, fn)
