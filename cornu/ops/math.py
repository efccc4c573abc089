"""Elementwise maths, reductions, comparisons and linear algebra."""

import torch

from cornu.ops.core import _t
from cornu.ops.symbolic_dispatch import symbolic_op

__all__ = [
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "mod", "power",
    "negative", "absolute", "abs", "square", "sqrt", "rsqrt", "exp", "expm1", "log", "log1p",
    "log2", "log10", "sin", "cos", "tan", "arctan", "arctan2", "sinh", "cosh", "tanh", "sign",
    "round", "floor", "ceil", "erf", "maximum", "minimum", "clip", "matmul", "dot", "tensordot",
    "einsum", "outer", "mean", "sum", "prod", "max", "min", "amax", "amin", "std", "var",
    "argmax", "argmin", "cumsum", "cumprod", "all", "any", "logsumexp", "equal", "not_equal",
    "greater", "greater_equal", "less", "less_equal", "logical_and", "logical_or", "logical_not",
    "isnan", "isinf", "isfinite", "sort", "argsort", "top_k", "norm", "count_nonzero",
    "reciprocal", "diag", "trace",
]


def _pair(x1, x2):
    a = x1 if isinstance(x1, torch.Tensor) else None
    b = x2 if isinstance(x2, torch.Tensor) else None
    if a is None and b is None:
        return _t(x1), _t(x2)
    if a is None:
        return (x1 if isinstance(x1, (int, float, bool)) else _t(x1).to(b.device)), b
    if b is None:
        return a, (x2 if isinstance(x2, (int, float, bool)) else _t(x2).to(a.device))
    return a, b


def _binary(torch_fn, name):
    def op(x1, x2):
        a, b = _pair(x1, x2)
        if not isinstance(a, torch.Tensor):
            a = torch.as_tensor(a, device=b.device)
        return torch_fn(a, b)
    op.__name__ = name
    return symbolic_op(op)


add = _binary(torch.add, "add")
subtract = _binary(torch.subtract, "subtract")
multiply = _binary(torch.multiply, "multiply")
divide = _binary(torch.true_divide, "divide")
true_divide = _binary(torch.true_divide, "true_divide")
floor_divide = _binary(torch.floor_divide, "floor_divide")
mod = _binary(torch.remainder, "mod")
power = _binary(torch.pow, "power")
maximum = _binary(torch.maximum, "maximum")
minimum = _binary(torch.minimum, "minimum")
arctan2 = _binary(torch.atan2, "arctan2")
equal = _binary(torch.eq, "equal")
not_equal = _binary(torch.ne, "not_equal")
greater = _binary(torch.gt, "greater")
greater_equal = _binary(torch.ge, "greater_equal")
less = _binary(torch.lt, "less")
less_equal = _binary(torch.le, "less_equal")
logical_and = _binary(torch.logical_and, "logical_and")
logical_or = _binary(torch.logical_or, "logical_or")


def _unary(torch_fn, name):
    def op(x):
        return torch_fn(_t(x))
    op.__name__ = name
    return symbolic_op(op)


negative = _unary(torch.neg, "negative")
absolute = _unary(torch.abs, "absolute")
abs = absolute
square = _unary(torch.square, "square")
sqrt = _unary(torch.sqrt, "sqrt")
rsqrt = _unary(torch.rsqrt, "rsqrt")
exp = _unary(torch.exp, "exp")
expm1 = _unary(torch.expm1, "expm1")
log = _unary(torch.log, "log")
log1p = _unary(torch.log1p, "log1p")
log2 = _unary(torch.log2, "log2")
log10 = _unary(torch.log10, "log10")
sin = _unary(torch.sin, "sin")
cos = _unary(torch.cos, "cos")
tan = _unary(torch.tan, "tan")
arctan = _unary(torch.atan, "arctan")
sinh = _unary(torch.sinh, "sinh")
cosh = _unary(torch.cosh, "cosh")
tanh = _unary(torch.tanh, "tanh")
sign = _unary(torch.sign, "sign")
floor = _unary(torch.floor, "floor")
ceil = _unary(torch.ceil, "ceil")
erf = _unary(torch.erf, "erf")
logical_not = _unary(torch.logical_not, "logical_not")
isnan = _unary(torch.isnan, "isnan")
isinf = _unary(torch.isinf, "isinf")
isfinite = _unary(torch.isfinite, "isfinite")
reciprocal = _unary(torch.reciprocal, "reciprocal")


@symbolic_op
def round(x, decimals=0):
    return torch.round(_t(x), decimals=decimals)


@symbolic_op
def clip(x, x_min, x_max):
    return torch.clamp(_t(x), x_min, x_max)


