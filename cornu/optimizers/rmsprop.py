"""RMSprop, with Keras's epsilon placement (inside the square root)."""

import torch

from cornu.optimizers.base_optimizer import Optimizer


class RMSprop(Optimizer):
    """Divides the gradient by a moving root-mean-square of recent gradients.

    `velocity = rho * velocity + (1 - rho) * g**2`;
    `w -= learning_rate * g / sqrt(velocity + epsilon)` (with `centered`, the moving mean
    of `g` squared is subtracted from `velocity` first). With `momentum`, the increment feeds
    a momentum buffer that is subtracted from `w`.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable. Defaults to 0.001.
        rho: discounting factor of the moving average.
        momentum: momentum factor; 0 disables the momentum buffer.
        epsilon: small constant for numerical stability.
        centered: whether to normalise by the estimated variance of the gradient.
        **kwargs: the base `Optimizer` arguments (`weight_decay`, `clipnorm`, ...).
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(variables, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(variables, "average_gradient")

    def _update(self, params, grads, slots, lr, step):
        rho = self.rho
        velocities = slots["velocity"]
        torch._foreach_mul_(velocities, rho)
        torch._foreach_addcmul_(velocities, grads, grads, value=1 - rho)
        if self.centered:
            averages = slots["average_gradient"]
            torch._foreach_lerp_(averages, grads, 1 - rho)
            denominators = torch._foreach_addcmul(velocities, averages, averages, value=-1)
            torch._foreach_add_(denominators, self.epsilon)
        else:
            denominators = torch._foreach_add(velocities, self.epsilon)
        torch._foreach_sqrt_(denominators)
        if self.momentum > 0:
            momentums = slots["momentum"]
            torch._foreach_mul_(momentums, self.momentum)
            torch._foreach_addcdiv_(momentums, grads, denominators, value=lr)
            torch._foreach_sub_(params, momentums)
        else:
            torch._foreach_addcdiv_(params, grads, denominators, value=-lr)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
