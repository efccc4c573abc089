"""`Variable`: a layer's weight. A `torch.nn.Parameter` with Keras's surface on top.

Being a Parameter, it is registered by `nn.Module`, seen by `parameters()`, `state_dict()`,
`.to()`, DDP and `torch.compile`, and in `call` it is used as a plain tensor: results of ops
on it are ordinary tensors and no Python-level dispatch runs on the hot path.
"""

import numpy as np
import torch

from cornu.utils.dtypes import dtype_name, numpy_to_tensor, tensor_to_numpy, to_torch_dtype


class Variable(torch.nn.Parameter):
    """A weight with Keras's `name`, `path`, `trainable`, `numpy()` and `assign()`.

    Args:
        initializer: the initial value (an array, tensor or number), or an initializer
            (name, instance or callable taking `shape` and `dtype`) with `shape`.
        shape: the shape, needed with an initializer.
        dtype: the dtype; defaults to the value's (Python numbers: floatx / int32) or, with
            an initializer, to floatx.
        trainable: whether the optimizer updates it.
        autocast: whether mixed-precision layers cast it to their compute dtype.
        aggregation: Keras's distributed aggregation mode, kept for compatibility:
            "none", "mean", "sum" or "only_first_replica".
        synchronization: Keras's synchronization mode, kept for compatibility: "none",
            "on_read", "on_write" or "auto".
        name: the short name (e.g. "kernel"); no "/".
        path: the full name (e.g. "dense/kernel"); defaults to `name` under the open
            `name_scope`s.
    """

    def __new__(cls, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                aggregation="none", synchronization="auto", name=None, path=None, **kwargs):
        _check_choice("aggregation", aggregation, _AGGREGATIONS)
        _check_choice("synchronization", synchronization, _SYNCHRONIZATIONS)
        if name is None:
            from cornu.utils.naming import auto_name
            name = auto_name("variable")
        if not isinstance(name, str) or "/" in name:
            raise ValueError("Argument `name` must be a string and cannot contain character "
                             f"`/`. Received: name={name}")
        data = _initial_value(initializer, shape, dtype)
        var = torch.Tensor._make_subclass(cls, data, bool(trainable) and data.is_floating_point())
        var._keras_name = name
        var._keras_path = path or _scoped(name)
        var._trainable = bool(trainable)
        var.regularizer = None
        var.constraint = None
        var.autocast = bool(autocast)
        var.aggregation = aggregation or "none"
        var.synchronization = synchronization or "none"
        var.overwrite_with_gradient = False
        return var

    def __init__(self, *args, **kwargs):  # state is set in __new__
        pass

    @property
    def name(self):
        return self._keras_name

    @property
    def path(self):
        return self._keras_path

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        from cornu.layers.layer import Layer
        self._trainable = bool(value)
        self.requires_grad_(self._trainable and self.is_floating_point())
        Layer._trainable_version += 1

    @property
    def value(self):
        """The underlying torch parameter (this object), as Keras's torch backend gives.

        Its `.grad` holds the gradient after `loss.backward()`, which custom `train_step`s
        written for Keras on PyTorch read (`[v.value.grad for v in trainable_weights]`).
        """
        return self

    def numpy(self):
        """Returns a copy of the value as a NumPy array."""
        return tensor_to_numpy(self).copy()

    def assign(self, value):
        """Overwrites the value in place; the shape must match."""
        value = value if isinstance(value, torch.Tensor) else numpy_to_tensor(value)
        if tuple(value.shape) != tuple(self.shape):
            raise ValueError(
                f"Cannot assign a value of shape {tuple(value.shape)} to variable '{self.path}' "
                f"of shape {tuple(self.shape)}.")
        with torch.no_grad():
            self.copy_(value)
        return self

    def assign_add(self, value):
        with torch.no_grad():
            self.add_(torch.as_tensor(value, dtype=self.dtype, device=self.device))
        return self

    def assign_sub(self, value):
        with torch.no_grad():
            self.sub_(torch.as_tensor(value, dtype=self.dtype, device=self.device))
        return self

    @property
    def dtype_name(self):
        return dtype_name(self.dtype)

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={tuple(self.shape)}, "
                f"dtype={dtype_name(self.dtype)}, value={self.numpy()}>")

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = Variable(self.detach().clone(), trainable=self._trainable,
                          name=self._keras_name, path=self._keras_path)
        for attr in ("regularizer", "constraint", "autocast", "aggregation", "synchronization",
                     "overwrite_with_gradient"):
            setattr(result, attr, getattr(self, attr))
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, proto):
        # Pickles (torch.save, multiprocessing) as a plain Parameter-like rebuild.
        return (_rebuild_variable, (self.detach().cpu().clone(), self._trainable,
                                    self._keras_name, self._keras_path))


