"""Adam, with Keras's epsilon placement (outside the bias correction)."""

import math

import torch

from cornu.optimizers.base_optimizer import Optimizer


def update_moments(momentums, velocities, grads, beta_1, beta_2):
    """Adam's moment estimates, updated in place on lists of tensors:
    `m = beta_1 * m + (1 - beta_1) * g` and `v = beta_2 * v + (1 - beta_2) * g**2`."""
    torch._foreach_lerp_(momentums, grads, 1 - beta_1)
    torch._foreach_mul_(velocities, beta_2)
    torch._foreach_addcmul_(velocities, grads, grads, value=1 - beta_2)


def adam_update(params, grads, momentums, velocities, lr, step, beta_1, beta_2, epsilon,
                velocity_hats=None):
    """One Adam step in place on lists of tensors, with Keras's epsilon placement (outside the
    bias correction); with `velocity_hats`, AMSGrad's running maximum of the velocities."""
    alpha = lr * math.sqrt(1 - beta_2 ** step) / (1 - beta_1 ** step)
    update_moments(momentums, velocities, grads, beta_1, beta_2)
    if velocity_hats is not None:
        torch._foreach_maximum_(velocity_hats, velocities)
        velocities = velocity_hats
    denominators = torch._foreach_sqrt(velocities)
    torch._foreach_add_(denominators, epsilon)
    torch._foreach_addcdiv_(params, momentums, denominators, value=-alpha)


class Adam(Optimizer):
    """Adaptive moment estimation.

    `m = beta_1 * m + (1 - beta_1) * g`; `v = beta_2 * v + (1 - beta_2) * g**2`;
    `w -= lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(v) + epsilon)`.
    With `amsgrad`, `v` in the last step is the running maximum of `v`.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable. Defaults to 0.001.
        beta_1: decay rate of the first-moment estimates.
        beta_2: decay rate of the second-moment estimates.
        epsilon: small constant for numerical stability.
        amsgrad: whether to use the AMSGrad variant.
        **kwargs: the base `Optimizer` arguments (`weight_decay`, `clipnorm`, ...).
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(variables, "velocity_hat")

    def _update(self, params, grads, slots, lr, step):
        adam_update(params, grads, slots["momentum"], slots["velocity"], lr, step, self.beta_1,
                    self.beta_2, self.epsilon, slots["velocity_hat"] if self.amsgrad else None)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config
