"""FTRL-Proximal ("Follow The Regularized Leader")."""

import torch

from cornu.optimizers.base_optimizer import Optimizer


class Ftrl(Optimizer):
    """FTRL-Proximal with L1, L2 and L2-shrinkage regularization, as in Keras.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable. Defaults to 0.001.
        learning_rate_power: float <= 0; how the rate decreases during training
            (0 is a fixed rate).
        initial_accumulator_value: starting value of the accumulators (>= 0).
        l1_regularization_strength: float >= 0.
        l2_regularization_strength: float >= 0 (stabilization penalty).
        l2_shrinkage_regularization_strength: float >= 0 (magnitude penalty).
        beta: float; added to the L2 term as `beta / (2 * learning_rate)`.
        **kwargs: the base `Optimizer` arguments (`weight_decay`, `clipnorm`, ...).
    """

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, **kwargs):
        super().__init__(learning_rate, **kwargs)
        for arg, value in (("initial_accumulator_value", initial_accumulator_value),
                           ("l1_regularization_strength", l1_regularization_strength),
                           ("l2_regularization_strength", l2_regularization_strength),
                           ("l2_shrinkage_regularization_strength",
                            l2_shrinkage_regularization_strength)):
            if value < 0:
                raise ValueError(f"Argument `{arg}` must be >= 0. Received: {arg}={value!r}")
        if learning_rate_power > 0:
            raise ValueError("Argument `learning_rate_power` must be <= 0. "
                             f"Received: learning_rate_power={learning_rate_power!r}")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._accumulators, self._linears = self.add_optimizer_variables(
            variables, ["accumulator", "linear"],
            initializer=[float(self.initial_accumulator_value), "zeros"])

    def _update(self, params, grads, slots, lr, step):
        power = -self.learning_rate_power
        l1 = self.l1_regularization_strength
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        shrinkage = 2 * self.l2_shrinkage_regularization_strength
        for p, g, acc, linear in zip(params, grads, slots["accumulator"], slots["linear"]):
            new_acc = acc + g * g
            new_acc_pow = new_acc.pow(power)
            linear.add_(g + shrinkage * p - (new_acc_pow - acc.pow(power)) / lr * p)
            quadratic = new_acc_pow / lr + 2 * l2
            p.copy_((linear.clamp(-l1, l1) - linear) / quadratic)
            acc.copy_(new_acc)

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        })
        return config
