"""Symbolic dispatch: an op called on KerasTensors records a graph node instead of computing."""

import functools
import inspect

from cornu.backend.keras_tensor import KerasTensor


def _has_symbolic(args):
    for a in args:
        if isinstance(a, KerasTensor):
            return True
        if isinstance(a, (list, tuple)) and any(isinstance(x, KerasTensor) for x in a):
            return True
    return False


def _is_data(a):
    """Whether `a` is a tensor or array: an operand of the call rather than an option."""
    import numpy as np
    import torch
    return _has_symbolic((a,)) or isinstance(a, (torch.Tensor, np.ndarray))


def _options_as_keywords(fn, args, kwargs):
    """Moves the arguments after the last tensor-like one into `kwargs`, by parameter name."""
    last = max(i for i, a in enumerate(args) if _is_data(a))
    names = list(inspect.signature(fn).parameters)
    kwargs = dict(kwargs)
    for i in range(last + 1, len(args)):
        kwargs[names[i]] = args[i]
    return args[:last + 1], kwargs


def symbolic_op(fn=None, *, name=None, options_as_keywords=False):
    """Makes `fn` record a graph node when any positional argument is a KerasTensor.

    `name` is the op's path under `cornu.ops` (default: the function's name), such as
    `"image.resize"` for an op of a sub-namespace. With `options_as_keywords`, positional
    arguments after the tensors are recorded as keyword arguments, so the node's config
    names them as Keras's operation class does (`Resize(size=...)`).
    """
    if fn is None:
        return functools.partial(symbolic_op, name=name, options_as_keywords=options_as_keywords)
    op_name = name or fn.__name__

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if _has_symbolic(args):
            from cornu.layers.core.op_layer import OpLayer
            if options_as_keywords:
                args, kwargs = _options_as_keywords(fn, args, kwargs)
            return OpLayer(op_name, kwargs)(*args)
        return fn(*args, **kwargs)
    return wrapper
