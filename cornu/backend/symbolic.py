"""Output-shape inference: run a function on `meta` tensors instead of data.

Unknown (None) dims are tried at two sizes; a dim of the output that differs between the
two runs is unknown (None) in the result. Meta tensors carry shapes and dtypes only, so this
costs no compute and no memory, whatever the model's size.
"""

import torch

from cornu.backend.keras_tensor import KerasTensor
from cornu.utils import tree
from cornu.utils.dtypes import dtype_name, to_torch_dtype

_PROBE_SIZES = (83, 89)


def any_symbolic(structure):
    """True if a KerasTensor appears anywhere in a nested structure."""
    if isinstance(structure, KerasTensor):
        return True
    if isinstance(structure, (list, tuple)):
        return any(any_symbolic(s) for s in structure)
    if isinstance(structure, dict):
        return any(any_symbolic(s) for s in structure.values())
    return False


def to_meta(structure, size=_PROBE_SIZES[0], device="meta"):
    """Replaces each KerasTensor by an empty tensor on `device` (None dims become `size`)."""
    def convert(x):
        if isinstance(x, KerasTensor):
            shape = tuple(size if d is None else d for d in x.shape)
            return torch.empty(shape, dtype=to_torch_dtype(x.dtype), device=device)
        return x
    return tree.map_structure(convert, structure)


def shapes_to_keras_tensors(shapes, dtype):
    """KerasTensors for a shape or a nested structure of shapes."""
    if _is_shape(shapes):
        return KerasTensor(shapes, dtype)
    if isinstance(shapes, (list, tuple)):
        return [shapes_to_keras_tensors(s, dtype) for s in shapes]
    if isinstance(shapes, dict):
        return {k: shapes_to_keras_tensors(v, dtype) for k, v in shapes.items()}
    raise ValueError(f"`compute_output_shape` returned {shapes!r}, which is not a shape.")


def _is_shape(x):
    return isinstance(x, (tuple, list, torch.Size)) and all(
        d is None or isinstance(d, int) for d in x)


def infer_output_spec(fn, args, kwargs):
    """Runs `fn(*args, **kwargs)` with KerasTensors replaced by meta tensors; returns KerasTensors."""
    has_unknown = any(None in x.shape for x in tree.flatten((args, kwargs)) if isinstance(x, KerasTensor))
    sizes = _PROBE_SIZES if has_unknown else _PROBE_SIZES[:1]
    results = []
    for size in sizes:
        results.append(_run(fn, args, kwargs, size))
    first = tree.flatten(results[0])
    others = [tree.flatten(r) for r in results[1:]]

    def merge(i, t):
        if not isinstance(t, torch.Tensor):
            return t
        shape = list(t.shape)
        for other in others:
            o = other[i]
            if len(o.shape) != len(shape):
                raise ValueError("The output rank depends on the input size; cannot infer a shape.")
            shape = [a if a == b else None for a, b in zip(shape, o.shape)]
        return KerasTensor(tuple(shape), dtype_name(t.dtype))

    merged = [merge(i, t) for i, t in enumerate(first)]
    return tree.pack_as(results[0], merged)


def _run(fn, args, kwargs, size):
    meta_args, meta_kwargs = to_meta((args, kwargs), size)
    try:
        with torch.no_grad():
            return fn(*meta_args, **meta_kwargs)
    except (NotImplementedError, RuntimeError) as e:
        if isinstance(e, RuntimeError) and "meta" not in str(e):
            raise
        # Data-dependent ops (`.item()`, ...) and ops mixing meta tensors with weights
        # (`x + self.b`) have no meta path: use small real tensors, where the weights are.
        real_args, real_kwargs = to_meta((args, kwargs), size % 5 + 2, device=_weights_device(fn))
        with torch.no_grad():
            return fn(*tree.map_structure(_zeros_like, list(real_args)),
                      **tree.map_structure(_zeros_like, real_kwargs))


def _weights_device(fn):
    """The device of the weights of the layer whose method `fn` is (else the default one)."""
    module = getattr(fn, "__self__", None)
    if isinstance(module, torch.nn.Module):
        for param in module.parameters():
            if param.device.type != "meta":
                return param.device
    from cornu.backend.config import device
    return device()


def _zeros_like(x):
    return torch.zeros_like(x) if isinstance(x, torch.Tensor) else x
