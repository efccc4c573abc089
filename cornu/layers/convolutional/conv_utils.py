"""Helpers shared by the convolution and pooling layers.

Argument checks, Keras's (TensorFlow's) padding arithmetic, output lengths, and the
layout switch between Keras tensors (channels last or first) and the channels-first
views the torch kernels take.
"""

import torch.nn.functional as F

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_TRANSPOSE = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
_MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG_POOL = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


def conv_fn(rank):
    return _CONV[rank]


def conv_transpose_fn(rank):
    return _CONV_TRANSPOSE[rank]


def max_pool_fn(rank):
    return _MAX_POOL[rank]


def avg_pool_fn(rank):
    return _AVG_POOL[rank]


def standardize_tuple(layer_cls, value, n, name, allow_zero=False):
    """Returns `value` (an int or `n` ints) as a tuple of `n` ints, checking each."""
    where = f"{layer_cls.__name__}"
    if isinstance(value, int) and not isinstance(value, bool):
        values = (value,) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            values = None
        if values is None or len(values) != n or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise ValueError(f"{where}: argument `{name}` must be an int or a tuple of {n} "
                             f"ints. Received: {name}={value!r}")
    low = 0 if allow_zero else 1
    if any(v < low for v in values):
        raise ValueError(f"{where}: every value of `{name}` must be >= {low}. "
                         f"Received: {name}={value!r}")
    return values


def check_positive_int(layer_cls, value, name):
    """Raises a ValueError unless `value` (the argument `name`) is a positive int."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{layer_cls.__name__}: argument `{name}` must be a positive int. "
                         f"Received: {name}={value!r}")


def standardize_padding(layer_cls, value, allow_causal=False):
    """Returns the lower-cased padding mode after checking it."""
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(f"{layer_cls.__name__}: argument `padding` must be one of {allowed}. "
                         f"Received: padding={value!r}")
    return padding


def effective_size(kernel, dilation):
    """The extent of a dilated window."""
    return (kernel - 1) * dilation + 1


def same_padding(length, kernel, stride, dilation=1):
    """(left, right) padding of TensorFlow's "same": the odd element goes at the end."""
    k = effective_size(kernel, dilation)
    out = -(-length // stride)
    total = max((out - 1) * stride + k - length, 0)
    return total // 2, total - total // 2


def padding_args(spatial, kernel, strides, dilation):
    """torch arguments for "same": `(padding, None)` when symmetric, else `(0, F.pad tuple)`."""
    pads = [same_padding(n, k, s, d) for n, k, s, d in zip(spatial, kernel, strides, dilation)]
    if all(left == right for left, right in pads):
        return tuple(left for left, _ in pads), None
    flat = []
    for left, right in reversed(pads):
        flat += [left, right]
    return 0, tuple(flat)


def conv_output_length(length, kernel, stride, padding, dilation=1):
    """Output length of a convolution or pooling window along one dimension (None stays None)."""
    if length is None:
        return None
    if padding in ("same", "causal"):
        return -(-length // stride)
    return (length - effective_size(kernel, dilation)) // stride + 1


def transpose_output_length(length, kernel, stride, padding, output_padding, dilation=1):
    """Output length of a transposed convolution along one dimension (None stays None)."""
    if length is None:
        return None
    k = effective_size(kernel, dilation)
    if padding == "valid":
        extra = max(k, stride) - k if output_padding is None else output_padding
        return (length - 1) * stride + k + extra
    if output_padding is None:
        return length * stride
    return (length - 1) * stride + k % 2 + output_padding


def transpose_crops(kernel, stride, padding, output_padding, dilation=1):
    """(left, right) amounts cut from a full transposed convolution (right may be < 0: grow)."""
    k = effective_size(kernel, dilation)
    if padding == "valid":
        extra = max(k, stride) - k if output_padding is None else output_padding
        return 0, -extra
    if output_padding is None:
        total = stride + k - 2
    else:
        total = k + k % 2 - 2 + output_padding
    left = min(total - total // 2, k - 1)
    return k - 1 - left, k - 1 - (total - left)


def to_torch_layout(x, rank, data_format):
    """A channels-first view of `x`; 1D channels-last data is viewed as `(N, C, 1, L)`."""
    if data_format == "channels_first":
        return x
    if rank == 1:
        return x.unsqueeze(1).permute(0, 3, 1, 2)
    return x.permute(0, rank + 1, *range(1, rank + 1))


def to_keras_layout(y, rank, data_format):
    """Inverse of `to_torch_layout` for an output tensor."""
    if data_format == "channels_first":
        return y
    if rank == 1:
        return y.permute(0, 2, 3, 1).squeeze(1)
    return y.permute(0, *range(2, rank + 2), 1)


def lifted(rank, data_format):
    """Whether 1D channels-last data runs as 2D (its channels-last form is the fast one)."""
    return rank == 1 and data_format == "channels_last"


def torch_tuple(values, lift, fill):
    """`values` with a leading `fill` added when the data is lifted to 2D."""
    return (fill,) + tuple(values) if lift else tuple(values)


def check_input_rank(layer, shape, rank, what="input"):
    """Raises a ValueError naming the layer when `shape` is not of rank `rank + 2`."""
    if len(shape) != rank + 2:
        axes = {1: "steps", 2: "height, width", 3: "depth, height, width"}[rank]
        layout = (f"(batch, {axes}, channels)" if layer.data_format == "channels_last"
                  else f"(batch, channels, {axes})")
        raise ValueError(
            f"Layer '{layer.name}' ({type(layer).__name__}) expected an {what} of rank "
            f"{rank + 2} {layout}, but received an {what} of rank {len(shape)} with shape "
            f"{tuple(shape)}.")


def channel_axis(data_format):
    return -1 if data_format == "channels_last" else 1


def spatial_dims(shape, data_format):
    """The spatial part of a Keras shape."""
    shape = tuple(shape)
    return shape[1:-1] if data_format == "channels_last" else shape[2:]


def with_spatial(shape, spatial, channels, data_format):
    """A Keras shape from a batch size, spatial dims and channels."""
    if data_format == "channels_last":
        return (shape[0],) + tuple(spatial) + (channels,)
    return (shape[0], channels) + tuple(spatial)
