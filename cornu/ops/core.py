"""Array creation, conversion, shapes and indexing."""

import builtins

import numpy as np
import torch

from cornu.backend.config import floatx
from cornu.ops.symbolic_dispatch import symbolic_op
from cornu.utils.dtypes import numpy_to_tensor, tensor_to_numpy, to_torch_dtype

__all__ = [
    "convert_to_tensor", "convert_to_numpy", "cast", "shape", "dtype", "zeros", "ones", "full",
    "zeros_like", "ones_like", "full_like", "eye", "identity", "arange", "linspace", "reshape",
    "transpose", "expand_dims", "squeeze", "stack", "concatenate", "split", "tile", "repeat",
    "broadcast_to", "flip", "pad", "get_item", "take", "take_along_axis", "where", "moveaxis",
    "swapaxes", "ravel", "stop_gradient", "is_tensor", "slice", "roll", "tril", "triu", "unstack",
]


def _t(x, dtype=None):
    if isinstance(x, torch.Tensor):
        return x if dtype is None else x.to(to_torch_dtype(dtype))
    if isinstance(x, float) and dtype is None:
        dtype = floatx()
    if isinstance(x, (list, tuple)) and x and any(isinstance(v, torch.Tensor) for v in x):
        return torch.stack([_t(v) for v in x])
    if isinstance(x, (int, float, bool)):
        return torch.as_tensor(x, dtype=to_torch_dtype(dtype))
    tensor = numpy_to_tensor(x)
    return tensor if dtype is None else tensor.to(to_torch_dtype(dtype))


def convert_to_tensor(x, dtype=None, sparse=None):
    """A torch tensor from a tensor, array, list or number (floats default to `floatx()`)."""
    if isinstance(x, np.ndarray) and dtype is None:
        return numpy_to_tensor(np.ascontiguousarray(x))
    return _t(x, dtype)


def convert_to_numpy(x):
    """A NumPy array from a tensor (detached, on the CPU)."""
    if isinstance(x, torch.Tensor):
        return tensor_to_numpy(x)
    return np.asarray(x)


def is_tensor(x):
    return isinstance(x, torch.Tensor)


@symbolic_op
def cast(x, dtype):
    return _t(x).to(to_torch_dtype(dtype))


def shape(x):
    """The shape as a tuple (None dims for symbolic tensors)."""
    return tuple(x.shape)


def dtype(x):
    from cornu.utils.dtypes import dtype_name
    return dtype_name(x.dtype) if isinstance(x.dtype, torch.dtype) else x.dtype


def _shape_arg(shape):
    return (shape,) if isinstance(shape, int) else tuple(int(s) for s in shape)


def zeros(shape, dtype=None):
    return torch.zeros(_shape_arg(shape), dtype=to_torch_dtype(dtype or floatx()))


def ones(shape, dtype=None):
    return torch.ones(_shape_arg(shape), dtype=to_torch_dtype(dtype or floatx()))


def full(shape, fill_value, dtype=None):
    return torch.full(_shape_arg(shape), fill_value, dtype=to_torch_dtype(dtype or floatx()))


@symbolic_op
def zeros_like(x, dtype=None):
    return torch.zeros_like(_t(x), dtype=to_torch_dtype(dtype))


@symbolic_op
def ones_like(x, dtype=None):
    return torch.ones_like(_t(x), dtype=to_torch_dtype(dtype))


@symbolic_op
def full_like(x, fill_value, dtype=None):
    return torch.full_like(_t(x), fill_value, dtype=to_torch_dtype(dtype))


def eye(N, M=None, k=0, dtype=None):
    M = N if M is None else M
    rows = torch.arange(N).unsqueeze(1)
    cols = torch.arange(M).unsqueeze(0)
    return (cols - rows == k).to(to_torch_dtype(dtype or floatx()))


def identity(n, dtype=None):
    return torch.eye(n, dtype=to_torch_dtype(dtype or floatx()))


def arange(start, stop=None, step=1, dtype=None):
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        dtype = floatx() if any(isinstance(v, float) for v in (start, stop, step)) else "int32"
    return torch.arange(start, stop, step, dtype=to_torch_dtype(dtype))


def linspace(start, stop, num=50, endpoint=True, dtype=None):
    if endpoint:
        return torch.linspace(start, stop, num, dtype=to_torch_dtype(dtype or floatx()))
    return torch.linspace(start, stop, num + 1, dtype=to_torch_dtype(dtype or floatx()))[:-1]


@symbolic_op
def reshape(x, newshape):
    return _t(x).reshape(_shape_arg(newshape))


@symbolic_op
def transpose(x, axes=None):
    x = _t(x)
    if axes is None:
        return x.permute(*reversed(range(x.ndim)))
    return x.permute(*axes)