def _scoped(name):
    """`name` under the open `keras.name_scope`s, as Keras names a standalone variable."""
    from cornu.backend.name_scope import current_path
    scope = current_path()
    return f"{scope}/{name}" if scope else name


def _rebuild_variable(data, trainable, name, path):
    return Variable(data, trainable=trainable, name=name, path=path)


_AGGREGATIONS = (None, "none", "mean", "sum", "only_first_replica")
_SYNCHRONIZATIONS = (None, "none", "on_read", "on_write", "auto")


def _check_choice(argument, value, choices):
    if value not in choices:
        listed = ", ".join(f"`{c!r}`" if c is not None else "`None`" for c in choices)
        raise ValueError(f"Invalid value for argument `{argument}`. Expected one of {listed}. "
                         f"Received: {argument}={value}")


def _initial_value(initializer, shape, dtype):
    """The initial tensor of a Variable, with Keras's dtype rules."""
    torch_dtype = to_torch_dtype(dtype) if dtype is not None else None
    if isinstance(initializer, str) or (callable(initializer)
                                        and not isinstance(initializer, torch.Tensor)):
        if shape is None:
            raise ValueError(
                "When creating a Variable from an initializer, the `shape` argument should be "
                f"specified. Received: initializer={initializer} and shape={shape}")
        from cornu import initializers
        from cornu.backend.config import floatx
        torch_dtype = torch_dtype or to_torch_dtype(floatx())
        value = initializers.get(initializer)(tuple(shape), dtype=torch_dtype)
        return torch.as_tensor(value, dtype=torch_dtype)
    if isinstance(initializer, (torch.Tensor, np.ndarray, np.generic)):
        value = torch.as_tensor(initializer)
    else:  # Python numbers and lists: floats to floatx, ints to int32, as Keras
        from cornu.backend.config import floatx
        value = torch.as_tensor(initializer)
        value = value.to(to_torch_dtype(floatx()) if value.is_floating_point() else
                         torch.int32 if value.dtype == torch.int64 else value.dtype)
    if torch_dtype is not None:
        value = value.to(torch_dtype)
    if shape is not None and tuple(value.shape) != tuple(shape):
        raise ValueError(f"The initial value has shape {tuple(value.shape)}, but "
                         f"shape={tuple(shape)} was given.")
    return value


def make_variable(initializer, shape, dtype, trainable, name, path, device=None):
    """Creates a Variable from an initializer callable (or a value)."""
    dtype = to_torch_dtype(dtype)
    if callable(initializer):
        value = initializer(tuple(shape), dtype=dtype)
    else:
        value = torch.as_tensor(np.asarray(initializer), dtype=dtype)
    value = torch.as_tensor(value, dtype=dtype)
    if tuple(value.shape) != tuple(shape):
        raise ValueError(f"Initial value for '{path}' has shape {tuple(value.shape)}, expected {tuple(shape)}.")
    if device is not None:
        value = value.to(device)
    return Variable(value, trainable=trainable, name=name, path=path)
