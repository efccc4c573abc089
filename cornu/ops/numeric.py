"""More numeric ops: statistics, closeness tests, elementwise maths with Keras's dtypes."""

import torch

from cornu.ops.promotion import float_type, tensor, tensors
from cornu.ops.symbolic_dispatch import symbolic_op

__all__ = [
    "average", "median", "percentile", "quantile", "nan_to_num", "isclose", "allclose",
    "divide_no_nan", "logaddexp", "logaddexp2", "deg2rad", "rad2deg", "trunc", "cbrt", "hypot",
    "erfinv", "erfc", "exp2", "in_top_k", "arcsin", "arccos", "arcsinh", "arccosh", "arctanh",
    "logical_xor", "fmod", "ptp", "nanmean", "nansum", "heaviside",
]


def _float(x):
    x = tensor(x)
    return x.to(float_type(x))


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(sorted(a % ndim for a in axes)) if ndim else ()


@symbolic_op
def average(x, axis=None, weights=None):
    """The (weighted) mean over `axis`; 1-D `weights` apply along a single `axis`."""
    if weights is None:
        x = _float(x)
        return x.mean() if axis is None else x.mean(dim=axis)
    x, weights = tensors(x, weights)
    dtype = float_type(x, weights)
    x, weights = x.to(dtype), weights.to(dtype)
    if axis is None:
        return (x * weights).sum() / weights.sum()
    if weights.ndim == 1 and x.ndim > 1:
        shape = [1] * x.ndim
        shape[axis] = weights.shape[0]
        weights = weights.reshape(shape)
    return (x * weights).sum(dim=axis) / weights.expand_as(x).sum(dim=axis)


_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(x, q, axis, method, keepdims):
    if method not in _METHODS:
        raise ValueError(f"Invalid `method`: {method!r}. Expected one of {_METHODS}.")
    x = _float(x)
    q = tensor(q, x.dtype, x.device)
    axes = _axes(axis, x.ndim)
    keep = [d for d in range(x.ndim) if d not in axes]
    # Reduced axes go last, flattened into one sorted axis.
    flat = x.permute(keep + list(axes)).reshape([x.shape[d] for d in keep] + [-1])
    data = torch.sort(flat, dim=-1).values
    n = data.shape[-1]
    pos = q.reshape(-1) * (n - 1)
    lo = torch.floor(pos).long().clamp(0, n - 1)
    hi = torch.ceil(pos).long().clamp(0, n - 1)
    if method == "lower":
        result = data[..., lo]
    elif method == "higher":
        result = data[..., hi]
    elif method == "nearest":
        result = data[..., torch.round(pos).long().clamp(0, n - 1)]
    elif method == "midpoint":
        result = (data[..., lo] + data[..., hi]) / 2
    else:
        frac = (pos - lo.to(pos.dtype))
        result = data[..., lo] + (data[..., hi] - data[..., lo]) * frac
    result = torch.movedim(result, -1, 0)  # (num_q, *kept dims)
    if keepdims:
        shape = [1 if d in axes else x.shape[d] for d in range(x.ndim)]
        result = result.reshape((result.shape[0],) + tuple(shape))
    return result.reshape(tuple(q.shape) + tuple(result.shape[1:]))


@symbolic_op
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th quantiles (q in [0, 1]) over `axis`; the quantile axes come first."""
    return _quantile(x, q, axis, method, keepdims)


@symbolic_op
def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th percentiles (q in [0, 100]) over `axis`."""
    q = tensor(q)
    return _quantile(x, q.to(float_type(q)) / 100, axis, method, keepdims)


@symbolic_op
def median(x, axis=None, keepdims=False):
    return _quantile(x, 0.5, axis, "linear", keepdims)


@symbolic_op
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    x = tensor(x)
    if not x.is_floating_point():
        return x
    return torch.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def _close_pair(x1, x2):
    x1, x2 = tensors(x1, x2)
    dtype = float_type(x1, x2)
    return x1.to(dtype), x2.to(dtype)


@symbolic_op
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    a, b = _close_pair(x1, x2)
    return torch.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


