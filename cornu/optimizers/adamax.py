"""Adamax: Adam with the infinity norm in place of the second moment."""

import torch

from cornu.optimizers.base_optimizer import Optimizer


class Adamax(Optimizer):
    """`m = beta_1 * m + (1 - beta_1) * g`; `u = max(beta_2 * u, |g|)`;
    `w -= lr / (1 - beta_1**t) * m / (u + epsilon)`.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable. Defaults to 0.001.
        beta_1: decay rate of the first-moment estimates.
        beta_2: decay rate of the exponentially weighted infinity norm.
        epsilon: small constant for numerical stability.
        **kwargs: the base `Optimizer` arguments (`weight_decay`, `clipnorm`, ...).
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._m, self._u = self.add_optimizer_variables(variables, ["momentum", "norm"])

    def _update(self, params, grads, slots, lr, step):
        momentums, norms = slots["momentum"], slots["norm"]
        torch._foreach_lerp_(momentums, grads, 1 - self.beta_1)
        torch._foreach_mul_(norms, self.beta_2)
        torch._foreach_maximum_(norms, torch._foreach_abs(grads))
        denominators = torch._foreach_add(norms, self.epsilon)
        torch._foreach_addcdiv_(params, momentums, denominators,
                                value=-lr / (1 - self.beta_1 ** step))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
