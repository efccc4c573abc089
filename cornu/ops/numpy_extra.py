"""More NumPy-style ops: bitwise, NaN-ignoring reductions, window functions, number theory
and small elementwise maths, with Keras's dtypes."""

import math

import torch

from cornu.backend.config import floatx
from cornu.ops.numeric import _axes, _quantile
from cornu.ops.promotion import float_type, result_type, tensor, tensors
from cornu.ops.symbolic_dispatch import symbolic_op
from cornu.utils.dtypes import to_torch_dtype

__all__ = [
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_invert",
    "bitwise_left_shift", "left_shift", "bitwise_right_shift", "right_shift",
    "nanmax", "nanmin", "nanprod", "nanstd", "nanvar", "nanargmax", "nanargmin", "nancumsum",
    "nancumprod", "nanmedian", "nanquantile", "nanpercentile",
    "gcd", "lcm", "i0", "sinc", "signbit", "fabs", "fmax", "fmin", "isneginf", "isposinf",
    "isreal", "ldexp", "nextafter", "angle", "real", "imag", "conj", "conjugate",
    "kaiser", "hamming", "hanning", "bartlett", "blackman", "logspace", "geomspace", "vdot",
    "trapezoid", "vander",
]


# ---------------------------------------------------------------- bitwise


def _bitwise(torch_fn, name):
    def op(x, y):
        x, y = tensors(x, y)
        return torch_fn(x, y)
    op.__name__ = name
    return symbolic_op(op)


