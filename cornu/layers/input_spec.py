"""`InputSpec`: what a layer accepts as input (rank, sizes of some axes, dtype).

A layer that sets `self.input_spec` (one spec, or a list with one per input) has every call
checked against it before `build`, on symbolic and real tensors alike, with an error that
names the layer, the input, what was expected and what was received.
"""

from cornu.utils import tree
from cornu.utils.dtypes import dtype_name


class InputSpec:
    """Specifies the rank, dtype and shape of a layer's input.

    Args:
        dtype: expected dtype name, or None for any.
        shape: expected shape tuple; `None` entries match any size.
        ndim: expected rank.
        max_ndim: largest rank accepted.
        min_ndim: smallest rank accepted.
        axes: dict mapping axes (negative ones count from the end) to expected sizes.
        allow_last_axis_squeeze: accept a rank one lower or higher when the missing or extra
            last axis has size 1.
        name: name of the input this spec applies to.
        optional: the input may be None.
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = dtype_name(dtype) if dtype is not None else None
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(self.shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        rank = self.ndim if self.ndim is not None else self.min_ndim
        if self.axes and rank is not None:
            largest = max(self.axes)
            if largest >= rank:
                raise ValueError(f"InputSpec axis {largest} is out of range for inputs of "
                                 f"rank {rank}. Received: axes={self.axes}")

    def __repr__(self):
        parts = [f"{key}={value}" for key, value in
                 (("dtype", self.dtype), ("shape", self.shape), ("ndim", self.ndim),
                  ("max_ndim", self.max_ndim), ("min_ndim", self.min_ndim), ("axes", self.axes))
                 if value]
        return f"InputSpec({', '.join(parts)})"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes,
                "optional": self.optional}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _rank_ok(spec, rank, shape):
    if spec.allow_last_axis_squeeze and shape and (shape[-1] == 1 or rank == spec.ndim - 1):
        return abs(rank - spec.ndim) <= 1
    return rank == spec.ndim


def _check_one(spec, x, index, layer_name):
    prefix = f"Input {index} of layer '{layer_name}' is incompatible with the layer:"
    shape = tuple(x.shape)
    rank = len(shape)
    if spec.ndim is not None and not _rank_ok(spec, rank, shape):
        raise ValueError(f"{prefix} expected ndim={spec.ndim}, found ndim={rank}. "
                         f"Full shape received: {shape}")
    if spec.max_ndim is not None and rank > spec.max_ndim:
        raise ValueError(f"{prefix} expected max_ndim={spec.max_ndim}, found ndim={rank}. "
                         f"Full shape received: {shape}")
    if spec.min_ndim is not None and rank < spec.min_ndim:
        raise ValueError(f"{prefix} expected min_ndim={spec.min_ndim}, found ndim={rank}. "
                         f"Full shape received: {shape}")
    if spec.dtype is not None and dtype_name(x.dtype) != spec.dtype:
        raise ValueError(f"{prefix} expected dtype={spec.dtype}, found "
                         f"dtype={dtype_name(x.dtype)}")
    for axis, size in spec.axes.items():
        found = shape[axis] if -rank <= axis < rank else None
        if size is not None and found not in (size, None):
            raise ValueError(f"{prefix} expected axis {axis} of input shape to have value "
                             f"{size}, but received input with shape {shape}")
    if spec.shape is not None and len(spec.shape) == rank:
        for expected, found in zip(spec.shape, shape):
            if expected is not None and found is not None and expected != found:
                raise ValueError(f"{prefix} expected shape={spec.shape}, found shape={shape}")


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Raises a ValueError naming `layer_name` if `inputs` do not match `input_spec`.

    Args:
        input_spec: an `InputSpec`, or a list of them (one per input).
        inputs: the first argument of the call (a tensor or a structure of tensors).
        layer_name: the layer's name, for the error message.
    """
    specs = tree.flatten(input_spec)
    flat = tree.flatten(inputs)
    if len(flat) != len(specs):
        raise ValueError(f"Layer '{layer_name}' expects {len(specs)} input(s), but it received "
                         f"{len(flat)} input tensor(s).")
    for index, (spec, x) in enumerate(zip(specs, flat)):
        if spec is None or (x is None and spec.optional):
            continue
        if x is None:
            raise ValueError(f"Input {index} of layer '{layer_name}' is None, but its "
                             "InputSpec is not optional.")
        _check_one(spec, x, index, layer_name)
