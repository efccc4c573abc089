"""Conversions between Keras's dtype names and torch dtypes."""

import numpy as np
import torch

_BY_NAME = {
    "float16": torch.float16, "half": torch.float16, "bfloat16": torch.bfloat16,
    "float32": torch.float32, "float": torch.float32, "float64": torch.float64,
    "double": torch.float64, "int8": torch.int8, "int16": torch.int16, "int32": torch.int32,
    "int64": torch.int64, "uint8": torch.uint8, "bool": torch.bool,
    "uint16": torch.uint16, "uint32": torch.uint32, "uint64": torch.uint64,
    "complex64": torch.complex64, "complex128": torch.complex128,
}
_NAMES = {v: k for k, v in _BY_NAME.items() if k not in ("half", "float", "double")}


# Dtypes NumPy lacks, as ml_dtypes spells them, with a same-width integer to reinterpret by.
_ML_DTYPES = {torch.bfloat16: ("bfloat16", torch.int16),
              torch.float8_e4m3fn: ("float8_e4m3fn", torch.uint8),
              torch.float8_e5m2: ("float8_e5m2", torch.uint8)}
_FROM_ML_DTYPES = {name: (dtype, bits) for dtype, (name, bits) in _ML_DTYPES.items()}


def tensor_to_numpy(x):
    """A tensor as a NumPy array (detached, on the CPU); bfloat16 and float8 become
    `ml_dtypes` arrays, as Keras returns them."""
    x = x.detach().cpu()
    if x.dtype in _ML_DTYPES:
        import ml_dtypes
        name, bits = _ML_DTYPES[x.dtype]
        return x.contiguous().view(bits).numpy().view(getattr(ml_dtypes, name))
    return x.numpy()


def numpy_to_tensor(array):
    """A tensor from a NumPy array (or anything NumPy takes), `ml_dtypes` bfloat16 and
    float8 included; a tensor is returned as it is."""
    if isinstance(array, torch.Tensor):
        return array
    array = np.asarray(array)
    if array.dtype.name in _FROM_ML_DTYPES:
        dtype, bits = _FROM_ML_DTYPES[array.dtype.name]
        raw = np.ascontiguousarray(array).view(np.int16 if bits == torch.int16 else np.uint8)
        return torch.from_numpy(raw.copy()).view(dtype)
    return torch.as_tensor(array)


def to_torch_dtype(dtype):
    """Returns the torch dtype for a name, numpy dtype or torch dtype."""
    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    if hasattr(dtype, "name") and not isinstance(dtype, str):  # numpy dtype / policy
        dtype = dtype.name
    if isinstance(dtype, type) and issubclass(dtype, np.generic):
        dtype = np.dtype(dtype).name
    try:
        return _BY_NAME[str(dtype)]
    except KeyError:
        raise ValueError(f"Unknown dtype: {dtype!r}. Expected one of {sorted(_BY_NAME)}.") from None


def data_torch_dtype(dtype):
    """The torch dtype data for an input of `dtype` is converted to, or None for inputs that
    are not tensors (strings)."""
    try:
        return to_torch_dtype(dtype)
    except ValueError:
        return None


def dtype_name(dtype):
    """Returns Keras's name (e.g. `"float32"`) for any dtype spelling."""
    if dtype is None:
        return None
    if is_string(dtype):
        return "string"
    return _NAMES[to_torch_dtype(dtype)]


def is_string(dtype):
    """Whether `dtype` is Keras's "string" (text data, kept as NumPy arrays)."""
    if isinstance(dtype, str):
        return dtype == "string"
    if dtype in (str, bytes, object):
        return True
    return isinstance(dtype, np.dtype) and dtype.kind in "USO"


def is_float(dtype):
    return to_torch_dtype(dtype).is_floating_point
