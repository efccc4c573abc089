"""Adadelta: adaptive steps from moving averages of squared gradients and updates."""

import torch

from cornu.optimizers.base_optimizer import Optimizer


class Adadelta(Optimizer):
    """Keras's Adadelta.

    `acc_g = rho * acc_g + (1 - rho) * g**2`;
    `delta = -sqrt(acc_delta + epsilon) / sqrt(acc_g + epsilon) * g`;
    `acc_delta = rho * acc_delta + (1 - rho) * delta**2`; `w += learning_rate * delta`.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable. Defaults to 0.001.
        rho: decay rate of the moving averages.
        epsilon: small constant for numerical stability.
        **kwargs: the base `Optimizer` arguments (`weight_decay`, `clipnorm`, ...).
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            variables, ["accumulated_grad", "accumulated_delta_var"])

    def _update(self, params, grads, slots, lr, step):
        rho, eps = self.rho, self.epsilon
        acc_grads, acc_deltas = slots["accumulated_grad"], slots["accumulated_delta_var"]
        torch._foreach_mul_(acc_grads, rho)
        torch._foreach_addcmul_(acc_grads, grads, grads, value=1 - rho)
        numerators = torch._foreach_add(acc_deltas, eps)
        torch._foreach_sqrt_(numerators)
        denominators = torch._foreach_add(acc_grads, eps)
        torch._foreach_sqrt_(denominators)
        deltas = torch._foreach_mul(numerators, grads)
        torch._foreach_div_(deltas, denominators)  # deltas = -delta
        torch._foreach_mul_(acc_deltas, rho)
        torch._foreach_addcmul_(acc_deltas, deltas, deltas, value=1 - rho)
        torch._foreach_add_(params, deltas, alpha=-lr)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
