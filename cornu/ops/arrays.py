"""More array ops: stacking, splitting, rearranging, indexing, searching, scattering."""

import builtins

import numpy as np
import torch

from cornu.backend.config import floatx
from cornu.backend.keras_tensor import KerasTensor
from cornu.ops.promotion import tensor, tensors
from cornu.ops.symbolic_dispatch import symbolic_op
from cornu.utils.dtypes import to_torch_dtype

__all__ = [
    "array", "copy", "size", "ndim", "hstack", "vstack", "dstack", "hsplit", "vsplit",
    "dsplit", "array_split", "append", "diff", "meshgrid", "tri", "diagonal", "diagflat",
    "rot90", "fliplr", "flipud", "nonzero", "unravel_index", "select", "scatter",
    "scatter_update", "slice_update", "unique", "isin", "searchsorted", "digitize", "bincount",
    "argpartition", "kron", "inner", "cross", "empty", "empty_like",
]


def array(x, dtype=None):
    """A tensor from `x` (Python ints become int32 and floats `floatx()`, as in Keras)."""
    return tensor(x, dtype)


@symbolic_op
def copy(x):
    return tensor(x).clone()


def size(x):
    """The number of elements of `x`, as an int32 scalar tensor."""
    if isinstance(x, KerasTensor):
        if None in x.shape:
            raise ValueError(f"`size` needs a fully known shape. Received: shape={x.shape}")
        return torch.tensor(int(np.prod(x.shape)), dtype=torch.int32)
    return torch.tensor(tensor(x).numel(), dtype=torch.int32)


def ndim(x):
    """The number of dimensions of `x` (a Python int)."""
    return len(x.shape) if hasattr(x, "shape") else np.ndim(x)


def empty(shape, dtype=None):
    shape = (shape,) if isinstance(shape, int) else tuple(int(s) for s in shape)
    return torch.empty(shape, dtype=to_torch_dtype(dtype or floatx()))


@symbolic_op
def empty_like(x, dtype=None):
    return torch.empty_like(tensor(x), dtype=to_torch_dtype(dtype))


def _same_type(xs):
    return tensors(*xs)


@symbolic_op
def hstack(xs):
    xs = _same_type(xs)
    return torch.cat(xs, dim=0 if xs[0].ndim == 1 else 1)


@symbolic_op
def vstack(xs):
    return torch.cat([torch.atleast_2d(x) for x in _same_type(xs)], dim=0)


@symbolic_op
def dstack(xs):
    return torch.cat([torch.atleast_3d(x) for x in _same_type(xs)], dim=2)


def _split(x, indices_or_sections, axis):
    x = tensor(x)
    if isinstance(indices_or_sections, (int, np.integer)):
        n = int(indices_or_sections)
        if x.shape[axis] % n:
            raise ValueError(f"Cannot split an axis of size {x.shape[axis]} into {n} equal "
                             "parts.")
    else:
        n = [int(i) for i in indices_or_sections]
    return list(torch.tensor_split(x, n, dim=axis))


@symbolic_op
def hsplit(x, indices_or_sections):
    """Splits along the second axis (the first for 1-D inputs)."""
    return _split(x, indices_or_sections, 0 if ndim(x) == 1 else 1)


@symbolic_op
def vsplit(x, indices_or_sections):
    """Splits along the first axis."""
    return _split(x, indices_or_sections, 0)


@symbolic_op
def dsplit(x, indices_or_sections):
    """Splits along the third axis."""
    return _split(x, indices_or_sections, 2)


@symbolic_op
def array_split(x, indices_or_sections, axis=0):
    """Splits into `n` parts of sizes differing by at most one, or at the given indices."""
    x = tensor(x)
    if isinstance(indices_or_sections, (int, np.integer)):
        return list(torch.tensor_split(x, int(indices_or_sections), dim=axis))
    return list(torch.tensor_split(x, [int(i) for i in indices_or_sections], dim=axis))


@symbolic_op
def append(x1, x2, axis=None):
    x1, x2 = tensors(x1, x2)
    if axis is None:
        return torch.cat([x1.flatten(), x2.flatten()])
    return torch.cat([x1, x2], dim=axis)


@symbolic_op
def diff(a, n=1, axis=-1):
    return torch.diff(tensor(a), n=n, dim=axis)


@symbolic_op
def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D tensors (`indexing` "xy" or "ij")."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"`indexing` must be 'xy' or 'ij'. Received: indexing={indexing!r}")
    return list(torch.meshgrid(*tensors(*x), indexing=indexing))


