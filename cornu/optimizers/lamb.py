"""Lamb: Adam's moments with a per-weight trust ratio scaling each update."""

import torch

from cornu.optimizers.adam import update_moments
from cornu.optimizers.base_optimizer import Optimizer


class Lamb(Optimizer):
    """Layer-wise adaptive moments (You et al., 2019, arXiv:1904.00962).

    Each weight gets Adam's bias-corrected direction
    `u = (m / (1 - beta_1**t)) / (sqrt(v / (1 - beta_2**t)) + epsilon)`, rescaled by the
    trust ratio `||w|| / ||u||` (1 when either norm is 0): `w -= ratio * lr * u`.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable. Defaults to 0.001.
        beta_1: decay rate of the first-moment estimates.
        beta_2: decay rate of the second-moment estimates.
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
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])

    def _update(self, params, grads, slots, lr, step):
        momentums, velocities = slots["momentum"], slots["velocity"]
        update_moments(momentums, velocities, grads, self.beta_1, self.beta_2)
        # Adam's direction, with the bias corrections inside the square root as Keras has them.
        denominators = torch._foreach_div(velocities, 1 - self.beta_2 ** step)
        torch._foreach_sqrt_(denominators)
        torch._foreach_add_(denominators, self.epsilon)
        updates = torch._foreach_div(momentums, 1 - self.beta_1 ** step)
        torch._foreach_div_(updates, denominators)
        weight_norms = torch.stack(torch._foreach_norm(params))
        update_norms = torch.stack(torch._foreach_norm(updates))
        usable = (weight_norms > 0) & (update_norms > 0)
        ratios = torch.where(usable, weight_norms / torch.where(usable, update_norms, 1.0), 1.0)
        torch._foreach_mul_(updates, list(ratios.unbind()))
        torch._foreach_add_(params, updates, alpha=-lr)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