@symbolic_op
def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Whether every pair of entries is close, as a bool scalar tensor."""
    a, b = _close_pair(x1, x2)
    return torch.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan).all()


@symbolic_op
def divide_no_nan(x1, x2):
    """`x1 / x2`, with 0 wherever `x2` is 0."""
    x1, x2 = tensors(x1, x2)
    dtype = float_type(x1, x2)
    x1, x2 = x1.to(dtype), x2.to(dtype)
    zero = x2 == 0
    return torch.where(zero, torch.zeros((), dtype=dtype, device=x1.device),
                       x1 / torch.where(zero, torch.ones_like(x2), x2))


def _float_binary(torch_fn, name):
    def op(x1, x2):
        x1, x2 = tensors(x1, x2)
        dtype = float_type(x1, x2)
        return torch_fn(x1.to(dtype), x2.to(dtype))
    op.__name__ = name
    return symbolic_op(op)


def _float_unary(torch_fn, name):
    def op(x):
        return torch_fn(_float(x))
    op.__name__ = name
    return symbolic_op(op)


logaddexp = _float_binary(torch.logaddexp, "logaddexp")
logaddexp2 = _float_binary(torch.logaddexp2, "logaddexp2")
hypot = _float_binary(torch.hypot, "hypot")
deg2rad = _float_unary(torch.deg2rad, "deg2rad")
rad2deg = _float_unary(torch.rad2deg, "rad2deg")
erfinv = _float_unary(torch.erfinv, "erfinv")
erfc = _float_unary(torch.erfc, "erfc")
exp2 = _float_unary(torch.exp2, "exp2")
arcsin = _float_unary(torch.asin, "arcsin")
arccos = _float_unary(torch.acos, "arccos")
arcsinh = _float_unary(torch.asinh, "arcsinh")
arccosh = _float_unary(torch.acosh, "arccosh")
arctanh = _float_unary(torch.atanh, "arctanh")
cbrt = _float_unary(lambda x: torch.sign(x) * torch.abs(x).pow(1.0 / 3.0), "cbrt")


@symbolic_op
def fmod(x1, x2):
    x1, x2 = tensors(x1, x2)
    return torch.fmod(x1, x2)


@symbolic_op
def trunc(x):
    x = tensor(x)
    return torch.trunc(x) if x.is_floating_point() else x


@symbolic_op
def logical_xor(x1, x2):
    x1, x2 = tensors(x1, x2)
    return torch.logical_xor(x1, x2)


@symbolic_op
def heaviside(x1, x2):
    x1, x2 = tensors(x1, x2)
    dtype = float_type(x1, x2)
    return torch.heaviside(x1.to(dtype), x2.to(dtype))


@symbolic_op
def ptp(x, axis=None, keepdims=False):
    """The range (max - min) over `axis`."""
    x = tensor(x)
    if axis is None:
        out = x.max() - x.min()
        return out.reshape((1,) * x.ndim) if keepdims else out
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    return torch.amax(x, dim=axis, keepdim=keepdims) - torch.amin(x, dim=axis, keepdim=keepdims)


@symbolic_op
def nanmean(x, axis=None, keepdims=False):
    x = _float(x)
    return torch.nanmean(x, dim=axis, keepdim=keepdims)


@symbolic_op
def nansum(x, axis=None, keepdims=False):
    x = tensor(x)
    if not x.is_floating_point():
        return torch.sum(x, dim=axis, keepdim=keepdims).to(x.dtype)
    return torch.nansum(x, dim=axis, keepdim=keepdims)


@symbolic_op
def in_top_k(targets, predictions, k):
    """Whether each row's target class scores among its `k` highest predictions.

    Classes tied with the `k`-th score count as inside, and a non-finite target score as
    outside.
    """
    predictions = tensor(predictions)
    targets = tensor(targets, device=predictions.device).long()
    target_scores = predictions.gather(1, targets.unsqueeze(1))
    higher = (predictions > target_scores).sum(dim=1)
    return (higher < k) & torch.isfinite(target_scores.squeeze(1))

