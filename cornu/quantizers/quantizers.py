"""Keras's quantization functions: abs-max int8/int4 quantization, int4 packing, float8
scaling and fake quantization, on torch tensors with Keras's numerics."""

import numpy as np
import torch

from cornu.backend.config import epsilon as _epsilon
from cornu.utils.dtypes import dtype_name, to_torch_dtype

_FLOAT8 = {"float8_e4m3fn": torch.float8_e4m3fn, "float8_e5m2": torch.float8_e5m2}


def _torch_dtype(dtype):
    if isinstance(dtype, str) and dtype in _FLOAT8:
        return _FLOAT8[dtype]
    return to_torch_dtype(dtype)


def _as_tensor(x, dtype=None):
    if isinstance(x, torch.Tensor):
        return x if dtype is None else x.to(dtype)
    return torch.as_tensor(np.asarray(x), dtype=dtype)


def _axes(axis, ndim):
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(a % ndim for a in axes)


class Quantizer:
    """Base class of quantizers: `__call__` returns the quantized tensor (here unchanged).

    Args:
        output_dtype: the dtype of quantized values ("int8").
    """

    _keras_module = "keras.quantizers"

    def __init__(self, output_dtype="int8"):
        self.output_dtype = output_dtype

    def __call__(self, x):
        return x

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_config(self):
        raise NotImplementedError(f"{self} does not implement get_config()")


def abs_max_quantize(inputs, axis, value_range=(-127, 127), dtype="int8", epsilon=_epsilon(),
                     to_numpy=False):
    """Quantizes `inputs` by their absolute maximum along `axis`.

    `scale = value_range[1] / (max(|inputs|) + epsilon)`; the quantized values are
    `clip(round(inputs * scale), *value_range)` cast to `dtype`.

    Args:
        inputs: the tensor to quantize.
        axis: the axis (or axes) the maximum is taken over.
        value_range: `(min, max)` of the quantized values.
        dtype: dtype of the quantized tensor.
        epsilon: added to the maximum to avoid dividing by zero.
        to_numpy: compute on the host with NumPy (saves device memory).

    Returns:
        `(quantized, scale)`; `scale` keeps the reduced axes with size 1.
    """
    lo, hi = value_range
    if to_numpy:
        x = inputs
        original = dtype_name(x.dtype) if hasattr(x, "dtype") else "float32"
        if isinstance(x, torch.Tensor):
            x = x.detach().cpu()
            x = (x.float() if x.dtype == torch.bfloat16 else x).numpy()
        x = np.asarray(x)
        axes = _axes(axis, x.ndim)
        scale = np.divide(hi, np.add(np.max(np.abs(x), axis=axes, keepdims=True), epsilon))
        outputs = np.clip(np.round(np.multiply(x, scale)), lo, hi).astype(dtype)
        device = inputs.device if isinstance(inputs, torch.Tensor) else None
        return (torch.as_tensor(outputs, device=device),
                torch.as_tensor(scale, device=device).to(to_torch_dtype(original)))
    x = _as_tensor(inputs)
    axes = _axes(axis, x.ndim)
    scale = torch.div(hi, torch.amax(torch.abs(x), dim=axes, keepdim=True) + epsilon)
    scale = scale.to(x.dtype)
    outputs = torch.clip(torch.round(x * scale), lo, hi).to(_torch_dtype(dtype))
    return outputs, scale


