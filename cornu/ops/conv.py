"""Convolution and pooling functions (`cornu.ops.conv`, `max_pool`, ...).

They take Keras's kernels (`kernel_size + (in_channels, out_channels)`), Keras's padding
("valid", or "same" with TensorFlow's extra element at the end), strides and dilations, and
either data format; they share the arithmetic of the convolution and pooling layers
(`layers/convolutional/conv_utils.py`).
"""

import functools
from types import SimpleNamespace

import torch
import torch.nn.functional as F

from cornu.backend.config import standardize_data_format
from cornu.ops.promotion import result_type, tensor
from cornu.ops.symbolic_dispatch import symbolic_op

__all__ = [
    "conv", "depthwise_conv", "separable_conv", "conv_transpose", "max_pool", "average_pool",
    "adaptive_average_pool", "adaptive_max_pool",
]


@functools.lru_cache(maxsize=None)
def _layer_helpers():
    """The layers' helper modules, imported on first use (the layers import `cornu.ops`)."""
    from cornu.layers.convolutional import conv_transpose, conv_utils, depthwise_conv
    from cornu.layers.pooling import adaptive_pooling, base_pooling
    return SimpleNamespace(conv_utils=conv_utils, conv_transpose=conv_transpose,
                           depthwise_weight=depthwise_conv.depthwise_weight,
                           adaptive_fns=adaptive_pooling._FNS,
                           BasePooling=base_pooling.BasePooling)


class _Window:
    """One windowed op's arguments in torch's channels-first terms."""

    def __init__(self, fn, x, window, strides, padding, data_format, dilation_rate=1):
        conv_utils = _layer_helpers().conv_utils
        self.data_format = standardize_data_format(data_format)
        self.rank = rank = x.dim() - 2
        if rank not in (1, 2, 3):
            raise ValueError(f"{fn.__name__}: inputs must have 3 to 5 dims (batch, spatial..., "
                             f"channels). Received: shape={tuple(x.shape)}")
        self.window = conv_utils.standardize_tuple(fn, window, rank, "window size")
        self.strides = conv_utils.standardize_tuple(fn, strides, rank, "strides")
        self.dilation = conv_utils.standardize_tuple(fn, dilation_rate, rank, "dilation_rate")
        self.padding = conv_utils.standardize_padding(fn, padding)
        self.lift = conv_utils.lifted(rank, self.data_format)
        self.t_window = conv_utils.torch_tuple(self.window, self.lift, 1)
        self.t_strides = conv_utils.torch_tuple(self.strides, self.lift, 1)
        self.t_dilation = conv_utils.torch_tuple(self.dilation, self.lift, 1)
        self.x = conv_utils.to_torch_layout(x, rank, self.data_format)

    def padded(self, value=0.0):
        """The input padded for "same" (asymmetric part only) and torch's `padding` argument."""
        conv_utils = _layer_helpers().conv_utils
        if self.padding == "valid":
            return self.x, 0
        padding, pad = conv_utils.padding_args(self.x.shape[2:], self.t_window, self.t_strides,
                                               self.t_dilation)
        self.pad = pad
        return (self.x, padding) if pad is None else (F.pad(self.x, pad, value=value), 0)

    def out(self, y):
        return _layer_helpers().conv_utils.to_keras_layout(y, self.rank, self.data_format)


def _same_dtype(inputs, *kernels):
    dtype = result_type(inputs, *kernels)
    x = tensor(inputs, dtype)
    return [x] + [tensor(k, dtype, x.device) for k in kernels]


def _conv_weight(kernel, lift):
    """torch's `(out, in / groups, k...)` from Keras's `(k..., in / groups, out)`."""
    rank = kernel.dim() - 2
    weight = kernel.permute((rank + 1, rank) + tuple(range(rank)))
    return weight.unsqueeze(2) if lift else weight


@symbolic_op(options_as_keywords=True)
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution with a kernel `kernel_size + (in_channels / groups, filters)`."""
    h = _layer_helpers()
    cu = h.conv_utils
    inputs, kernel = _same_dtype(inputs, kernel)
    w = _Window(conv, inputs, tuple(kernel.shape[:-2]), strides, padding, data_format,
                dilation_rate)
    x, pad = w.padded()
    groups = x.shape[1] // kernel.shape[-2]
    y = cu.conv_fn(x.dim() - 2)(x, _conv_weight(kernel, w.lift), None, w.t_strides, pad,
                                w.t_dilation, groups)
    return w.out(y)


@symbolic_op(options_as_keywords=True)
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Depthwise convolution with a kernel `kernel_size + (in_channels, depth_multiplier)`."""
    h = _layer_helpers()
    cu = h.conv_utils
    inputs, kernel = _same_dtype(inputs, kernel)
    w = _Window(depthwise_conv, inputs, tuple(kernel.shape[:-2]), strides, padding,
                data_format, dilation_rate)
    x, pad = w.padded()
    y = cu.conv_fn(x.dim() - 2)(x, h.depthwise_weight(kernel, w.lift), None, w.t_strides,
                                pad, w.t_dilation, x.shape[1])
    return w.out(y)


