"""Mixed precision (mirrors `keras.mixed_precision`)."""

from cornu.dtype_policies import DTypePolicy, Policy, global_policy  # noqa: F401
from cornu.dtype_policies import set_dtype_policy as set_global_policy  # noqa: F401
