"""Neural-network functions (`cornu.ops.relu`, `softmax`, `one_hot`, ...)."""

import inspect

import torch
import torch.nn.functional as F

from cornu import activations
from cornu.ops.core import _t
from cornu.ops.symbolic_dispatch import symbolic_op

__all__ = [
    "relu", "relu6", "sigmoid", "softmax", "log_softmax", "tanh_activation", "gelu", "silu",
    "swish", "elu", "selu", "softplus", "softsign", "leaky_relu", "hard_sigmoid", "log_sigmoid",
    "one_hot", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "moments", "normalize", "dropout", "celu", "glu",
    "hard_silu", "hard_swish", "hard_tanh", "tanh_shrink", "sparse_plus", "squareplus",
    "soft_shrink", "hard_shrink", "threshold", "sparse_sigmoid", "sparsemax",
    "batch_normalization", "layer_normalization", "rms_normalization", "depth_to_space",
    "space_to_depth", "dot_product_attention",
]


def _wrap(fn, name):
    def op(x, *args, **kwargs):
        return fn(_t(x), *args, **kwargs)
    op.__name__ = name
    op.__signature__ = inspect.signature(fn)  # the activation's own arguments, by name
    return symbolic_op(op)


relu = _wrap(activations.relu, "relu")
relu6 = _wrap(activations.relu6, "relu6")
sigmoid = _wrap(activations.sigmoid, "sigmoid")
softmax = _wrap(activations.softmax, "softmax")
log_softmax = _wrap(activations.log_softmax, "log_softmax")
tanh_activation = _wrap(activations.tanh, "tanh_activation")
gelu = _wrap(activations.gelu, "gelu")
silu = _wrap(activations.silu, "silu")
swish = silu
elu = _wrap(activations.elu, "elu")
selu = _wrap(activations.selu, "selu")
softplus = _wrap(activations.softplus, "softplus")
softsign = _wrap(activations.softsign, "softsign")
leaky_relu = _wrap(activations.leaky_relu, "leaky_relu")
hard_sigmoid = _wrap(activations.hard_sigmoid, "hard_sigmoid")
log_sigmoid = _wrap(activations.log_sigmoid, "log_sigmoid")
celu = _wrap(activations.celu, "celu")
glu = _wrap(activations.glu, "glu")
hard_silu = _wrap(activations.hard_silu, "hard_silu")
hard_swish = hard_silu
hard_tanh = _wrap(activations.hard_tanh, "hard_tanh")
tanh_shrink = _wrap(activations.tanh_shrink, "tanh_shrink")
sparse_plus = _wrap(activations.sparse_plus, "sparse_plus")
squareplus = _wrap(activations.squareplus, "squareplus")
soft_shrink = _wrap(activations.soft_shrink, "soft_shrink")
hard_shrink = _wrap(activations.hard_shrink, "hard_shrink")
threshold = _wrap(activations.threshold, "threshold")
sparse_sigmoid = _wrap(activations.sparse_sigmoid, "sparse_sigmoid")
sparsemax = _wrap(activations.sparsemax, "sparsemax")


@symbolic_op
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    if sparse:
        raise ValueError("`one_hot` does not support `sparse=True`: cornu has no sparse tensors. "
                         f"Received: sparse={sparse}")
    from cornu.backend.config import floatx
    from cornu.utils.dtypes import to_torch_dtype
    out = F.one_hot(_t(x).long(), num_classes).to(to_torch_dtype(dtype or floatx()))
    return out if axis == -1 else torch.movedim(out, -1, axis)


@symbolic_op
def binary_crossentropy(target, output, from_logits=False):
    target, output = _t(target), _t(output)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    output = output.clamp(1e-7, 1 - 1e-7)
    return -(target * torch.log(output) + (1 - target) * torch.log(1 - output))


@symbolic_op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = _t(target), _t(output)
    if from_logits:
        return -(target * torch.log_softmax(output, dim=axis)).sum(axis)
    output = output / output.sum(axis, keepdim=True)
    return -(target * torch.log(output.clamp(1e-7, 1 - 1e-7))).sum(axis)


@symbolic_op
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = _t(target).long(), _t(output)
    log_probs = torch.log_softmax(output, dim=axis) if from_logits else torch.log(
        (output / output.sum(axis, keepdim=True)).clamp(1e-7, 1 - 1e-7))
    return -torch.gather(log_probs, axis, target.unsqueeze(axis)).squeeze(axis)


