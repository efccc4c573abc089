"""ScheduleFreeAdamW: AdamW without a learning-rate schedule (Defazio et al., 2024)."""

import torch

from cornu.optimizers.base_optimizer import Optimizer


class ScheduleFreeAdamW(Optimizer):
    """Schedule-Free AdamW: an interpolation of a gradient sequence and its running average.

    The `momentum` slot holds the sequence `z` the Adam-scaled gradients are applied to
    (`z -= lr * g / (sqrt(v / (1 - beta_2**t)) + epsilon)`); the average `x` of the `z`s
    (`x = lerp(x, z, 1 / t)`) is not stored but recovered from the weights, which hold
    `y = (1 - beta_1) * z + beta_1 * x`. As in Keras, the weights always hold `y` (there is
    no swap to `x` for evaluation). During the first `warmup_steps` steps the rate grows
    linearly (`lr * min(t / warmup_steps, 1)`); decoupled `weight_decay` uses the plain rate.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable. Defaults to 0.0025.
        beta_1: the interpolation between `z` and its average `x`.
        beta_2: decay rate of the second-moment estimates.
        epsilon: small constant for numerical stability.
        warmup_steps: number of steps of linear learning-rate warmup; 0 for none.
        **kwargs: the base `Optimizer` arguments (`weight_decay`, `clipnorm`, ...).
    """

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 warmup_steps=0, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = warmup_steps

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])
        with torch.no_grad():
            for momentum, variable in zip(self._momentums, variables):
                momentum.copy_(variable)

    def _update(self, params, grads, slots, lr, step):
        momentums, velocities = slots["momentum"], slots["velocity"]
        beta_1 = self.beta_1
        if self.warmup_steps > 0:
            lr = lr * min(step / self.warmup_steps, 1.0)
        torch._foreach_mul_(velocities, self.beta_2)
        torch._foreach_addcmul_(velocities, grads, grads, value=1 - self.beta_2)
        denominators = torch._foreach_div(velocities, 1 - self.beta_2 ** step)
        torch._foreach_sqrt_(denominators)
        torch._foreach_add_(denominators, self.epsilon)
        # x_old = (y_old - (1 - beta_1) * z_old) / beta_1, from z before this step's update.
        averages = torch._foreach_mul(momentums, -(1 - beta_1))
        torch._foreach_add_(averages, params)
        torch._foreach_div_(averages, beta_1)
        torch._foreach_addcdiv_(momentums, grads, denominators, value=-lr)
        weight = 1.0 / step
        torch._foreach_lerp_(averages, momentums, weight)
        # y = (1 - beta_1) * z + beta_1 * x
        torch._foreach_mul_(averages, beta_1)
        torch._foreach_copy_(params, averages)
        torch._foreach_add_(params, momentums, alpha=1 - beta_1)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "warmup_steps": self.warmup_steps})
        return config
