"""Symbolic dispatch: an op called on KerasTensors records a graph node instead of computing."""

import functools

from cornu.backend.keras_tensor import KerasTensor


def _has_symbolic(args):
    for a in args:
        if isinstance(a, KerasTensor):
            return True
        if isinstance(a, (list, tuple)) and any(isinstance(x, KerasTensor) for x in a):
            return True
    return False


def symbolic_op(fn):
    """Makes `fn` record a graph node when any positional argument is a KerasTensor."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if _has_symbolic(args):
            from cornu.layers.core.op_layer import OpLayer
            return OpLayer(fn.__name__, kwargs)(*args)
        return fn(*args, **kwargs)
    return wrapper
