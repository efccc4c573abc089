"""Backend settings, plus the small Keras-2-style `K` surface old code imports
(`from keras import backend as K; K.mean(x)`), aliased to `cornu.ops`."""

from cornu.backend.config import (  # noqa: F401
    backend,
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
    standardize_data_format,
)
from cornu.backend.dtypes import (  # noqa: F401
    is_float_dtype, is_int_dtype, result_type, standardize_dtype)
from cornu.backend.global_state import clear_session  # noqa: F401
from cornu.backend.keras_tensor import is_keras_tensor  # noqa: F401
from cornu.backend.name_scope import name_scope  # noqa: F401
from cornu.utils.naming import get_uid  # noqa: F401


def __getattr__(name):
    from cornu import ops
    aliases = {"abs": "absolute", "pow": "power", "concatenate": "concatenate",
               "int_shape": "shape", "batch_flatten": None, "categorical_crossentropy":
               "categorical_crossentropy", "binary_crossentropy": "binary_crossentropy"}
    if name == "batch_flatten":
        return lambda x: ops.reshape(x, (x.shape[0], -1))
    target = aliases.get(name, name)
    if target and hasattr(ops, target):
        return getattr(ops, target)
    raise AttributeError(f"module 'cornu.backend' has no attribute {name!r}")
