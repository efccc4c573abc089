"""Keras's dtype names and promotion rules as `keras.backend` exposes them:
`standardize_dtype`, `is_float_dtype`, `is_int_dtype`, `result_type`.

`result_type` follows Keras's JAX-style promotion lattice, including what Keras does on every
backend but TensorFlow: 64-bit results come back as their 32-bit kin (`"float64"` as
`"float32"`), and Python `int` / `float` are weak types that defer to the other dtypes.
cornu's ops promote with `cornu.ops.promotion`, which keeps float64.
"""

import functools

from cornu.backend.config import floatx

ALLOWED_DTYPES = (
    "float16", "float32", "float64", "uint8", "uint16", "uint32", "uint64", "int8", "int16",
    "int32", "int64", "bfloat16", "bool", "string", "float8_e4m3fn", "float8_e5m2",
    "complex64", "complex128",
)
_PYTHON_DTYPES = {bool: "bool", int: "int32", float: "float32", str: "string",
                  "int": "int32", complex: "complex64"}


def standardize_dtype(dtype):
    """Keras's name for `dtype` (a name, Python type, NumPy or torch dtype); `None` gives
    `floatx()`.

    Args:
        dtype: The dtype to standardize.

    Returns:
        A string such as `"float32"` or `"int64"`.
    """
    if dtype is None:
        return floatx()
    try:
        dtype = _PYTHON_DTYPES.get(dtype, dtype)
    except TypeError:  # unhashable
        pass
    if hasattr(dtype, "name"):
        dtype = dtype.name
    elif hasattr(dtype, "__name__"):
        dtype = dtype.__name__
    elif "torch" in str(dtype):
        dtype = str(dtype).split(".")[-1]
    if dtype not in ALLOWED_DTYPES:
        raise ValueError(f"Invalid dtype: {dtype}")
    return dtype


def is_float_dtype(dtype):
    """Whether `dtype` is a floating-point dtype (`float*` or `bfloat16`)."""
    dtype = standardize_dtype(dtype)
    return dtype.startswith("float") or dtype.startswith("bfloat")


def is_int_dtype(dtype):
    """Whether `dtype` is a signed or unsigned integer dtype."""
    dtype = standardize_dtype(dtype)
    return dtype.startswith("int") or dtype.startswith("uint")


# Each dtype and the dtypes immediately above it ("int" and "float" are the weak types of
# Python numbers). The least upper bound of a set of dtypes is the promotion result.
_LATTICE = {
    "bool": ["int"], "uint8": ["int16", "uint16"], "uint16": ["int32", "uint32"],
    "uint32": ["int64", "uint64"], "uint64": ["float"], "int": ["uint8", "int8", "complex64"],
    "int8": ["int16"], "int16": ["int32"], "int32": ["int64"], "int64": ["float"],
    "float": ["bfloat16", "float16"], "bfloat16": ["float32"], "float16": ["float32"],
    "float32": ["float64", "complex64"], "float64": ["complex128"],
    "complex64": ["complex128"], "complex128": [],
}


def _upper_bounds():
    bounds = {}
    for node in _LATTICE:
        seen, todo = {node}, [node]
        while todo:
            for above in _LATTICE[todo.pop()]:
                if above not in seen:
                    seen.add(above)
                    todo.append(above)
        bounds[node] = seen
    return bounds


_UPPER_BOUNDS = _upper_bounds()
_TO_32_BITS = {"int64": "int32", "uint64": "uint32", "float64": "float32",
               "complex128": "complex64"}


@functools.lru_cache(512)
def _least_upper_bound(*nodes):
    nodes = set(nodes)
    for node in nodes:
        if node not in _UPPER_BOUNDS:
            raise ValueError(f"dtype={node!r} is not a valid dtype for Keras type promotion.")
    common = set.intersection(*(_UPPER_BOUNDS[n] for n in nodes))
    least = (common & nodes) or {c for c in common if common <= _UPPER_BOUNDS[c]}
    if len(least) != 1:
        raise ValueError(f"Input dtypes {tuple(sorted(nodes))} have no available implicit dtype "
                         "promotion path. Try explicitly casting inputs to the desired output "
                         "type.")
    return least.pop()


def _weak_kind(dtype):
    if dtype == "bool":
        return dtype
    for kind in ("float", "int", "complex"):
        if kind in dtype:
            return kind
    raise ValueError(f"Invalid value for argument `dtype`. Received: dtype={dtype}")


def result_type(*dtypes):
    """Returns the type from applying the Keras type promotion rules.

    In general, each argument is first parsed by `backend.standardize_dtype`,
    and the resulting dtype is determined by the least upper bound of the type
    promotion lattice.

    Note: This function attempts to match the result of `jnp.result_type`.

    Args:
        dtypes: Input dtypes.

    Returns:
        The result dtype.

    Examples:

    >>> x = keras.ops.ones((1,), dtype="bfloat16")
    >>> keras.backend.result_type(x.dtype, int)
    "bfloat16"

    >>> x = keras.ops.ones((1,), dtype="int32")
    >>> y = keras.ops.ones((1,), dtype="float32")
    >>> keras.backend.result_type(x.dtype, y.dtype)
    "float32"
    """
    if not dtypes:
        return floatx()
    args = [floatx() if d is None else d for d in dtypes]
    names = [standardize_dtype(d) for d in args]
    weak = [d is int or d is float for d in args]
    if any(n.startswith("float8") for n in names):
        raise ValueError("There is no implicit conversions from float8 dtypes to others. "
                         f"You must cast it internally. Received: {tuple(names)}")
    if len(names) == 1:
        out, out_weak = names[0], weak[0]
    elif len(set(names)) == 1 and not all(weak):
        out, out_weak = names[0], False
    elif all(weak):
        out, out_weak = _least_upper_bound(*names), True
    else:
        out = _least_upper_bound(*(_weak_kind(n) if w else n for n, w in zip(names, weak)))
        out_weak = out in ("int", "float")
    if out != "bool" and out_weak:
        precision = floatx()[-2:]
        kind = "f" if out == "bfloat16" else out[:1]
        out = {"i": f"int{precision}", "u": f"uint{precision}"}.get(kind, f"float{precision}")
    return _TO_32_BITS.get(out, out)