class AbsMaxQuantizer(Quantizer):
    """Quantizes by the absolute maximum along an axis (see `abs_max_quantize`).

    Args:
        axis: deprecated; give `axis` when calling instead.
        value_range: `(min, max)` of the quantized values.
        epsilon: added to the maximum to avoid dividing by zero.
        output_dtype: dtype of the quantized values.
    """

    _keras_module = "keras.quantizers"

    def __init__(self, axis=None, value_range=(-127, 127), epsilon=_epsilon(),
                 output_dtype="int8"):
        Quantizer.__init__(self, output_dtype=output_dtype)
        self.axis = None if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
        self.value_range = value_range
        self.epsilon = epsilon
        if output_dtype == "int8" and (value_range[0] < -128 or value_range[1] > 127):
            raise ValueError(
                "Quantizer with output_dtype='int8' requires value_range to be within the "
                f"interval [-128, 127]. Received: value_range={value_range}")

    def __call__(self, x, axis=None, to_numpy=False):
        """Returns `(quantized, scale)`; `axis` defaults to the constructor's, else -1."""
        if axis is None:
            axis = self.axis if self.axis is not None else -1
        return abs_max_quantize(x, axis, self.value_range, self.output_dtype, self.epsilon,
                                to_numpy)

    def get_config(self):
        config = {"value_range": self.value_range, "epsilon": self.epsilon,
                  "output_dtype": self.output_dtype}
        if self.axis is not None:
            config["axis"] = self.axis
        return config


def _adjust_and_nudge(min_range, max_range, num_bits, narrow_range):
    """TensorFlow's nudged `[min, max]`: the range moved so that 0 is exactly representable."""
    quant_max = (1 << num_bits) - 1
    quant_min = 1 if narrow_range else 0
    diff = max_range - min_range
    scale = diff / (quant_max - quant_min)
    inv_scale = (quant_max - quant_min) / diff
    zero_point = torch.clip(quant_min - min_range / scale, quant_min, quant_max)
    nudged_zero_point = torch.round(zero_point)
    nudged_min = (quant_min - nudged_zero_point) * scale
    nudged_max = (quant_max - nudged_zero_point) * scale
    return nudged_min, nudged_max, scale, inv_scale


class _FakeQuant(torch.autograd.Function):
    """Fake quantization whose gradient passes inside `[min, max]` (to the input) and outside
    it (to `min` / `max`), as Keras's custom gradient does."""

    @staticmethod
    def forward(ctx, x, min_val, max_val, num_bits, narrow_range, axis):
        compute = torch.promote_types(min_val.dtype, torch.float32)
        nudged_min, nudged_max, scale, inv_scale = _adjust_and_nudge(
            min_val.to(compute), max_val.to(compute), num_bits, narrow_range)
        quant_zero = torch.floor(-nudged_min * inv_scale + 0.5)
        clamped = torch.minimum(torch.maximum(x.to(compute), nudged_min), nudged_max)
        result = torch.floor((clamped - nudged_min) * inv_scale - quant_zero + 0.5) * scale
        ctx.save_for_backward(x, nudged_min, nudged_max)
        ctx.axis = axis
        ctx.shapes = (min_val.shape, max_val.shape)
        return result.to(x.dtype)

    @staticmethod
    def backward(ctx, upstream):
        x, nudged_min, nudged_max = ctx.saved_tensors
        zero = torch.zeros((), dtype=upstream.dtype, device=upstream.device)
        inside = (x >= nudged_min) & (x <= nudged_max)
        dx = torch.where(inside, upstream, zero)
        axes = [i for i in range(dx.dim()) if i != ctx.axis]

        def reduce(mask, shape):
            g = torch.where(mask, upstream, zero)
            g = g.sum(dim=axes) if ctx.axis is not None else g.sum()
            return g.reshape(shape)

        return (dx, reduce(x <= nudged_min, ctx.shapes[0]), reduce(x >= nudged_max, ctx.shapes[1]),
                None, None, None)


def fake_quant_with_min_max_vars(inputs, min_vals, max_vals, num_bits=8, narrow_range=False,
                                 axis=None):
    """Per-tensor or per-channel fake quantization: quantize into `[0, 2^num_bits - 1]`
    (`[1, ...]` with `narrow_range`) over the nudged `[min_vals, max_vals]`, then dequantize.

    Args:
        inputs: float tensor.
        min_vals: the minimum, a scalar or one value per channel.
        max_vals: the maximum, a scalar or one value per channel.
        num_bits: quantization bit width.
        narrow_range: use the narrow range (no lowest level).
        axis: the channel axis for per-channel quantization; None for per-tensor.

    Returns:
        A tensor of `inputs`' shape and dtype; gradients reach `min_vals` and `max_vals`.
    """
    x = _as_tensor(inputs)
    min_vals = _as_tensor(min_vals).to(x.device)
    max_vals = _as_tensor(max_vals).to(x.device)
    if axis is not None:
        axis = axis % x.dim()
    return _FakeQuant.apply(x, min_vals, max_vals, int(num_bits), narrow_range, axis)


