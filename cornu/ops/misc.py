"""The remaining Keras ops: distances and statistics, sequences and patches, complex views,
casts, and function transforms (`vectorize`, `custom_gradient`, `jvp`)."""

import inspect
import re

import torch
import torch.nn.functional as F

from cornu.backend.config import floatx
from cornu.ops.promotion import float_type, result_type, tensor, tensors
from cornu.ops.symbolic_dispatch import symbolic_op
from cornu.utils.dtypes import to_torch_dtype

__all__ = [
    "cdist", "corrcoef", "correlate", "histogram", "extract_sequences", "logdet", "matrix_rank",
    "multi_hot", "polar", "psnr", "saturate_cast", "view_as_complex", "view_as_real", "view",
    "unfold", "fold", "vectorize", "custom_gradient", "jvp", "rearrange",
]


@symbolic_op
def cdist(x, y):
    """Euclidean distances between the rows of `x` `(..., n, d)` and of `y` `(..., m, d)`."""
    x, y = tensors(x, y)
    if x.dim() < 2 or y.dim() < 2 or x.shape[-1] != y.shape[-1]:
        raise ValueError(f"`cdist` takes inputs of rank >= 2 with the same last dim. Received: "
                         f"{tuple(x.shape)} and {tuple(y.shape)}")
    diff = x.unsqueeze(-2) - y.unsqueeze(-3)
    return diff.square().sum(-1).sqrt()


@symbolic_op(options_as_keywords=True)
def corrcoef(x):
    """Pearson correlation coefficients of the rows (variables) of `x`."""
    x = tensor(x)
    if x.dtype == torch.bool:
        x = x.to(to_torch_dtype(floatx()))
    elif x.dtype == torch.int64:
        x = x.to(torch.float64)
    return torch.corrcoef(x)


def _correlate_dtype(x1, x2):
    dtype = result_type(x1, x2)
    if dtype == torch.int64:
        return torch.float64
    if dtype in (torch.bfloat16, torch.float16, torch.float64):
        return dtype
    return torch.float32