def tri(N, M=None, k=0, dtype=None):
    """Ones at and below the `k`-th diagonal of an `N x M` matrix."""
    M = N if M is None else M
    ones = torch.ones((N, M), dtype=torch.bool)
    return torch.tril(ones, k).to(to_torch_dtype(dtype or floatx()))


@symbolic_op
def diagonal(x, offset=0, axis1=0, axis2=1):
    return torch.diagonal(tensor(x), offset, axis1, axis2)


@symbolic_op
def diagflat(x, k=0):
    return torch.diagflat(tensor(x), k)


@symbolic_op
def rot90(array, k=1, axes=(0, 1)):
    return torch.rot90(tensor(array), k, tuple(axes))


@symbolic_op
def fliplr(x):
    return torch.flip(tensor(x), (1,))


@symbolic_op
def flipud(x):
    return torch.flip(tensor(x), (0,))


def nonzero(x):
    """The indices of the non-zero entries: one int32 tensor per axis."""
    return tuple(i.to(torch.int32) for i in torch.nonzero(tensor(x), as_tuple=True))


def unravel_index(indices, shape):
    """Flat `indices` as a tuple of int32 coordinate tensors into an array of `shape`."""
    coords = torch.unravel_index(tensor(indices).long(), tuple(int(s) for s in shape))
    return tuple(c.to(torch.int32) for c in coords)


def select(condlist, choicelist, default=0):
    """Per element, the value of the first choice whose condition holds, else `default`."""
    if len(condlist) != len(choicelist):
        raise ValueError("`condlist` and `choicelist` must have the same length. Received: "
                         f"{len(condlist)} and {len(choicelist)}")
    if not condlist:
        raise ValueError("`select` needs at least one condition.")
    choices = tensors(*choicelist, default)
    out = choices[-1]
    for cond, choice in zip(reversed(condlist), reversed(choices[:-1])):
        cond = tensor(cond, device=choice.device).bool()
        out = torch.where(cond, choice, out)
    return out


def _index_tuple(indices, device):
    indices = tensor(indices, device=device).long()
    if indices.ndim == 1:
        indices = indices.unsqueeze(-1)
    return tuple(indices.unbind(-1))


@symbolic_op
def scatter(indices, values, shape):
    """A zero tensor of `shape` with `values` added at `indices` (shape `(..., k)`)."""
    values = tensor(values)
    out = torch.zeros(tuple(int(s) for s in shape), dtype=values.dtype, device=values.device)
    return out.index_put_(_index_tuple(indices, values.device), values, accumulate=True)


_REDUCTIONS = {"max": "amax", "min": "amin", "mul": "prod"}


@symbolic_op
def scatter_update(inputs, indices, updates, reduction=None):
    """`inputs` with `updates` written at `indices` (shape `(num_updates, k)`).

    `reduction` combines an update with the value already there: None (replace), "add",
    "max", "min" or "mul".
    """
    inputs = tensor(inputs)
    updates = tensor(updates, inputs.dtype, inputs.device)
    index = _index_tuple(indices, inputs.device)
    if reduction is not None:
        reduction = reduction.lower()
    out = inputs.clone()
    if reduction is None or reduction == "add":
        return out.index_put_(index, updates, accumulate=reduction == "add")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"Invalid reduction: {reduction}. Supported values are: None, 'add', "
                         "'max', 'min', 'mul'.")
    k = len(index)
    flat_index = torch.zeros_like(index[0])
    for i, dim in zip(index, inputs.shape[:k]):
        flat_index = flat_index * dim + i
    rest = tuple(inputs.shape[k:])
    rows = out.reshape((-1,) + rest)
    updates = updates.reshape((-1,) + rest)
    flat_index = flat_index.reshape((-1,) + (1,) * len(rest)).expand_as(updates)
    rows.scatter_reduce_(0, flat_index, updates, _REDUCTIONS[reduction], include_self=True)
    return rows.reshape(inputs.shape)


@symbolic_op
def slice_update(inputs, start_indices, updates):
    """`inputs` with the block starting at `start_indices` replaced by `updates`."""
    inputs = tensor(inputs)
    updates = tensor(updates, inputs.dtype, inputs.device)
    key = tuple(builtins.slice(int(s), int(s) + n) for s, n in zip(start_indices, updates.shape))
    out = inputs.clone()
    out[key] = updates
    return out


