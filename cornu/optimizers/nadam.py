"""Nadam: Adam with Nesterov momentum (Keras's momentum-schedule variant)."""

import math

import torch

from cornu.optimizers.adam import update_moments
from cornu.optimizers.base_optimizer import Optimizer


class Nadam(Optimizer):
    """Adam with Nesterov momentum and the `0.96` momentum-decay schedule of Dozat (2016).

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
        variables = list(variables)
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])
        # The running product of the momentum schedule: a CPU scalar, last as in Keras.
        dtype = variables[0].dtype if variables else None
        self._u_product = self.add_variable((), initializer="ones", dtype=dtype, name="variable")

    def _update(self, params, grads, slots, lr, step):
        beta_1, beta_2 = self.beta_1, self.beta_2
        u_t = beta_1 * (1.0 - 0.5 * 0.96 ** step)
        u_t_1 = beta_1 * (1.0 - 0.5 * 0.96 ** (step + 1))
        u_product_t = self._u_product.item() * u_t
        u_product_t_1 = u_product_t * u_t_1
        self._u_product.fill_(u_product_t)

        momentums, velocities = slots["momentum"], slots["velocity"]
        update_moments(momentums, velocities, grads, beta_1, beta_2)
        m_hat = torch._foreach_mul(momentums, u_t_1 / (1 - u_product_t_1))
        torch._foreach_add_(m_hat, grads, alpha=(1 - u_t) / (1 - u_product_t))
        denominators = torch._foreach_sqrt(velocities)  # sqrt(v_hat) = sqrt(v) / sqrt(1 - b2^t)
        torch._foreach_div_(denominators, math.sqrt(1 - beta_2 ** step))
        torch._foreach_add_(denominators, self.epsilon)
        torch._foreach_addcdiv_(params, m_hat, denominators, value=-lr)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
