"""Symbolic dispatch: an op called on KerasTensors records a graph node instead of computing."""

import functools
import inspect

from cornu.backend.keras_tensor import KerasTensor
from cornu.ops.keras_op_options import KERAS_OP_OPTIONS

_SYMBOLIC_OPS = set()  # the name of every op made by `symbolic_op`


def symbolic_op_names():
    """The names of every op that can run on symbolic tensors ("add", "image.resize", ...)."""
    return sorted(_SYMBOLIC_OPS)


def _has_symbolic(values):
    for a in values:
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


def _options_after_tensors(fn, args, kwargs):
    """Moves the arguments after the last tensor-like one into `kwargs`, by parameter name."""
    last = max(i for i, a in enumerate(args) if _is_data(a))
    names = list(inspect.signature(fn).parameters)
    kwargs = dict(kwargs)
    for i in range(last + 1, len(args)):
        kwargs[names[i]] = args[i]
    return args[:last + 1], kwargs


def _split_by_keras_options(fn, options, args, kwargs):
    """Splits a call into the operands (positional) and the options Keras's class takes.

    The options go to the node's config, every one of them (an omitted one with its
    default), as Keras's operation class receives them in its constructor
    (`Reshape(newshape=...)`); every other argument stays positional, in the function's
    order, with an omitted one in between given its default.
    """
    signature = inspect.signature(fn)
    bound = signature.bind(*args, **kwargs).arguments
    operands, op_kwargs, pending = [], {}, []
    for name, param in signature.parameters.items():
        if param.kind is param.VAR_POSITIONAL:
            operands += pending + list(bound.get(name, ()))
            pending = []
        elif param.kind is param.VAR_KEYWORD:
            extra = bound.get(name, {})
            unknown = [k for k in extra if k not in options]
            if unknown:
                raise TypeError(f"{fn.__name__}() got unexpected keyword arguments {unknown}")
            op_kwargs.update(extra)
        elif name in options:
            if name in bound or param.default is not param.empty:
                op_kwargs[name] = bound.get(name, param.default)
        elif name in bound:
            operands += pending + [bound[name]]
            pending = []
        else:  # omitted: its default, kept only if a later operand is given
            pending.append(None if param.default is param.empty else param.default)
    return operands, op_kwargs


@functools.lru_cache(maxsize=None)
def _parameters(fn):
    return tuple(inspect.signature(fn).parameters.items())


def call_with_operands(fn, options, operands, kwargs):
    """Calls `fn` with `operands` bound, in order, to its arguments that are not `options`.

    The inverse of the split above: a node's positional operands skip the options, which
    arrive by name in `kwargs` with any operand the node passes by keyword.
    """
    if not options:
        return fn(*operands, **kwargs)
    kwargs, operands, leading = dict(kwargs), list(operands), []
    for name, param in _parameters(fn):
        if param.kind is param.VAR_POSITIONAL:
            # `meshgrid(*x, indexing=...)`, `einsum(subscripts, *operands)`: what comes
            # before `*args` can only be passed by position.
            return fn(*[kwargs.pop(n) for n in leading], *operands, **kwargs)
        leading.append(name)
        if not operands:
            break
        if param.kind is param.VAR_KEYWORD or name in options or name in kwargs:
            continue
        kwargs[name] = operands.pop(0)
    if operands:
        raise TypeError(f"{fn.__name__}() got {len(operands)} more operands than it takes")
    return fn(**kwargs)


def symbolic_op(fn=None, *, name=None, options_as_keywords=False):
    """Makes `fn` record a graph node when any argument is a KerasTensor.

    `name` is the op's path under `cornu.ops` (default: the function's name), such as
    `"image.resize"` for an op of a sub-namespace. The node records the options that Keras's
    operation class of the same name takes (`KERAS_OP_OPTIONS`) as keyword arguments, so
    either library rebuilds the other's graphs. For an op Keras does not have,
    `options_as_keywords` records the arguments after the last tensor by name.
    """
    if fn is None:
        return functools.partial(symbolic_op, name=name, options_as_keywords=options_as_keywords)
    op_name = name or fn.__name__
    _SYMBOLIC_OPS.add(op_name)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if _has_symbolic(args) or _has_symbolic(kwargs.values()):
            from cornu.layers.core.op_layer import OpLayer
            if op_name in KERAS_OP_OPTIONS or _has_symbolic(kwargs.values()):
                options = KERAS_OP_OPTIONS.get(op_name, ())
                args, kwargs = _split_by_keras_options(fn, options, args, kwargs)
            elif options_as_keywords:
                args, kwargs = _options_after_tensors(fn, args, kwargs)
            return OpLayer(op_name, kwargs)(*args)
        return fn(*args, **kwargs)
    return wrapper