@symbolic_op(options_as_keywords=True)
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """A depthwise convolution followed by a pointwise (1x1) one."""
    h = _layer_helpers()
    cu = h.conv_utils
    inputs, depthwise_kernel, pointwise_kernel = _same_dtype(inputs, depthwise_kernel,
                                                             pointwise_kernel)
    w = _Window(separable_conv, inputs, tuple(depthwise_kernel.shape[:-2]), strides, padding,
                data_format, dilation_rate)
    x, pad = w.padded()
    fn = cu.conv_fn(x.dim() - 2)
    y = fn(x, h.depthwise_weight(depthwise_kernel, w.lift), None, w.t_strides, pad, w.t_dilation,
           x.shape[1])
    y = fn(y, _conv_weight(pointwise_kernel, w.lift))
    return w.out(y)


@symbolic_op(options_as_keywords=True)
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution with a kernel `kernel_size + (filters, in_channels)`."""
    h = _layer_helpers()
    cu = h.conv_utils
    inputs, kernel = _same_dtype(inputs, kernel)
    w = _Window(conv_transpose, inputs, tuple(kernel.shape[:-2]), strides, padding,
                data_format, dilation_rate)
    out_pads = (None,) * w.rank if output_padding is None else cu.standardize_tuple(
        conv_transpose, output_padding, w.rank, "output_padding", allow_zero=True)
    pads, extra, cuts = [], [], []
    for k, s, d, op in zip(w.window, w.strides, w.dilation, out_pads):
        left, right = cu.transpose_crops(k, s, w.padding, op, d)
        p, o, cut_left, cut_right = h.conv_transpose._torch_args(left, right, max(s, d))
        pads.append(p)
        extra.append(o)
        cuts.append((cut_left, cut_right))
    weight = kernel.permute((w.rank + 1, w.rank) + tuple(range(w.rank)))
    if w.lift:
        weight = weight.unsqueeze(2)
    y = cu.conv_transpose_fn(w.x.dim() - 2)(
        w.x, weight, None, w.t_strides, cu.torch_tuple(pads, w.lift, 0),
        cu.torch_tuple(extra, w.lift, 0), 1, w.t_dilation)
    cuts = cu.torch_tuple(cuts, w.lift, (0, 0))
    if any(c != (0, 0) for c in cuts):
        y = h.conv_transpose.ConvTranspose._cut(SimpleNamespace(_cuts=cuts), y)
    return w.out(y)


def _pool(fn, mode, inputs, pool_size, strides, padding, data_format):
    h = _layer_helpers()
    cu = h.conv_utils
    x = tensor(inputs)
    w = _Window(fn, x, pool_size, pool_size if strides is None else strides, padding,
                data_format)
    n = w.x.dim() - 2
    if mode == "max":
        x, pad = w.padded(float("-inf") if x.is_floating_point() else torch.iinfo(x.dtype).min)
        return w.out(cu.max_pool_fn(n)(x, w.t_window, w.t_strides, pad))
    x, pad = w.padded()
    if w.padding == "valid" or w.pad is None:
        return w.out(cu.avg_pool_fn(n)(x, w.t_window, w.t_strides, pad,
                                       count_include_pad=False))
    # Windows that reach into the padding average their real elements only.
    y = cu.avg_pool_fn(n)(x, w.t_window, w.t_strides)
    size = 1
    for k in w.window:
        size *= k
    spec = SimpleNamespace(_t_pool=w.t_window, _t_strides=w.t_strides)
    return w.out(y * (size / h.BasePooling._window_counts(spec, w.x.shape[2:], w.pad, y)))


@symbolic_op(options_as_keywords=True)
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over 1 to 3 spatial dims; `strides` default to `pool_size`."""
    return _pool(max_pool, "max", inputs, pool_size, strides, padding, data_format)


@symbolic_op(options_as_keywords=True)
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling; with "same", windows over the border average their real elements."""
    return _pool(average_pool, "average", inputs, pool_size, strides, padding, data_format)


def _adaptive(fn, mode, inputs, output_size, data_format):
    h = _layer_helpers()
    cu = h.conv_utils
    x = tensor(inputs)
    data_format = standardize_data_format(data_format)
    rank = x.dim() - 2
    size = cu.standardize_tuple(fn, output_size, rank, "output_size")
    lift = cu.lifted(rank, data_format)
    t_size = cu.torch_tuple(size, lift, 1)
    y = h.adaptive_fns[mode][len(t_size)](cu.to_torch_layout(x, rank, data_format), t_size)
    return cu.to_keras_layout(y, rank, data_format)


@symbolic_op(options_as_keywords=True)
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling to a fixed spatial `output_size`, whatever the input size."""
    return _adaptive(adaptive_average_pool, "average", inputs, output_size, data_format)


@symbolic_op(options_as_keywords=True)
def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed spatial `output_size`, whatever the input size."""
    return _adaptive(adaptive_max_pool, "max", inputs, output_size, data_format)
