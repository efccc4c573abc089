"""`CallbackList`: calls every callback's hooks, skipping batch hooks nobody overrides."""

from cornu.callbacks.callback import Callback

_BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
                "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end",
                "on_batch_begin", "on_batch_end")


def _overrides(callback, hook):
    if hook in vars(callback):  # a function set on the instance, as LambdaCallback does
        return True
    return getattr(type(callback), hook, None) is not getattr(Callback, hook)


class CallbackList(Callback):
    """A container of callbacks, adding History and a progress bar as `fit` does.

    Args:
        callbacks: list of Callback objects.
        add_history: append a History callback.
        add_progbar: append a ProgbarLogger.
        model: the model the callbacks observe.
        **params: `verbose`, `epochs`, `steps`.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        from cornu.callbacks.history import History
        from cornu.callbacks.progbar_logger import ProgbarLogger

        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise ValueError(f"Each callback must be a `keras.callbacks.Callback`. "
                                 f"Received: {cb!r}")
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        if add_history:
            self.history = next((c for c in self.callbacks if isinstance(c, History)), None)
            if self.history is None:
                self.history = History()
                self.callbacks.append(self.history)
        self._hooks = {hook: [c for c in self.callbacks if _overrides(c, hook)]
                       for hook in _BATCH_HOOKS}
        if model is not None:
            self.set_model(model)
        self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)

    def set_model(self, model):
        super().set_model(model)
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        for cb in self.callbacks:
            cb.set_params(params)

    def needs_batch_logs(self, mode):
        """True when some callback reads per-batch logs in `mode` ("train", "test", "predict")."""
        hooks = [f"on_{mode}_batch_end"] + (["on_batch_end"] if mode == "train" else [])
        return any(self._hooks[h] for h in hooks)

    def _call(self, hook, *args):
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    def _call_batch(self, hook, batch, logs):
        for cb in self._hooks[hook]:
            getattr(cb, hook)(batch, logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call_batch("on_train_batch_begin", batch, logs)
        self._call_batch("on_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call_batch("on_train_batch_end", batch, logs)
        self._call_batch("on_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call_batch("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call_batch("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call_batch("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call_batch("on_predict_batch_end", batch, logs)
