"""`KerasTensor`: a symbolic tensor (shape with `None` dims and a dtype), no data."""

import itertools

from cornu.utils.dtypes import dtype_name

_uid = itertools.count()


def reset_uids():
    """Numbers default tensor names from 0 again (used by `clear_session`)."""
    global _uid
    _uid = itertools.count()


class KerasTensor:
    """What `Input()` and layers called on symbolic inputs return.

    Args:
        shape: tuple of ints or None (unknown) dims, batch dim first.
        dtype: dtype name, e.g. "float32".
        name: optional name.
    """

    def __init__(self, shape, dtype="float32", sparse=False, name=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype_name(dtype)
        self.sparse = sparse
        self.name = name or f"keras_tensor_{next(_uid)}"
        self._keras_history = None  # (layer, node_index, tensor_index)
        self._keras_mask_possible = False

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return (f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse={self.sparse}, "
                f"name={self.name}>")

    def __len__(self):
        raise TypeError("A symbolic KerasTensor has no length; use `.shape`.")

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor cannot be used as a Python bool.")

    def __array__(self, *args, **kwargs):
        raise TypeError(
            "A symbolic KerasTensor cannot be converted to a NumPy array: it only describes a "
            "shape. Build a model with it and call the model on data instead.")

    # Operators on symbolic tensors build graph nodes through `cornu.ops`.
    def _op(self, name, *args):
        from cornu import ops
        return getattr(ops, name)(*args)

    def __add__(self, other): return self._op("add", self, other)
    def __radd__(self, other): return self._op("add", other, self)
    def __sub__(self, other): return self._op("subtract", self, other)
    def __rsub__(self, other): return self._op("subtract", other, self)
    def __mul__(self, other): return self._op("multiply", self, other)
    def __rmul__(self, other): return self._op("multiply", other, self)
    def __truediv__(self, other): return self._op("divide", self, other)
    def __rtruediv__(self, other): return self._op("divide", other, self)
    def __matmul__(self, other): return self._op("matmul", self, other)
    def __rmatmul__(self, other): return self._op("matmul", other, self)
    def __pow__(self, other): return self._op("power", self, other)
    def __neg__(self): return self._op("negative", self)
    def __abs__(self): return self._op("absolute", self)
    def __floordiv__(self, other): return self._op("floor_divide", self, other)
    def __rfloordiv__(self, other): return self._op("floor_divide", other, self)
    def __mod__(self, other): return self._op("mod", self, other)
    def __rmod__(self, other): return self._op("mod", other, self)
    def __rpow__(self, other): return self._op("power", other, self)
    def __round__(self, ndigits=None): return self._op("round", self, ndigits or 0)
    def __lt__(self, other): return self._op("less", self, other)
    def __le__(self, other): return self._op("less_equal", self, other)
    def __gt__(self, other): return self._op("greater", self, other)
    def __ge__(self, other): return self._op("greater_equal", self, other)
    def __ne__(self, other): return self._op("not_equal", self, other)
    def __and__(self, other): return self._op("logical_and", self, other)
    def __rand__(self, other): return self._op("logical_and", other, self)
    def __or__(self, other): return self._op("logical_or", self, other)
    def __ror__(self, other): return self._op("logical_or", other, self)
    def __xor__(self, other): return self._op("logical_xor", self, other)
    def __rxor__(self, other): return self._op("logical_xor", other, self)
    def __invert__(self): return self._op("logical_not", self)

    def __iter__(self):
        raise NotImplementedError("Iterating over a symbolic KerasTensor is not supported: "
                                  "index it (`x[:, 0]`) or use `cornu.ops.unstack`.")

    def __int__(self):
        raise ValueError("A symbolic KerasTensor has no value: it cannot be converted to an int.")

    def __float__(self):
        raise ValueError("A symbolic KerasTensor has no value: it cannot be converted to a float.")

    def __getitem__(self, key):
        from cornu import ops
        return ops.get_item(self, key)

    def reshape(self, newshape):
        """`ops.reshape(self, newshape)`, as a graph node."""
        return self._op("reshape", self, newshape)

    def squeeze(self, axis=None):
        """`ops.squeeze(self, axis)`, as a graph node."""
        return self._op("squeeze", self, axis)

    def __hash__(self):
        return id(self)


def is_keras_tensor(x):
    return isinstance(x, KerasTensor)
