"""Mixed precision (mirrors `keras.mixed_precision`)."""

from cornu.dtype_policies import (  # noqa: F401
    DTypePolicy,
    Policy,
    dtype_policy,
    global_policy,
    set_dtype_policy,
)
from cornu.dtype_policies import set_dtype_policy as set_global_policy  # noqa: F401


def __getattr__(name):
    # Keras also exposes the optimizer here; imported on use to keep this module light.
    if name == "LossScaleOptimizer":
        from cornu.optimizers.loss_scale_optimizer import LossScaleOptimizer
        return LossScaleOptimizer
    raise AttributeError(f"module 'cornu.mixed_precision' has no attribute {name!r}")
