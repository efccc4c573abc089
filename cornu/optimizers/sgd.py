"""Stochastic gradient descent with optional (Nesterov) momentum."""

import torch

from cornu.optimizers.base_optimizer import Optimizer


class SGD(Optimizer):
    """Gradient descent, with Keras's momentum formulation.

    Without momentum: `w -= learning_rate * g`. With momentum:
    `velocity = momentum * velocity - learning_rate * g`, then `w += velocity`, or with
    `nesterov=True`, `w += momentum * velocity - learning_rate * g`.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable. Defaults to 0.01.
        momentum: float >= 0 that accelerates descent in the relevant direction.
        nesterov: whether to use Nesterov momentum.
        **kwargs: the base `Optimizer` arguments (`weight_decay`, `clipnorm`, ...).
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        if not isinstance(momentum, (int, float)) or momentum < 0 or momentum > 1:
            raise ValueError(f"Argument `momentum` must be a float in [0, 1]. "
                             f"Received: momentum={momentum!r}")
        self.momentum = momentum
        self.nesterov = nesterov

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def _update(self, params, grads, slots, lr, step):
        if self.momentum == 0:
            torch._foreach_add_(params, grads, alpha=-lr)
            return
        bufs = slots["momentum"]
        torch._foreach_mul_(bufs, self.momentum)
        torch._foreach_add_(bufs, grads, alpha=-lr)
        if self.nesterov:
            torch._foreach_add_(params, grads, alpha=-lr)
            torch._foreach_add_(params, bufs, alpha=self.momentum)
        else:
            torch._foreach_add_(params, bufs)

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