def compute_float8_scale(amax, scale, dtype_max, margin=0):
    """The next float8 scale from the running `amax` (Transformer Engine's rule); `scale`
    is kept where `amax` is zero or not finite."""
    amax, scale = _as_tensor(amax), _as_tensor(scale)
    dtype_max = _as_tensor(dtype_max).to(device=amax.device, dtype=amax.dtype)
    inv = torch.reciprocal(scale)
    sf = dtype_max / amax / (2 ** margin)
    sf = torch.where(amax > 0.0, sf, inv)
    sf = torch.where(torch.isfinite(amax), sf, inv)
    return torch.reciprocal(sf)


def compute_float8_amax_history(x, amax_history):
    """`amax_history` rolled back by one with `max(|x|)` written at index 0."""
    amax_history = _as_tensor(amax_history)
    amax = torch.amax(torch.abs(_as_tensor(x))).to(amax_history.dtype)
    new = torch.roll(amax_history, shifts=-1, dims=0).clone()
    new[0] = amax
    return new


def quantize_and_dequantize(inputs, scale, quantized_dtype, compute_dtype):
    """Divides by `scale`, saturates to `quantized_dtype`'s range, casts to it (e.g.
    "float8_e4m3fn") and back, and multiplies by `scale`, in `compute_dtype`."""
    compute = _torch_dtype(compute_dtype)
    target = _torch_dtype(quantized_dtype)
    x = _as_tensor(inputs)
    scale = _as_tensor(scale).to(device=x.device, dtype=compute)
    limit = float(torch.finfo(target).max)
    q = torch.clip(x / scale, -limit, limit).to(target)
    return q.to(compute) * scale


def pack_int4(arr, axis=0, dtype="int8"):
    """Packs int4 values (int8 or uint8 in `[-8, 7]`) two per byte along `axis`: the first of
    each pair in the low nibble, the second in the high nibble; an odd length is padded with 0.

    Args:
        arr: int8 or uint8 tensor.
        axis: the axis to pack along.
        dtype: "int8" or "uint8", the dtype of `arr` and of the result.

    Returns:
        `(packed, packed_shape, orig_len)`: the packed tensor, its shape and the unpadded length.
    """
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"Expected dtype to be 'int8' or 'uint8', but got '{dtype}'.")
    if dtype_name(arr.dtype) != dtype:
        raise TypeError(f"Expected {dtype} tensor for packing, got {dtype_name(arr.dtype)}.")
    device = arr.device if isinstance(arr, torch.Tensor) else None
    a = arr.detach().cpu().numpy() if isinstance(arr, torch.Tensor) else np.asarray(arr)
    np_dtype = np.dtype(dtype)
    axis = axis % a.ndim
    a = np.moveaxis(a, axis, 0)
    n = a.shape[0]
    if n % 2:
        a = np.concatenate([a, np.zeros((1,) + a.shape[1:], dtype=a.dtype)], axis=0)
    mask = np_dtype.type(0x0F)
    low = np.bitwise_and(a[::2].astype(np_dtype), mask)
    high = np.bitwise_and(a[1::2].astype(np_dtype), mask)
    packed = np.bitwise_or(low, np.left_shift(high, np_dtype.type(4))).astype(np_dtype)
    packed = np.moveaxis(packed, 0, axis)
    return torch.as_tensor(np.ascontiguousarray(packed), device=device), tuple(packed.shape), n