@symbolic_op
def matmul(x1, x2):
    a, b = _pair(x1, x2)
    return torch.matmul(a, b)


@symbolic_op
def dot(x1, x2):
    a, b = _pair(x1, x2)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim == 1:
        return torch.matmul(a, b)
    return torch.tensordot(a, b, dims=([a.ndim - 1], [b.ndim - 2]))


@symbolic_op
def tensordot(x1, x2, axes=2):
    return torch.tensordot(_t(x1), _t(x2), dims=axes)


@symbolic_op
def outer(x1, x2):
    return torch.outer(_t(x1).flatten(), _t(x2).flatten())


@symbolic_op
def einsum(subscripts, *operands):
    return torch.einsum(subscripts, *[_t(o) for o in operands])


def _axis(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _reduce(torch_fn, name):
    def op(x, axis=None, keepdims=False):
        x = _t(x)
        if axis is None:
            out = torch_fn(x)
            return out.reshape((1,) * x.ndim) if keepdims else out
        return torch_fn(x, dim=_axis(axis), keepdim=keepdims)
    op.__name__ = name
    return symbolic_op(op)


mean = _reduce(torch.mean, "mean")
sum = _reduce(torch.sum, "sum")
amax = _reduce(torch.amax, "amax")
amin = _reduce(torch.amin, "amin")


def _reduce_with_initial(reduce, combine, name):
    def op(x, axis=None, keepdims=False, initial=None):
        out = reduce.__wrapped__(x, axis, keepdims)
        return out if initial is None else combine(out, torch.as_tensor(initial, dtype=out.dtype))
    op.__name__ = name
    return symbolic_op(op)


max = _reduce_with_initial(amax, torch.maximum, "max")
min = _reduce_with_initial(amin, torch.minimum, "min")
logsumexp = _reduce(torch.logsumexp, "logsumexp")


@symbolic_op
def prod(x, axis=None, keepdims=False, dtype=None):
    x = _t(x)
    if axis is None:
        return torch.prod(x)
    for a in sorted((axis,) if isinstance(axis, int) else axis, reverse=True):
        x = torch.prod(x, dim=a, keepdim=keepdims)
    return x


@symbolic_op
def std(x, axis=None, keepdims=False):
    return torch.std(_t(x), dim=_axis(axis), keepdim=keepdims, correction=0)


@symbolic_op
def var(x, axis=None, keepdims=False):
    return torch.var(_t(x), dim=_axis(axis), keepdim=keepdims, correction=0)


@symbolic_op
def argmax(x, axis=None, keepdims=False):
    return torch.argmax(_t(x), dim=axis, keepdim=keepdims).int()  # Keras's indices are int32


@symbolic_op
def argmin(x, axis=None, keepdims=False):
    return torch.argmin(_t(x), dim=axis, keepdim=keepdims).int()


@symbolic_op
def cumsum(x, axis=None, dtype=None):
    x = _t(x)
    return torch.cumsum(x.flatten() if axis is None else x, dim=0 if axis is None else axis)


@symbolic_op
def cumprod(x, axis=None, dtype=None):
    x = _t(x)
    return torch.cumprod(x.flatten() if axis is None else x, dim=0 if axis is None else axis)


@symbolic_op
def all(x, axis=None, keepdims=False):
    x = _t(x).bool()
    return torch.all(x) if axis is None else torch.all(x, dim=_axis(axis), keepdim=keepdims)


@symbolic_op
def any(x, axis=None, keepdims=False):
    x = _t(x).bool()
    return torch.any(x) if axis is None else torch.any(x, dim=_axis(axis), keepdim=keepdims)


@symbolic_op
def count_nonzero(x, axis=None):
    return torch.count_nonzero(_t(x), dim=axis).int()


@symbolic_op
def sort(x, axis=-1):
    return torch.sort(_t(x), dim=axis).values


@symbolic_op
def argsort(x, axis=-1):
    return torch.argsort(_t(x), dim=axis).int()


def top_k(x, k, sorted=True):
    """The `k` largest values along the last axis and their indices."""
    result = torch.topk(_t(x), k, dim=-1, sorted=sorted)
    return result.values, result.indices


@symbolic_op
def norm(x, ord=None, axis=None, keepdims=False):
    return torch.linalg.norm(_t(x), ord=ord, dim=_axis(axis), keepdim=keepdims)


@symbolic_op
def diag(x, k=0):
    return torch.diag(_t(x), k)


@symbolic_op
def trace(x, offset=0, axis1=0, axis2=1):
    return torch.diagonal(_t(x), offset, axis1, axis2).sum(-1)