@symbolic_op(options_as_keywords=True)
def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D sequences, `c[k] = sum_n x1[n + k] * x2[n]` (NumPy's).

    `mode` is "valid" (full overlaps only), "same" (the length of the longer input) or
    "full" (every overlap).
    """
    x1, x2 = tensor(x1), tensor(x2)
    dtype = _correlate_dtype(x1, x2)
    x1, x2 = x1.to(dtype), x2.to(device=x1.device, dtype=dtype)
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"`mode` must be 'valid', 'same' or 'full'. Received: {mode!r}")
    n, m = x1.shape[-1], x2.shape[-1]
    swap = m > n
    a, v = (x2, x1) if swap else (x1, x2)
    full = F.conv1d(a.reshape(1, 1, -1), v.reshape(1, 1, -1),
                    padding=v.shape[-1] - 1).reshape(-1)
    if swap:
        full = full.flip(0)
    if mode == "full":
        return full
    longer, shorter = max(n, m), min(n, m)
    if mode == "valid":
        return full[shorter - 1:longer]
    start = (shorter - 1) // 2 if not swap else shorter // 2
    return full[start:start + longer]


@symbolic_op(options_as_keywords=True)
def histogram(x, bins=10, range=None):
    """Counts of `x` in `bins` equal bins over `range` (min and max of `x` by default), and
    the `bins + 1` bin edges."""
    x = tensor(x)
    x = x.to(float_type(x))
    low, high = (x.min().item(), x.max().item()) if range is None else map(float, range)
    if low == high:
        low, high = low - 0.5, high + 0.5
    edges = torch.linspace(low, high, bins + 1, dtype=x.dtype, device=x.device)
    inside = (x >= low) & (x <= high)
    index = ((x - low) * (bins / (high - low))).floor().clamp(0, bins - 1).long()
    counts = torch.zeros(bins, dtype=x.dtype, device=x.device)
    counts.index_add_(0, index[inside], torch.ones_like(x[inside]))
    return counts, edges


@symbolic_op(options_as_keywords=True)
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of `sequence_length` samples every `sequence_stride` along the last axis:
    `(..., frames, sequence_length)`."""
    return tensor(x).unfold(-1, sequence_length, sequence_stride).contiguous()


@symbolic_op(options_as_keywords=True)
def logdet(x):
    """The log-determinant of square matrices (NaN for a negative determinant)."""
    return torch.logdet(tensor(x))


@symbolic_op(options_as_keywords=True)
def matrix_rank(x, tol=None):
    """The rank of matrices: singular values above `tol` (a default relative to the largest)."""
    x = tensor(x)
    return torch.linalg.matrix_rank(x.to(float_type(x)), atol=tol).to(torch.int32)


@symbolic_op(options_as_keywords=True)
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Multi-hot encodings: per row (or for a 1-D input, overall) the union of its one-hots."""
    from cornu.ops.nn import one_hot
    num_classes = kwargs.pop("num_tokens", num_classes)
    if sparse:
        raise ValueError("`sparse=True` is not supported.")
    x = tensor(inputs)
    encoded = one_hot.__wrapped__(x.to(torch.int32), num_classes, axis=axis, dtype=dtype)
    return torch.amax(encoded, dim=1 if x.dim() > 1 else 0)


@symbolic_op
def polar(abs_, angle):
    """The complex numbers `abs_ * (cos(angle) + i sin(angle))`."""
    abs_, angle = tensors(abs_, angle)
    dtype = float_type(abs_, angle)
    abs_, angle = abs_.to(dtype), angle.to(dtype)
    return torch.complex(abs_ * torch.cos(angle), abs_ * torch.sin(angle))


@symbolic_op(options_as_keywords=True)
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio in dB: `20 log10(max_val) - 10 log10(mse)`."""
    x1, x2 = tensor(x1), tensor(x2)
    if x1.shape != x2.shape:
        raise ValueError(f"`psnr` takes inputs of the same shape. Received: "
                         f"{tuple(x1.shape)} and {tuple(x2.shape)}")
    x2 = x2.to(device=x1.device)
    mse = torch.mean((x1 - x2) ** 2)
    max_val = tensor(max_val, x1.dtype, x1.device)
    return 20 * torch.log10(max_val) - 10 * torch.log10(mse)


def _limits(dtype):
    if dtype == torch.bool:
        return 0, 1
    if dtype.is_floating_point:
        info = torch.finfo(dtype)
    else:
        info = torch.iinfo(dtype)
    return info.min, info.max


@symbolic_op(options_as_keywords=True)
def saturate_cast(x, dtype):
    """Casts to `dtype`, first clipping to the values `dtype` can hold."""
    x = tensor(x)
    target = to_torch_dtype(dtype)
    in_min, in_max = _limits(x.dtype)
    out_min, out_max = _limits(target)
    low = torch.tensor(max(in_min, out_min)).to(x.dtype)
    high = torch.tensor(min(in_max, out_max)).to(x.dtype)
    # A limit the input dtype rounds outside the target's range moves one step inwards.
    if low.item() < out_min:
        low = torch.nextafter(low, torch.zeros_like(low))
    if high.item() > out_max:
        high = torch.nextafter(high, torch.zeros_like(high))
    if x.dtype == torch.bool:
        return x.to(target)
    return torch.clamp(x, low.to(x.device), high.to(x.device)).to(target)


@symbolic_op(options_as_keywords=True)
def view_as_complex(x):
    """Complex numbers from a real tensor `(..., 2)` of (real, imag) pairs."""
    x = tensor(x)
    if x.dim() < 1 or x.shape[-1] != 2:
        raise ValueError(f"The last dimension must be 2 (real, imag). Received shape: "
                         f"{tuple(x.shape)}")
    return torch.complex(x[..., 0], x[..., 1])


@symbolic_op(options_as_keywords=True)
def view_as_real(x):
    """A real tensor `(..., 2)` of the (real, imag) parts of `x`."""
    x = tensor(x)
    if not x.is_complex():
        return torch.stack((x, torch.zeros_like(x)), dim=-1)
    return torch.stack((x.real, x.imag), dim=-1)


@symbolic_op(options_as_keywords=True)
def view(x, dtype=None):
    """The same memory read as `dtype`."""
    x = tensor(x)
    return x if dtype is None else x.view(to_torch_dtype(dtype))


@symbolic_op(options_as_keywords=True)
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of an `(N, C, H, W)` image as columns `(N, C * kh * kw, blocks)`."""
    return F.unfold(tensor(x), kernel_size, dilation=dilation, padding=padding,
                    stride=stride)


@symbolic_op(options_as_keywords=True)
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sums columns of sliding blocks `(N, C * kh * kw, blocks)` back into an image."""
    return F.fold(tensor(x), output_size, kernel_size, dilation=dilation, padding=padding,
                  stride=stride)


def _core_dims(signature):
    """Numbers of core dims per input and output of a NumPy gufunc signature."""
    match = re.fullmatch(r"\s*(.*?)\s*->\s*(.*?)\s*", signature)
    if match is None:
        raise ValueError(f"Invalid signature: {signature!r}")

    def parse(part):
        return [len([d for d in group.split(",") if d.strip()])
                for group in re.findall(r"\(([^)]*)\)", part)]
    return parse(match.group(1)), parse(match.group(2))


def vectorize(pyfunc, *, excluded=None, signature=None):
    """`pyfunc` mapped over the leading (broadcast) dims of its tensor arguments.

    Without `signature`, `pyfunc` sees scalars; a signature such as `"(n),(n)->()"` gives it
    the trailing core dims. Arguments named or numbered in `excluded` pass through unmapped.
    """
    excluded = set(excluded or ())
    in_core, _ = _core_dims(signature) if signature else (None, None)

    def wrapped(*args, **kwargs):
        mapped = [i for i in range(len(args)) if i not in excluded]
        tensors_ = [tensor(args[i]) for i in mapped]
        cores = in_core or [0] * len(tensors_)
        loops = [t.shape[:t.dim() - c] for t, c in zip(tensors_, cores)]
        loop_shape = torch.broadcast_shapes(*loops) if loops else torch.Size()
        flat = [t.expand(loop_shape + t.shape[t.dim() - c:]).reshape(
            (-1,) + t.shape[t.dim() - c:]) for t, c in zip(tensors_, cores)]

        def call(*values):
            full = list(args)
            for i, v in zip(mapped, values):
                full[i] = v
            return pyfunc(*full, **kwargs)

        out = torch.vmap(call)(*flat) if len(loop_shape) else call(
            *[f.reshape(f.shape[1:]) for f in flat])
        if not len(loop_shape):
            return out
        return torch.utils._pytree.tree_map(
            lambda o: o.reshape(loop_shape + o.shape[1:]), out)
    return wrapped


class _CustomGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, fn, *args):
        ctx.save_for_backward(*args)
        output, ctx.grad_fn = fn(*args)
        return output

    @staticmethod
    def backward(ctx, upstream):
        grad_fn = ctx.grad_fn
        takes_args = any(p.kind == inspect.Parameter.VAR_POSITIONAL
                         for p in inspect.signature(grad_fn).parameters.values())
        grads = (grad_fn(*ctx.saved_tensors, upstream=upstream) if takes_args
                 else grad_fn(upstream))
        if not isinstance(grads, (tuple, list)):
            grads = (grads,)
        return (None,) + tuple(grads)