def unpack_int4(packed, orig_len, axis=0, dtype="int8"):
    """Reverses `pack_int4`: splits each byte into its two nibbles along `axis` and drops the
    padding; with `dtype="int8"` nibbles become signed values in `[-8, 7]`.

    Args:
        packed: int8 or uint8 tensor of packed nibbles.
        orig_len: the length of `axis` before packing.
        axis: the axis packed along.
        dtype: "int8" or "uint8", the dtype of the result.
    """
    if dtype not in ("int8", "uint8"):
        raise ValueError(f"Expected dtype to be 'int8' or 'uint8', but got '{dtype}'.")
    packed = _as_tensor(packed)
    if packed.dtype not in (torch.int8, torch.uint8):
        raise TypeError(f"Expected int8 or uint8 tensor for unpacking, got {packed.dtype}")
    axis = axis % packed.dim()
    x = torch.movedim(packed, axis, 0)
    low = torch.bitwise_and(x, 0x0F)
    high = torch.bitwise_and(torch.bitwise_right_shift(x, 4), 0x0F)
    if dtype == "int8":  # nibbles 8..15 are -8..-1
        low = torch.bitwise_xor(low, 8) - 8
        high = torch.bitwise_xor(high, 8) - 8
    target = to_torch_dtype(dtype)
    out = torch.stack([low.to(target), high.to(target)], dim=1)
    out = out.reshape((-1,) + tuple(x.shape[1:]))[:orig_len]
    return torch.movedim(out, 0, axis)


def abs_max_quantize_grouped_with_zero_point(inputs, block_size, value_range=(-8, 7),
                                             dtype="int8", epsilon=_epsilon(), to_numpy=False):
    """Asymmetric quantization of a 2-D `(rows, columns)` tensor in groups of `block_size`
    rows: each group and column gets a scale and a zero point mapping its `[min, max]` (the
    last group padded with zero rows) onto `value_range`.

    Args:
        inputs: tensor of shape `(rows, columns)`.
        block_size: rows per group.
        value_range: `(min, max)` of the quantized values.
        dtype: dtype of the quantized values.
        epsilon: added to each group's range.
        to_numpy: compute on the host with NumPy (saves device memory).

    Returns:
        `(quantized, scale, zero_point)`: `(rows, columns)` in `dtype`, and
        `(ceil(rows / block_size), columns)` scales (the input's dtype) and int8 zero points.
    """
    qmin, qmax = value_range
    x = _as_tensor(inputs)
    original, device = x.dtype, x.device
    if to_numpy:
        x = x.detach().cpu()
        x = (x.float() if x.dtype == torch.bfloat16 else x).numpy()
        lib = np
    else:
        lib = torch
    rows, columns = x.shape
    groups = -(-rows // block_size)
    padded = groups * block_size
    if padded > rows:
        pad = (np.zeros((padded - rows, columns), dtype=x.dtype) if to_numpy
               else torch.zeros((padded - rows, columns), dtype=x.dtype, device=device))
        x = lib.concatenate([x, pad], axis=0) if to_numpy else torch.cat([x, pad], dim=0)
    x = x.reshape(groups, block_size, columns)
    if to_numpy:
        low, high = np.min(x, axis=1, keepdims=True), np.max(x, axis=1, keepdims=True)
    else:
        low, high = torch.amin(x, dim=1, keepdim=True), torch.amax(x, dim=1, keepdim=True)
    scale = (high - low + epsilon) / (qmax - qmin)
    zero = lib.clip(lib.round(-low / scale) + qmin, qmin, qmax)
    q = lib.clip(lib.round(x / scale) + zero, qmin, qmax)
    q = q.reshape(padded, columns)[:rows]
    scale, zero = scale[:, 0], zero[:, 0]
    if to_numpy:
        q, scale, zero = (torch.as_tensor(np.ascontiguousarray(v), device=device)
                          for v in (q, scale, zero))
    return q.to(_torch_dtype(dtype)), scale.to(original), zero.to(torch.int8)


def dequantize_with_sz_map(weights_matrix, scale, zero, g_idx, group_axis=-1):
    """`(w - zero) * scale` with the scale and zero point of each position's group
    (`g_idx`) taken along `group_axis`."""
    groups = _as_tensor(g_idx).to(torch.int64)
    scale, zero = _as_tensor(scale), _as_tensor(zero)
    dim = group_axis % scale.dim()
    scales = torch.index_select(scale, dim, groups)
    zeros = torch.index_select(zero, dim, groups).to(scales.dtype)
    return (_as_tensor(weights_matrix) - zeros) * scales