def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and variance of `x` over `axes`."""
    x = _t(x)
    axes = tuple(axes)
    return (torch.mean(x, dim=axes, keepdim=keepdims),
            torch.var(x, dim=axes, keepdim=keepdims, correction=0))


@symbolic_op
def normalize(x, axis=-1, order=2, epsilon=None):
    """`x` divided by its `order`-norm along `axis` (a norm below `epsilon` counts as `epsilon`)."""
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    from cornu.backend.config import epsilon as default_epsilon
    x = _t(x)
    if x.ndim == 0:
        x = x.unsqueeze(0)
    epsilon = default_epsilon() if epsilon is None else epsilon
    norm = torch.linalg.vector_norm(x, ord=order, dim=axis, keepdim=True)
    return x / norm.clamp_min(epsilon)


def dropout(x, rate, noise_shape=None, seed=None):
    if noise_shape is None and seed is None:
        return F.dropout(_t(x), rate, training=True)
    from cornu import random
    return random.dropout(_t(x), rate, noise_shape=noise_shape, seed=seed)


def _along(v, x, axis):
    """A 1-D per-channel tensor `v` shaped to broadcast against `x` at `axis`."""
    v = _t(v).to(device=x.device)
    if v.ndim == 1 and x.ndim > 1:
        shape = [1] * x.ndim
        shape[axis % x.ndim] = v.shape[0]
        v = v.reshape(shape)
    return v


@symbolic_op
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """`(x - mean) / sqrt(variance + epsilon) * scale + offset`, statistics along `axis`."""
    x = _t(x)
    inv = torch.rsqrt(_along(variance, x, axis) + epsilon)
    if scale is not None:
        inv = inv * _along(scale, x, axis)
    out = (x - _along(mean, x, axis)) * inv
    if offset is not None:
        out = out + _along(offset, x, axis)
    return out.to(x.dtype)


def _norm_axes(axis, ndim):
    axes = [axis] if isinstance(axis, int) else list(axis)
    return sorted(a % ndim for a in axes)


def _param_over(v, x, axes):
    """A scale/offset over `axes` of `x`, shaped to broadcast against `x`."""
    v = _t(v).to(device=x.device, dtype=x.dtype)
    if v.ndim != x.ndim and axes != [x.ndim - 1]:
        shape = [x.shape[d] if d in axes else 1 for d in range(x.ndim)]
        v = v.reshape(shape)
    return v


@symbolic_op
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """Normalizes `x` to zero mean and unit variance over `axis`, then scales and shifts."""
    from cornu.backend.config import epsilon as default_epsilon
    if kwargs.pop("rms_scaling", False):
        return rms_normalization.__wrapped__(x, gamma, axis=axis, epsilon=epsilon)
    if kwargs:
        raise TypeError(f"Unexpected keyword arguments: {sorted(kwargs)}")
    x = _t(x)
    eps = default_epsilon() if epsilon is None else epsilon
    axes = _norm_axes(axis, x.ndim)
    if axes == list(range(x.ndim - len(axes), x.ndim)):
        weight = None if gamma is None else _t(gamma).to(x.device, x.dtype).reshape(
            [x.shape[d] for d in axes])
        bias = None if beta is None else _t(beta).to(x.device, x.dtype).reshape(
            [x.shape[d] for d in axes])
        return F.layer_norm(x, [x.shape[d] for d in axes], weight, bias, eps)
    mean = x.mean(dim=axes, keepdim=True)
    var = x.var(dim=axes, keepdim=True, correction=0)
    out = (x - mean) * torch.rsqrt(var + eps)
    if gamma is not None:
        out = out * _param_over(gamma, x, axes)
    if beta is not None:
        out = out + _param_over(beta, x, axes)
    return out


@symbolic_op
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """`x / sqrt(mean(x ** 2) + epsilon) * scale`, the mean over `axis`."""
    from cornu.backend.config import epsilon as default_epsilon
    x = _t(x)
    eps = default_epsilon() if epsilon is None else epsilon
    axes = _norm_axes(axis, x.ndim)
    out = x * torch.rsqrt(x.square().mean(dim=axes, keepdim=True) + eps)
    if scale is not None:
        out = out * _param_over(scale, x, axes)
    return out


def _check_block(x, block_size, data_format):
    from cornu.backend.config import standardize_data_format
    if x.ndim != 4:
        raise ValueError(f"Expected a 4-D input. Received: shape={tuple(x.shape)}")
    if not isinstance(block_size, int) or block_size < 2:
        raise ValueError(f"`block_size` must be an int >= 2. Received: {block_size!r}")
    return standardize_data_format(data_format)


@symbolic_op
def depth_to_space(x, block_size, data_format="channels_last"):
    """Moves channels into `block_size x block_size` spatial tiles.

    As Keras: channels_last reads the channels block by block (TensorFlow's order: output
    `[h*b+i, w*b+j, c]` is input `[h, w, (i*b+j)*C' + c]`); channels_first is torch's
    `pixel_shuffle` (input channel `c*b*b + i*b + j`).
    """
    x = _t(x)
    data_format = _check_block(x, block_size, data_format)
    b = block_size
    if data_format == "channels_last":
        n, h, w, c = x.shape
        x = x.reshape(n, h, w, b, b, c // (b * b)).permute(0, 1, 3, 2, 4, 5)
        return x.reshape(n, h * b, w * b, c // (b * b))
    return F.pixel_shuffle(x, b)


@symbolic_op
def space_to_depth(x, block_size, data_format="channels_last"):
    """Moves `block_size x block_size` spatial tiles into channels (inverse of depth_to_space)."""
    x = _t(x)
    data_format = _check_block(x, block_size, data_format)
    b = block_size
    if data_format == "channels_last":
        n, h, w, c = x.shape
        x = x.reshape(n, h // b, b, w // b, b, c).permute(0, 1, 3, 2, 4, 5)
        return x.reshape(n, h // b, w // b, c * b * b)
    return F.pixel_unshuffle(x, b)


@symbolic_op
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention on `(batch, length, heads, head_dim)` tensors.

    `bias` is added to the logits, `mask` (bool, True = attend) hides entries, `is_causal`
    hides future positions, `attn_logits_soft_cap` squashes the logits with `cap * tanh(l /
    cap)`. Runs torch's fused kernel when neither bias nor soft cap needs the logits.
    3-D inputs (no batch axis) are accepted too.
    """
    q, k, v = _t(query), _t(key), _t(value)
    unbatched = q.ndim == 3
    if unbatched:
        q, k, v = q.unsqueeze(0), k.unsqueeze(0), v.unsqueeze(0)
    if q.ndim != 4 or k.ndim != 4 or v.ndim != 4:
        raise ValueError("`dot_product_attention` expects 3-D or 4-D query, key and value. "
                         f"Received: query.shape={tuple(query.shape)}, "
                         f"key.shape={tuple(key.shape)}, value.shape={tuple(value.shape)}")
    q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)  # (B, N, T, H)
    scale = 1.0 / q.shape[-1] ** 0.5 if scale is None else float(scale)
    if bias is not None:
        bias = _t(bias).to(q.device, q.dtype)
    if mask is not None:
        mask = _t(mask).to(q.device).bool()
    if flash_attention and (bias is not None or attn_logits_soft_cap is not None):
        raise ValueError("Flash attention does not support `bias` or `attn_logits_soft_cap`.")
    t, s = q.shape[-2], k.shape[-2]
    causal = torch.ones((t, s), dtype=torch.bool, device=q.device).tril() if is_causal else None
    keep = mask
    if causal is not None:
        keep = causal if keep is None else keep & causal
    if attn_logits_soft_cap is None and bias is None:
        if mask is None and is_causal and t == s:
            out = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=scale)
        else:
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=keep, scale=scale)
    else:
        logits = torch.matmul(q, k.transpose(-1, -2)) * scale
        if bias is not None:
            logits = logits + bias
        if attn_logits_soft_cap is not None:
            logits = attn_logits_soft_cap * torch.tanh(logits / attn_logits_soft_cap)
        if keep is not None:
            logits = logits.masked_fill(~keep, torch.finfo(logits.dtype).min)
        weights = torch.softmax(logits.float(), dim=-1).to(v.dtype)
        out = torch.matmul(weights, v)
    out = out.transpose(1, 2)
    return out.squeeze(0) if unbatched else out


# Keras's `ops.nn` namespace also holds the convolution, pooling and CTC functions.
from cornu.ops.conv import (  # noqa: E402,F401
    adaptive_average_pool, adaptive_max_pool, average_pool, conv, conv_transpose,
    depthwise_conv, max_pool, separable_conv,
)
from cornu.ops.ctc import ctc_decode, ctc_loss  # noqa: E402,F401
from cornu.ops.misc import fold, multi_hot, polar, psnr, unfold  # noqa: E402,F401