@symbolic_op
def expand_dims(x, axis):
    x = _t(x)
    if isinstance(axis, (list, tuple)):
        for a in sorted(a % (x.ndim + len(axis)) for a in axis):
            x = x.unsqueeze(a)
        return x
    return x.unsqueeze(axis)


@symbolic_op
def squeeze(x, axis=None):
    x = _t(x)
    if axis is None:
        return x.squeeze()
    return x.squeeze(axis if isinstance(axis, int) else tuple(axis))


@symbolic_op
def stack(x, axis=0):
    return torch.stack([_t(v) for v in x], dim=axis)


@symbolic_op
def concatenate(xs, axis=0):
    return torch.cat([_t(v) for v in xs], dim=axis)


@symbolic_op
def unstack(x, num=None, axis=0):
    return list(torch.unbind(_t(x), dim=axis))


def split(x, indices_or_sections, axis=0):
    x = _t(x)
    if isinstance(indices_or_sections, int):
        size = x.shape[axis]
        if size % indices_or_sections:
            raise ValueError(f"Cannot split an axis of size {size} into {indices_or_sections} equal parts.")
        return list(torch.split(x, size // indices_or_sections, dim=axis))
    bounds = [0] + list(indices_or_sections) + [x.shape[axis]]
    return [x.narrow(axis, a, b - a) for a, b in zip(bounds[:-1], bounds[1:])]


@symbolic_op
def tile(x, repeats):
    return _t(x).tile(tuple(repeats) if not isinstance(repeats, int) else (repeats,))


@symbolic_op
def repeat(x, repeats, axis=None):
    x = _t(x)
    if axis is None:
        x = x.flatten()
        axis = 0
    return torch.repeat_interleave(x, repeats, dim=axis)


@symbolic_op
def broadcast_to(x, shape):
    return _t(x).expand(_shape_arg(shape))


@symbolic_op
def flip(x, axis=None):
    x = _t(x)
    dims = tuple(range(x.ndim)) if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
    return torch.flip(x, dims)


@symbolic_op
def roll(x, shift, axis=None):
    return torch.roll(_t(x), shift, dims=axis)


@symbolic_op
def pad(x, pad_width, mode="constant", constant_values=None):
    x = _t(x)
    flat = []
    for before, after in reversed([tuple(p) for p in pad_width]):
        flat += [before, after]
    if mode == "constant":
        return torch.nn.functional.pad(x, flat, value=constant_values or 0)
    return torch.nn.functional.pad(x, flat, mode={"reflect": "reflect", "symmetric": "replicate",
                                                  "edge": "replicate"}.get(mode, mode))


@symbolic_op
def get_item(x, key):
    # A key read back from a saved config is a list; as an index it means a tuple.
    if isinstance(key, list) and any(isinstance(k, builtins.slice) or k is None or k is Ellipsis
                                     for k in key):
        key = tuple(key)
    return _t(x)[key]


@symbolic_op
def slice(inputs, start_indices, shape):
    """`inputs[start:start+size]` along every axis."""
    x = _t(inputs)
    for axis, (begin, size) in enumerate(zip(start_indices, shape)):
        x = x.narrow(axis, int(begin), int(size))
    return x


@symbolic_op
def take(x, indices, axis=None):
    x = _t(x)
    indices = _t(indices).long()
    if axis is None:
        return x.flatten()[indices]
    return torch.index_select(x, axis, indices.flatten()).reshape(
        x.shape[:axis % x.ndim] + indices.shape + x.shape[axis % x.ndim + 1:])


@symbolic_op
def take_along_axis(x, indices, axis=None):
    return torch.take_along_dim(_t(x), _t(indices).long(), dim=axis)


@symbolic_op
def where(condition, x1=None, x2=None):
    condition = _t(condition).bool()
    if x1 is None and x2 is None:
        return torch.nonzero(condition, as_tuple=True)
    x1 = x1 if isinstance(x1, torch.Tensor) else torch.as_tensor(x1)
    x2 = x2 if isinstance(x2, torch.Tensor) else torch.as_tensor(x2)
    return torch.where(condition, x1, x2)


@symbolic_op
def moveaxis(x, source, destination):
    return torch.movedim(_t(x), source, destination)


@symbolic_op
def swapaxes(x, axis1, axis2):
    return torch.swapaxes(_t(x), axis1, axis2)


@symbolic_op
def ravel(x):
    return _t(x).flatten()


@symbolic_op
def tril(x, k=0):
    return torch.tril(_t(x), k)


@symbolic_op
def triu(x, k=0):
    return torch.triu(_t(x), k)


@symbolic_op
def stop_gradient(variable):
    return _t(variable).detach()
