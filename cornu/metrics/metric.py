"""The `Metric` base class: state held in torch tensors that follow the inputs' device."""

import functools

import torch

from cornu.backend.config import device as default_device
from cornu.backend.config import floatx
from cornu.backend.variable import Variable
from cornu.utils.dtypes import dtype_name, to_torch_dtype
from cornu.utils.naming import auto_name


def _first_tensor_device(args, kwargs):
    for x in args:
        if isinstance(x, torch.Tensor):
            return x.device
    for x in kwargs.values():
        if isinstance(x, torch.Tensor):
            return x.device
    return None


def _in_symbolic_layer_call():
    from cornu.layers.layer import current_device
    device = current_device()
    return device is not None and torch.device(device).type == "meta"


def _follow_inputs(update_state):
    """Wraps `update_state`: moves the state to the inputs' device and disables autograd.

    An update inside a layer's symbolic call (shape inference on meta tensors) leaves
    the state alone, as Keras's symbolic calls do.
    """

    @functools.wraps(update_state)
    def wrapper(self, *args, **kwargs):
        dev = _first_tensor_device(args, kwargs)
        if dev is not None and dev.type == "meta" and _in_symbolic_layer_call():
            return None
        if dev is not None and dev != self._device:
            self._move_to(dev)
        with torch.no_grad():
            return update_state(self, *args, **kwargs)

    wrapper._follows_inputs = True
    return wrapper


def _make_initial_value(initializer, shape, dtype):
    if isinstance(initializer, str) and initializer in ("zeros", "Zeros"):
        return torch.zeros(shape, dtype=dtype)
    if isinstance(initializer, str) and initializer in ("ones", "Ones"):
        return torch.ones(shape, dtype=dtype)
    if not callable(initializer):
        from cornu import initializers

        initializer = initializers.get(initializer)
    return torch.as_tensor(initializer(shape, dtype=dtype), dtype=dtype)


class Metric:
    """Base class of metrics: stateful accumulators of a quantity over batches.

    Subclasses create state with `add_variable` in `__init__` (or lazily), and implement
    `update_state(...)`, `result()` and, when needed, `reset_state()`.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's computations; defaults to `floatx()`.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        method = cls.__dict__.get("update_state")
        if method is not None and not getattr(method, "_follows_inputs", False):
            cls.update_state = _follow_inputs(method)

    def __init__(self, dtype=None, name=None):
        self.name = name or auto_name(self.__class__.__name__)
        dtype = getattr(dtype, "compute_dtype", dtype)  # accept a dtype policy
        self._dtype = dtype_name(dtype or floatx())
        self._variables = []
        self._metrics = []
        self._device = default_device()

    @property
    def dtype(self):
        return self._dtype

    @property
    def variables(self):
        """The state tensors, in creation order (then those of nested metrics)."""
        out = list(self._variables)
        for m in self._metrics:
            out.extend(m.variables)
        return out

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="sum", name=None):
        """Creates a state tensor on the metric's device and returns it.

        Args:
            shape: the tensor's shape.
            initializer: "zeros", "ones", an initializer or a callable `(shape, dtype)`.
            dtype: its dtype; defaults to the metric's dtype.
            aggregation: kept for Keras compatibility (state is always summed).
            name: the variable's name.
        """
        if not hasattr(self, "_variables"):
            raise RuntimeError("You forgot to call `super().__init__()` in the `__init__()` "
                               f"method of {self.__class__.__name__}.")
        torch_dtype = to_torch_dtype(dtype or self._dtype)
        shape = tuple(int(s) for s in shape)
        name = name or f"variable_{len(self._variables)}"
        value = _make_initial_value(initializer, shape, torch_dtype).to(self._device)
        var = Variable(value, trainable=False, name=name, path=f"{self.name}/{name}")
        var._initializer = initializer
        self._variables.append(var)
        return var

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Alias of `add_variable`."""
        return self.add_variable(shape, initializer or "zeros", dtype=dtype, name=name)

    def __setattr__(self, name, value):
        if isinstance(value, Metric) and name != "_metrics" and hasattr(self, "_metrics"):
            if value not in self._metrics:
                self._metrics.append(value)
        super().__setattr__(name, value)

    def _move_to(self, device):
        for i, var in enumerate(self._variables):
            moved = var.data.to(device)
            try:
                var.data = moved  # in place: references held elsewhere stay valid
            except RuntimeError:  # a device change some tensors refuse in place
                new = Variable(moved, trainable=False, name=var.name, path=var.path)
                new._initializer = var._initializer
                self._variables[i] = new
                for key, value in list(self.__dict__.items()):
                    if value is var:
                        object.__setattr__(self, key, new)
        for m in self._metrics:
            m._move_to(device)
        self._device = device

    def update_state(self, *args, **kwargs):
        """Accumulates statistics for one batch."""
        raise NotImplementedError

    def result(self):
        """Returns the metric's value (a tensor, or a dict of tensors) from the state."""
        raise NotImplementedError

    def reset_state(self):
        """Sets every state tensor back to its initial value, on the current device."""
        with torch.no_grad():
            for var in self._variables:
                init = var._initializer
                if isinstance(init, str) and init in ("zeros", "Zeros"):
                    var.zero_()
                else:
                    var.copy_(_make_initial_value(init, tuple(var.shape), var.dtype))
        for m in self._metrics:
            m.reset_state()

    def reset_states(self):
        """Keras 2 spelling of `reset_state`."""
        self.reset_state()

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{self.__class__.__name__} name={self.name}>"
