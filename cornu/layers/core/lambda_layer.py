"""`Lambda`: wraps a Python function as a layer."""

import inspect
import types

from cornu.backend import symbolic
from cornu.layers.layer import Layer
from cornu.saving import lambda_code
from cornu.saving.safe_mode import in_safe_mode
from cornu.saving.serialization_lib import deserialize_keras_object, serialize_keras_object


class Lambda(Layer):
    """Calls `function(inputs, **arguments)`; the function may also take `mask` and `training`.

    A named function is saved by name (it must be registered, or given in `custom_objects`, to
    load); a Python `lambda` is saved as bytecode, which loads only with safe mode off.

    Args:
        function: the function to call on the inputs.
        output_shape: the output shape without the batch dim, or a function of the input
            shape; inferred by a shape-only run when omitted.
        mask: a mask for the output, or a function `(inputs, mask) -> mask`.
        arguments: dict of extra keyword arguments for `function`.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(f"Lambda '{self.name}': `function` must be callable. "
                             f"Received: function={function!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        self._output_shape = output_shape
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            params = {}
        self._wants_mask = "mask" in params
        self._wants_training = "training" in params
        self.built = True

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._wants_mask:
            kwargs["mask"] = mask
        if self._wants_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        batch = _first_dim(input_shape)
        if _is_shape(self._output_shape):
            return (batch,) + tuple(self._output_shape)
        return [(batch,) + tuple(s) for s in self._output_shape]

    def compute_output_spec(self, *args, **kwargs):
        if self._output_shape is None:  # a shape-only run keeps the function's output dtypes
            return symbolic.infer_output_spec(self._call_for_inference, args, kwargs)
        return super().compute_output_spec(*args, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["function"] = _serialize_function(self.function)
        if self._output_shape is not None:
            config["output_shape"] = (_serialize_function(self._output_shape)
                                      if callable(self._output_shape)
                                      else _to_lists(self._output_shape))
        if self.mask is not None:
            config["mask"] = (_serialize_function(self.mask) if callable(self.mask)
                              else serialize_keras_object(self.mask))
        config["arguments"] = serialize_keras_object(self.arguments)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["function"] = _deserialize_function(config["function"])
        if isinstance(config.get("output_shape"), dict):
            config["output_shape"] = _deserialize_function(config["output_shape"])
        elif isinstance(config.get("output_shape"), list) and _is_shape(config["output_shape"]):
            config["output_shape"] = tuple(config["output_shape"])
        if isinstance(config.get("mask"), dict):
            config["mask"] = _deserialize_function(config["mask"])
        if config.get("arguments"):
            config["arguments"] = {
                k: deserialize_keras_object(v) if isinstance(v, dict) and "class_name" in v else v
                for k, v in config["arguments"].items()}
        return super().from_config(config)


def _first_dim(shape):
    while isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        shape = shape[0]
    return shape[0] if shape else None


def _is_shape(x):
    return isinstance(x, (list, tuple)) and all(d is None or isinstance(d, int) for d in x)


def _to_lists(shape):
    if isinstance(shape, (list, tuple)):
        return [_to_lists(s) for s in shape]
    return shape


def _serialize_function(fn):
    """A named function by name; a Python lambda as base64 marshal bytecode (Keras's format)."""
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        code, defaults, closure = lambda_code.dump(fn)
        if closure is not None:
            closure = [serialize_keras_object(v) for v in closure]
        return {"class_name": "__lambda__",
                "config": {"code": code, "defaults": defaults, "closure": closure}}
    return serialize_keras_object(fn)


def _deserialize_function(config):
    if isinstance(config, dict) and config.get("class_name") == "__lambda__":
        if in_safe_mode():
            raise ValueError(
                "Refusing to load a `Lambda` layer whose function is a Python lambda stored as "
                "bytecode: loading it would run arbitrary code. If you trust the source, load "
                "with `safe_mode=False` (or inside `safe_mode_scope(False)`).")
        inner = config["config"]
        return lambda_code.load((inner["code"], inner.get("defaults"), inner.get("closure")))
    return deserialize_keras_object(config)
