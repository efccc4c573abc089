"""Lion: sign-based updates from an interpolated momentum."""

import torch

from cornu.optimizers.base_optimizer import Optimizer


class Lion(Optimizer):
    """`w -= lr * sign(beta_1 * m + (1 - beta_1) * g)`; then `m = beta_2 * m + (1 - beta_2) * g`.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable. Defaults to 0.001.
        beta_1: interpolation factor for the update direction, in (0, 1].
        beta_2: decay rate of the momentum.
        **kwargs: the base `Optimizer` arguments (`weight_decay`, `clipnorm`, ...).
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate, **kwargs)
        if not 0 < beta_1 <= 1:
            raise ValueError(f"Argument `beta_1` must be in (0, 1]. Received: beta_1={beta_1!r}")
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._momentums = self.add_optimizer_variables(variables, "momentum")

    def _update(self, params, grads, slots, lr, step):
        momentums = slots["momentum"]
        directions = torch._foreach_lerp(momentums, grads, 1 - self.beta_1)
        torch._foreach_sign_(directions)
        torch._foreach_add_(params, directions, alpha=-lr)
        torch._foreach_lerp_(momentums, grads, 1 - self.beta_2)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