def custom_gradient(f):
    """Decorates `f(*args) -> (output, grad_fn)` into a function whose gradient is `grad_fn`.

    `grad_fn(upstream)` or `grad_fn(*args, upstream)` returns one gradient per argument.
    """
    def wrapped(*args):
        args = [a if isinstance(a, torch.Tensor) else tensor(a) for a in args]
        return _CustomGradient.apply(f, *args)
    return wrapped


def jvp(fun, primals, tangents, has_aux=False):
    """`(fun(*primals), J @ tangents)` (and `fun`'s auxiliary output with `has_aux`): the
    forward-mode derivative of `fun` at `primals` along `tangents`."""
    primals = tuple(tensor(p) for p in primals)
    tangents = tuple(tensor(t) for t in tangents)
    return torch.func.jvp(fun, primals, tangents, has_aux=has_aux)



_to_tensor = tensor  # `rearrange` names its argument `tensor`, as Keras does


def _pattern_groups(side):
    """The axis groups of one side of an einops pattern: `"b (h w) ..."` ->
    `[["b"], ["h", "w"], ["..."]]`."""
    groups = []
    for token in re.findall(r"\.\.\.|\([^)]*\)|[\w]+", side):
        if token.startswith("("):
            groups.append(re.findall(r"\.\.\.|\w+", token[1:-1]))
        else:
            groups.append([token])
    return groups


@symbolic_op
def rearrange(tensor, pattern, **axes_lengths):
    """Reorders, splits and merges axes as an einops pattern says:
    `rearrange(x, "b (h w) c -> b c h w", h=4)`. Named axes, groups in parentheses, `...`
    for the remaining axes and `1` for unit axes."""
    x = _to_tensor(tensor)
    left, right = re.split(r"\s*->\s*", pattern.strip())
    in_groups, out_groups = _pattern_groups(left), _pattern_groups(right)
    n_ellipsis = x.dim() - (len(in_groups) - 1) if ["..."] in in_groups else 0
    sizes, names = dict(axes_lengths), []
    dims = iter(x.shape)
    for group in in_groups:
        if group == ["..."]:
            for i in range(n_ellipsis):
                sizes[f"...{i}"] = next(dims)
                names.append(f"...{i}")
            continue
        dim = next(dims)
        unknown = [a for a in group if a not in sizes and a != "1"]
        known = 1
        for a in group:
            if a in sizes:
                known *= sizes[a]
        if len(unknown) > 1:
            raise ValueError(f"Cannot infer the sizes of {unknown} in {pattern!r}: pass them "
                             f"as keyword arguments.")
        if unknown:
            sizes[unknown[0]] = dim // known
        names += [a for a in group if a != "1"]
    order, out_shape = [], []
    for group in out_groups:
        if group == ["..."]:
            for i in range(n_ellipsis):
                order.append(names.index(f"...{i}"))
                out_shape.append(sizes[f"...{i}"])
            continue
        size = 1
        for a in group:
            expanded = [f"...{i}" for i in range(n_ellipsis)] if a == "..." else (
                [] if a == "1" else [a])
            for name in expanded:
                order.append(names.index(name))
                size *= sizes[name]
        out_shape.append(size)
    x = x.reshape([sizes[n] for n in names]).permute(order)
    return x.reshape(out_shape)
