"""`SwapEMAWeights`: evaluate (and optionally checkpoint) with the optimizer's EMA weights."""

import torch

from cornu.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    """Puts the optimizer's moving averages of the weights into the model while it is
    evaluated or predicts, and the trained weights back afterwards.

    The optimizer must be created with `use_ema=True`. Values are exchanged in place, so no
    extra copy of the model is kept; other callbacks should not modify the weights or the
    averages while they are swapped.

    With `swap_on_epoch=True` the averages are also swapped in at the end of every epoch
    and out at the start of the next, so that callbacks placed after this one (such as
    `ModelCheckpoint`) see the averaged weights. The model holds the averaged weights when
    `fit` returns either way (the optimizer's `finalize_variable_values`).

    Args:
        swap_on_epoch: whether to also swap at `on_epoch_end` / `on_epoch_begin`.

    Example:

    ```python
    model.compile(optimizer=keras.optimizers.Adam(use_ema=True), loss="mse")
    model.fit(x, y, validation_data=(x_val, y_val), callbacks=[SwapEMAWeights()])
    ```
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _ema_optimizer(self):
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # LossScaleOptimizer
        if not getattr(optimizer, "use_ema", False):
            raise ValueError("SwapEMAWeights needs an optimizer created with `use_ema=True`. "
                             f"Received: use_ema={getattr(optimizer, 'use_ema', None)}")
        return optimizer

    def _swap(self):
        optimizer = self._ema_optimizer()
        if not optimizer.built:  # no training step yet, so no averages to swap in
            return
        variables, averages = optimizer._trainable_variables, optimizer._averages
        with torch.no_grad():
            current = [v.detach().clone() for v in variables]
            torch._foreach_copy_(variables, averages)
            torch._foreach_copy_(averages, current)

    def _swap_in(self):
        if not self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = True

    def _swap_out(self):
        if self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = False

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._swap_out()

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap_in()
            if epoch == self.params.get("epochs", 0) - 1:
                # `fit` ends by copying the averages into the model, which now holds the
                # averaged weights while the averages hold the trained ones: make the
                # averages the averaged weights again, so the model keeps them.
                optimizer = self._ema_optimizer()
                if optimizer.built:
                    with torch.no_grad():
                        torch._foreach_copy_(optimizer._averages,
                                             optimizer._trainable_variables)

    def on_test_begin(self, logs=None):
        self._swap_in()

    def on_test_end(self, logs=None):
        self._swap_out()

    def on_predict_begin(self, logs=None):
        self._swap_in()

    def on_predict_end(self, logs=None):
        self._swap_out()
