"""Adagrad: per-weight learning rates scaled by accumulated squared gradients."""

import torch

from cornu.optimizers.base_optimizer import Optimizer


class Adagrad(Optimizer):
    """`accumulator += g**2`; `w -= learning_rate * g / sqrt(accumulator + epsilon)`.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable. Defaults to 0.001.
        initial_accumulator_value: starting value of the accumulators (>= 0).
        epsilon: small constant for numerical stability.
        **kwargs: the base `Optimizer` arguments (`weight_decay`, `clipnorm`, ...).
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 **kwargs):
        super().__init__(learning_rate, **kwargs)
        if initial_accumulator_value < 0:
            raise ValueError("Argument `initial_accumulator_value` must be >= 0. Received: "
                             f"initial_accumulator_value={initial_accumulator_value!r}")
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._accumulators = self.add_optimizer_variables(
            variables, "accumulator", initializer=float(self.initial_accumulator_value))

    def _update(self, params, grads, slots, lr, step):
        accumulators = slots["accumulator"]
        torch._foreach_addcmul_(accumulators, grads, grads)
        denominators = torch._foreach_add(accumulators, self.epsilon)
        torch._foreach_sqrt_(denominators)
        torch._foreach_addcdiv_(params, grads, denominators, value=-lr)

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config
