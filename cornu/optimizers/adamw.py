"""AdamW: Adam with decoupled weight decay (on by default)."""

from cornu.optimizers.adam import Adam


class AdamW(Adam):
    """Adam with decoupled weight decay: `w -= w * weight_decay * lr` before each update.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable. Defaults to 0.001.
        weight_decay: the decay rate; must not be None.
        beta_1: decay rate of the first-moment estimates.
        beta_2: decay rate of the second-moment estimates.
        epsilon: small constant for numerical stability.
        amsgrad: whether to use the AMSGrad variant.
        **kwargs: the other base `Optimizer` arguments (`clipnorm`, `use_ema`, ...).
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, **kwargs):
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float for AdamW. "
                             "Received: weight_decay=None")
        super().__init__(learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)