bitwise_and = _bitwise(torch.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(torch.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(torch.bitwise_xor, "bitwise_xor")
bitwise_left_shift = _bitwise(torch.bitwise_left_shift, "bitwise_left_shift")
left_shift = _bitwise(torch.bitwise_left_shift, "left_shift")
bitwise_right_shift = _bitwise(torch.bitwise_right_shift, "bitwise_right_shift")
right_shift = _bitwise(torch.bitwise_right_shift, "right_shift")


@symbolic_op(options_as_keywords=True)
def bitwise_invert(x):
    return torch.bitwise_not(tensor(x))


@symbolic_op(options_as_keywords=True)
def bitwise_not(x):
    return torch.bitwise_not(tensor(x))


# ---------------------------------------------------------------- NaN-ignoring reductions


def _dims(axis, x):
    return None if axis is None else _axes(axis, x.ndim)


def _nan_extreme(x, axis, keepdims, largest):
    x = tensor(x)
    reduce = torch.amax if largest else torch.amin
    dims = _dims(axis, x)
    if dims == ():
        return x
    if not x.is_floating_point():
        return reduce(x, dim=dims, keepdim=keepdims)
    nan = torch.isnan(x)
    out = reduce(x.masked_fill(nan, -math.inf if largest else math.inf), dim=dims,
                 keepdim=keepdims)
    return out.masked_fill(nan.all(dim=dims, keepdim=keepdims), math.nan)


@symbolic_op(options_as_keywords=True)
def nanmax(x, axis=None, keepdims=False):
    """The maximum over `axis`, ignoring NaNs (NaN where every value is NaN)."""
    return _nan_extreme(x, axis, keepdims, True)


@symbolic_op(options_as_keywords=True)
def nanmin(x, axis=None, keepdims=False):
    """The minimum over `axis`, ignoring NaNs (NaN where every value is NaN)."""
    return _nan_extreme(x, axis, keepdims, False)


def _nan_arg(x, axis, keepdims, largest):
    x = tensor(x)
    arg = torch.argmax if largest else torch.argmin
    if x.is_floating_point():
        nan = torch.isnan(x)
        filled = x.masked_fill(nan, -math.inf if largest else math.inf)
    else:
        nan, filled = None, x
    if axis is None:
        out = arg(filled.reshape(-1))
        if nan is not None:
            out = torch.where(nan.all(), -1, out)
        out = out.reshape((1,) * x.ndim) if keepdims else out
    else:
        out = arg(filled, dim=axis, keepdim=keepdims)
        if nan is not None:
            out = torch.where(nan.all(dim=axis, keepdim=keepdims), -1, out)
    return out.to(torch.int32)


@symbolic_op(options_as_keywords=True)
def nanargmax(x, axis=None, keepdims=False):
    """Indices of the maxima ignoring NaNs; -1 where every value is NaN."""
    return _nan_arg(x, axis, keepdims, True)


@symbolic_op(options_as_keywords=True)
def nanargmin(x, axis=None, keepdims=False):
    """Indices of the minima ignoring NaNs; -1 where every value is NaN."""
    return _nan_arg(x, axis, keepdims, False)


@symbolic_op(options_as_keywords=True)
def nanprod(x, axis=None, keepdims=False):
    """The product over `axis`, NaNs counting as 1."""
    x = tensor(x)
    dims = _dims(axis, x)
    if x.is_floating_point():
        x = torch.nan_to_num(x, nan=1.0, posinf=math.inf, neginf=-math.inf)
    if dims == ():
        return x
    dtype = x.dtype
    if dtype in (torch.bool, torch.int8, torch.int16, torch.uint8):
        dtype = torch.int32 if dtype != torch.uint8 else torch.uint32
    out = x.to(dtype)
    for d in sorted(dims if dims is not None else range(x.ndim), reverse=True):
        out = out.to(torch.int64 if dtype == torch.uint32 else dtype).prod(dim=d,
                                                                            keepdim=keepdims)
    return out.to(dtype)


@symbolic_op(options_as_keywords=True)
def nanvar(x, axis=None, keepdims=False):
    """The variance over `axis` of the non-NaN values."""
    x = tensor(x)
    x = x.to(float_type(x))
    dims = _dims(axis, x)
    if dims == ():
        return torch.where(torch.isnan(x), x, torch.zeros_like(x))
    mean = torch.nanmean(x, dim=dims, keepdim=True)
    return torch.nanmean((x - mean).square(), dim=dims, keepdim=keepdims)


@symbolic_op(options_as_keywords=True)
def nanstd(x, axis=None, keepdims=False):
    """The standard deviation over `axis` of the non-NaN values."""
    return torch.sqrt(nanvar.__wrapped__(x, axis, keepdims))


def _nan_cumulative(x, axis, dtype, fill, fn):
    x = tensor(x)
    if x.is_floating_point():
        x = torch.nan_to_num(x, nan=fill, posinf=math.inf, neginf=-math.inf)
    if axis is None:
        x, axis = x.reshape(-1), 0
    out_dtype = to_torch_dtype(dtype) if dtype is not None else x.dtype
    if dtype is None and out_dtype in (torch.bool, torch.int8, torch.int16):
        out_dtype = torch.int32
    return fn(x, dim=axis).to(out_dtype) if dtype is None else fn(x.to(out_dtype), dim=axis)


@symbolic_op(options_as_keywords=True)
def nancumsum(x, axis=None, dtype=None):
    """The cumulative sum along `axis` (flattened when None), NaNs counting as 0."""
    return _nan_cumulative(x, axis, dtype, 0.0, torch.cumsum)


@symbolic_op(options_as_keywords=True)
def nancumprod(x, axis=None, dtype=None):
    """The cumulative product along `axis` (flattened when None), NaNs counting as 1."""
    return _nan_cumulative(x, axis, dtype, 1.0, torch.cumprod)


def _nan_quantile(x, q, axis, method, keepdims):
    """Quantiles of the non-NaN values: NaNs sort last and each row uses its own count."""
    x = tensor(x)
    x = x.to(float_type(x))
    q = tensor(q, x.dtype, x.device)
    if not torch.isnan(x).any():
        return _quantile(x, q, axis, method, keepdims)
    axes = _axes(axis, x.ndim)
    keep = [d for d in range(x.ndim) if d not in axes]
    flat = x.permute(keep + list(axes)).reshape([x.shape[d] for d in keep] + [-1])
    data = torch.sort(flat, dim=-1).values  # NaNs last
    count = (~torch.isnan(flat)).sum(-1, keepdim=True)  # (*kept, 1)
    last = (count - 1).clamp(min=0).to(x.dtype)
    pos = q.reshape(-1) * last  # (*kept, num_q)
    lo, hi = torch.floor(pos).long(), torch.ceil(pos).long()
    take = lambda i: data.gather(-1, i)  # noqa: E731
    if method == "lower":
        result = take(lo)
    elif method == "higher":
        result = take(hi)
    elif method == "nearest":
        result = take(torch.round(pos).long())
    elif method == "midpoint":
        result = (take(lo) + take(hi)) / 2
    else:
        result = take(lo) + (take(hi) - take(lo)) * (pos - lo.to(pos.dtype))
    result = result.masked_fill(count == 0, math.nan)
    result = torch.movedim(result, -1, 0)
    if keepdims:
        shape = [1 if d in axes else x.shape[d] for d in range(x.ndim)]
        result = result.reshape((result.shape[0],) + tuple(shape))
    return result.reshape(tuple(q.shape) + tuple(result.shape[1:]))


@symbolic_op
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th quantiles (q in [0, 1]) over `axis` of the non-NaN values."""
    return _nan_quantile(x, q, axis, method, keepdims)


@symbolic_op
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th percentiles (q in [0, 100]) over `axis` of the non-NaN values."""
    q = tensor(q)
    return _nan_quantile(x, q.to(float_type(q)) / 100, axis, method, keepdims)


@symbolic_op(options_as_keywords=True)
def nanmedian(x, axis=None, keepdims=False):
    """The median over `axis` of the non-NaN values."""
    if axis == () or axis == []:
        return tensor(x)
    return _nan_quantile(x, 0.5, axis, "linear", keepdims)


# ---------------------------------------------------------------- elementwise


@symbolic_op
def gcd(x1, x2):
    x1, x2 = tensors(x1, x2)
    return torch.gcd(x1, x2)


@symbolic_op
def lcm(x1, x2):
    x1, x2 = tensors(x1, x2)
    return torch.lcm(x1, x2)


@symbolic_op(options_as_keywords=True)
def i0(x):
    """The modified Bessel function of the first kind, order 0."""
    x = tensor(x)
    if x.dtype in (torch.int64, torch.float64):
        dtype = torch.float64
    elif x.dtype in (torch.float16, torch.bfloat16):
        dtype = x.dtype
    else:
        dtype = to_torch_dtype(floatx())
    return torch.i0(x.to(dtype))


@symbolic_op(options_as_keywords=True)
def sinc(x):
    """`sin(pi x) / (pi x)`, 1 at 0."""
    x = tensor(x)
    return torch.sinc(x.to(float_type(x)))


@symbolic_op(options_as_keywords=True)
def signbit(x):
    return torch.signbit(tensor(x))


@symbolic_op(options_as_keywords=True)
def fabs(x):
    """Absolute values as floats."""
    x = tensor(x)
    return torch.abs(x.to(float_type(x)))


def _nan_ignoring_pair(torch_fn, name):
    def op(x1, x2):
        x1, x2 = tensors(x1, x2)
        return torch_fn(x1, x2)
    op.__name__ = name
    return symbolic_op(op)


fmax = _nan_ignoring_pair(torch.fmax, "fmax")
fmin = _nan_ignoring_pair(torch.fmin, "fmin")


@symbolic_op(options_as_keywords=True)
def isneginf(x):
    return torch.isneginf(tensor(x))


@symbolic_op(options_as_keywords=True)
def isposinf(x):
    return torch.isposinf(tensor(x))


@symbolic_op(options_as_keywords=True)
def isreal(x):
    return torch.isreal(tensor(x))


@symbolic_op
def ldexp(x1, x2):
    """`x1 * 2 ** x2` for integer exponents `x2`."""
    x1, x2 = tensor(x1), tensor(x2)
    if x2.is_floating_point() or x2.is_complex():
        raise TypeError(f"ldexp takes integer exponents. Received: x2 dtype={x2.dtype}")
    dtype = float_type(x1, x2)
    return torch.ldexp(x1.to(dtype), x2.to(x1.device))


@symbolic_op
def nextafter(x1, x2):
    """The next representable float after `x1` towards `x2`."""
    x1, x2 = tensors(x1, x2)
    dtype = float_type(x1, x2)
    return torch.nextafter(x1.to(dtype), x2.to(dtype))


@symbolic_op(options_as_keywords=True)
def angle(x):
    x = tensor(x)
    return torch.angle(x if x.is_floating_point() or x.is_complex() else x.to(float_type(x)))


@symbolic_op(options_as_keywords=True)
def real(x):
    x = tensor(x)
    return x.real if x.is_complex() else x


@symbolic_op(options_as_keywords=True)
def imag(x):
    x = tensor(x)
    return x.imag if x.is_complex() else torch.zeros_like(x)


@symbolic_op(options_as_keywords=True)
def conj(x):
    x = tensor(x)
    return torch.conj(x).resolve_conj() if x.is_complex() else x


conjugate = symbolic_op(lambda x: conj.__wrapped__(x), name="conjugate",
                        options_as_keywords=True)
conjugate.__doc__ = "The complex conjugate (real inputs unchanged)."


# ---------------------------------------------------------------- windows and ranges


def _window_length(x):
    return int(tensor(x))


def _symmetric_window(n, fn):
    """`fn(k / (n - 1))` for k in `[0, n)` (the symmetric NumPy windows), in floatx."""
    dtype = to_torch_dtype(floatx())
    if n <= 0:
        return torch.zeros((0,), dtype=dtype)
    if n == 1:
        return torch.ones((1,), dtype=dtype)
    t = torch.arange(n, dtype=torch.float64) / (n - 1)
    return fn(t).to(dtype)


def hamming(x):
    """NumPy's (symmetric) Hamming window of `x` points."""
    return _symmetric_window(_window_length(x), lambda t: 0.54 - 0.46 * torch.cos(2 * math.pi * t))


def hanning(x):
    """NumPy's (symmetric) Hann window of `x` points."""
    return _symmetric_window(_window_length(x), lambda t: 0.5 - 0.5 * torch.cos(2 * math.pi * t))


def bartlett(x):
    """NumPy's (symmetric) triangular window of `x` points."""
    return _symmetric_window(_window_length(x), lambda t: 1 - torch.abs(2 * t - 1))


def blackman(x):
    """NumPy's (symmetric) Blackman window of `x` points."""
    return _symmetric_window(_window_length(x), lambda t: 0.42 - 0.5 * torch.cos(2 * math.pi * t)
                             + 0.08 * torch.cos(4 * math.pi * t))


def kaiser(x, beta):
    """NumPy's Kaiser window of `x` points with shape parameter `beta`."""
    beta = float(beta)
    return _symmetric_window(_window_length(x), lambda t: torch.i0(
        beta * torch.sqrt((1 - (2 * t - 1).square()).clamp(min=0))) / torch.i0(
        torch.tensor(beta, dtype=torch.float64)))


def _range_dtype(start, stop, dtype):
    if dtype is not None:
        return to_torch_dtype(dtype)
    return float_type(start, stop, 1.0)


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """`base ** linspace(start, stop, num)`."""
    out_dtype = _range_dtype(start, stop, dtype)
    start, stop = tensor(start, torch.float64), tensor(stop, torch.float64)
    exps = _linspace(start, stop, num, endpoint)
    out = torch.pow(torch.as_tensor(float(base), dtype=torch.float64), exps)
    return torch.movedim(out, 0, axis).to(out_dtype)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """`num` values spaced evenly on a log scale from `start` to `stop`."""
    out_dtype = _range_dtype(start, stop, dtype)
    start, stop = tensor(start, torch.float64), tensor(stop, torch.float64)
    sign = torch.where(start < 0, -1.0, 1.0).to(torch.float64)
    exps = _linspace(torch.log10(start.abs()), torch.log10(stop.abs()), num, endpoint)
    out = sign * torch.pow(10.0, exps)
    if num > 0:
        out[0] = start
        if endpoint and num > 1:
            out[-1] = stop
    return torch.movedim(out, 0, axis).to(out_dtype)


def _linspace(start, stop, num, endpoint):
    """`num` points along a new first axis from `start` to `stop` (broadcast tensors)."""
    div = (num - 1) if endpoint else num
    steps = torch.arange(num, dtype=torch.float64)
    steps = steps.reshape((-1,) + (1,) * start.dim())
    if div <= 0:
        return start + 0 * steps
    return start + (stop - start) * steps / div


@symbolic_op
def vdot(x1, x2):
    """The dot product of the flattened inputs (the first conjugated)."""
    x1, x2 = tensors(x1, x2)
    x1 = torch.conj(x1) if x1.is_complex() else x1
    return (x1.reshape(-1) * x2.reshape(-1)).sum().to(x1.dtype)


@symbolic_op(options_as_keywords=True)
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of `y` along `axis` by the trapezoidal rule."""
    y = tensor(y)
    if x is None:
        return torch.trapezoid(y.to(float_type(y)), dx=dx, dim=axis)
    x = tensor(x, device=y.device)
    dtype = float_type(y, x)
    return torch.trapezoid(y.to(dtype), x.to(dtype), dim=axis)


@symbolic_op(options_as_keywords=True)
def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of the 1-D `x`: columns are powers of `x`."""
    x = tensor(x)
    n = x.shape[0] if N is None else N
    powers = torch.arange(n, device=x.device)
    if not increasing:
        powers = powers.flip(0)
    dtype = result_type(x) if x.dtype != torch.bool else torch.int32
    return torch.pow(x.to(dtype)[:, None], powers.to(dtype)[None, :])
