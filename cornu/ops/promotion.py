"""Keras's dtype promotion for op results, in torch dtypes.

Keras promotes like JAX: bool < integers < floats, an integer meets a float at that float
(int64 + float32 is float32), float16 meets bfloat16 at float32, a signed and an unsigned
integer meet at the next signed size. Python numbers are weak: they take the tensor's dtype
(a Python float next to an integer tensor gives `floatx()`).
"""

import numpy as np
import torch

from cornu.backend.config import floatx
from cornu.utils.dtypes import to_torch_dtype

_SIGNED = {torch.int8: 8, torch.int16: 16, torch.int32: 32, torch.int64: 64}
_UNSIGNED = {torch.uint8: 8, torch.uint16: 16, torch.uint32: 32, torch.uint64: 64}
_SIGNED_BY_BITS = {v: k for k, v in _SIGNED.items()}


def _promote(a, b):
    if a == b:
        return a
    if a == torch.bool:
        return b
    if b == torch.bool:
        return a
    if a.is_complex or b.is_complex:
        return torch.promote_types(a, b)
    if a.is_floating_point and b.is_floating_point:
        if {a, b} == {torch.float16, torch.bfloat16}:
            return torch.float32
        return a if torch.finfo(a).bits >= torch.finfo(b).bits else b
    if a.is_floating_point:
        return a
    if b.is_floating_point:
        return b
    if (a in _SIGNED) == (b in _SIGNED):  # both signed or both unsigned: the wider
        return torch.promote_types(a, b)
    signed, unsigned = (a, b) if a in _SIGNED else (b, a)
    bits = max(_SIGNED[signed], min(2 * _UNSIGNED[unsigned], 64))
    return _SIGNED_BY_BITS[bits]


def dtype_of(x):
    """`(torch dtype, weak)` of a tensor, array, dtype or Python number."""
    if isinstance(x, torch.Tensor):
        return x.dtype, False
    if isinstance(x, bool):
        return torch.bool, True
    if isinstance(x, int):
        return torch.int32, True
    if isinstance(x, float):
        return to_torch_dtype(floatx()), True
    if isinstance(x, (np.ndarray, np.generic)):
        return to_torch_dtype(x.dtype), False
    dtype = getattr(x, "dtype", None)  # KerasTensor
    if dtype is not None:
        return to_torch_dtype(dtype), False
    if isinstance(x, (list, tuple)):
        return tensor(x).dtype, False
    return to_torch_dtype(x), False


def result_type(*values):
    """The torch dtype Keras gives an op on `values` (tensors, arrays, numbers, dtypes)."""
    strong, weak = None, None
    for v in values:
        if v is None:
            continue
        dtype, is_weak = dtype_of(v)
        if is_weak:
            weak = dtype if weak is None else _promote(weak, dtype)
        else:
            strong = dtype if strong is None else _promote(strong, dtype)
    if strong is None:
        if weak is None:
            return to_torch_dtype(floatx())
        if weak == torch.float64:
            return to_torch_dtype(floatx())
        return weak
    if weak is None:
        return strong
    if weak.is_floating_point and not (strong.is_floating_point or strong.is_complex):
        return to_torch_dtype(floatx())
    if weak.is_complex and not strong.is_complex:
        return torch.complex64
    if weak != torch.bool and strong == torch.bool:
        return weak
    return strong


def float_type(*values):
    """`result_type` raised to a float (integers and bools give `floatx()`)."""
    dtype = result_type(*values)
    if dtype.is_floating_point or dtype.is_complex:
        return dtype
    return to_torch_dtype(floatx())


def tensor(x, dtype=None, device=None):
    """`x` as a torch tensor (Python ints become int32, floats `floatx()`), optionally cast."""
    if not isinstance(x, torch.Tensor):
        if isinstance(x, (bool, int, float)) or (isinstance(x, (list, tuple))
                                                 and not any(isinstance(v, torch.Tensor)
                                                             for v in _flat(x))):
            src = np.asarray(x)
            if src.dtype == np.int64:
                src = src.astype(np.int32) if np.all(np.abs(src) < 2**31) else src
            elif src.dtype == np.float64:
                src = src.astype(floatx())
            x = torch.as_tensor(src)
        elif isinstance(x, (list, tuple)):
            x = torch.stack([tensor(v) for v in x])
        else:
            x = torch.as_tensor(np.asarray(x))
    if dtype is not None or device is not None:
        x = x.to(device=device, dtype=to_torch_dtype(dtype))
    return x


def _flat(x):
    for v in x:
        if isinstance(v, (list, tuple)):
            yield from _flat(v)
        else:
            yield v


def tensors(*values):
    """The values as tensors of their `result_type`, on the first tensor's device."""
    dtype = result_type(*values)
    device = next((v.device for v in values if isinstance(v, torch.Tensor)), None)
    return [tensor(v, dtype, device) for v in values]