def unique(x, sorted=True, return_index=False, return_inverse=False, return_counts=False,
           axis=None, size=None, fill_value=None):
    """The unique entries of `x` (eager only: the result's size depends on the data).

    First indices, inverse indices and counts are int64 (torch's index type).

    With `size`, results are cut or padded (values with `fill_value`, default 0; first
    indices and counts with 0) to `size` entries.
    """
    x = tensor(x)
    values, inverse, counts = torch.unique(x, sorted=True, return_inverse=True,
                                           return_counts=True, dim=axis)
    outputs = [values]
    if return_index:
        positions = torch.arange(inverse.numel(), device=x.device)
        first = torch.full((counts.numel(),), inverse.numel(), dtype=torch.long, device=x.device)
        first = first.scatter_reduce(0, inverse.flatten(), positions, "amin")
        outputs.append(first)
    if return_inverse:
        outputs.append(inverse)
    if return_counts:
        outputs.append(counts)
    if size is not None:
        outputs = _fix_unique_size(outputs, size, fill_value, axis, return_inverse, return_index)
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def _fix_unique_size(outputs, size, fill_value, axis, has_inverse, has_index):
    def fit(t, fill, dim=0):
        n = t.shape[dim]
        if n >= size:
            return t.narrow(dim, 0, size)
        pad_shape = list(t.shape)
        pad_shape[dim] = size - n
        return torch.cat([t, torch.full(pad_shape, fill, dtype=t.dtype, device=t.device)], dim)

    dim = 0 if axis is None else axis
    fixed = [fit(outputs[0], 0 if fill_value is None else fill_value, dim)]
    for i, t in enumerate(outputs[1:], start=1):
        is_inverse = has_inverse and i == 1 + int(has_index)
        fixed.append(t if is_inverse else fit(t, 0))
    return fixed


@symbolic_op
def isin(x1, x2, assume_unique=False, invert=False):
    x1, x2 = tensors(x1, x2)
    return torch.isin(x1, x2, assume_unique=assume_unique, invert=invert)


@symbolic_op
def searchsorted(sorted_sequence, values, side="left"):
    if side not in ("left", "right"):
        raise ValueError(f"`side` must be 'left' or 'right'. Received: side={side!r}")
    sorted_sequence, values = tensors(sorted_sequence, values)
    if sorted_sequence.ndim != 1:
        raise ValueError("`searchsorted` only supports 1-D sorted sequences. Received: "
                         f"sorted_sequence.shape={tuple(sorted_sequence.shape)}")
    return torch.searchsorted(sorted_sequence, values, right=side == "right",
                              out_int32=True)


@symbolic_op
def digitize(x, bins):
    x, bins = tensors(x, bins)
    return torch.bucketize(x, bins, right=True, out_int32=True)


@symbolic_op
def bincount(x, weights=None, minlength=0, sparse=False):
    """Counts (or sums `weights`) per non-negative integer of `x`; a 2-D `x` counts per row."""
    x = tensor(x).long()
    if weights is not None:
        weights = tensor(weights, device=x.device)
    dtype = torch.int32 if weights is None else weights.dtype
    length = builtins.max(int(x.max()) + 1 if x.numel() else 0, int(minlength))
    if x.ndim == 1:
        out = torch.zeros(length, dtype=dtype, device=x.device)
        src = torch.ones_like(x, dtype=dtype) if weights is None else weights.to(dtype)
        return out.index_add_(0, x, src)
    if x.ndim != 2:
        raise ValueError(f"`bincount` supports 1-D and 2-D inputs. Received: ndim={x.ndim}")
    out = torch.zeros((x.shape[0], length), dtype=dtype, device=x.device)
    src = torch.ones_like(x, dtype=dtype) if weights is None else weights.to(dtype)
    return out.scatter_add_(1, x, src)


@symbolic_op
def argpartition(x, kth, axis=-1):
    """Indices that put the `kth` smallest entry in place, smaller ones before it, larger after.

    A full stable sort satisfies this, and is what runs here.
    """
    return torch.argsort(tensor(x), dim=axis, stable=True).to(torch.int32)


@symbolic_op
def kron(x1, x2):
    return torch.kron(*tensors(x1, x2))


@symbolic_op
def inner(x1, x2):
    x1, x2 = tensors(x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return x1 * x2
    return torch.inner(x1, x2)


@symbolic_op
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross products of 2- or 3-vectors along the given axes (as NumPy's `cross`)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = tensors(x1, x2)
    a, b = torch.movedim(a, axisa, -1), torch.movedim(b, axisb, -1)
    if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
        raise ValueError("`cross` needs vectors of 2 or 3 components. Received shapes "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    a = torch.nn.functional.pad(a, (0, 3 - a.shape[-1]))
    b = torch.nn.functional.pad(b, (0, 3 - b.shape[-1]))
    a, b = torch.broadcast_tensors(a, b)
    out = torch.linalg.cross(a, b, dim=-1)
    return torch.movedim(out, -1, axisc)
