"""`Rescaling`: multiplies inputs by `scale` and adds `offset`."""

import numpy as np
import torch

from cornu.backend.config import image_data_format
from cornu.layers.layer import Layer


def _serialize_value(value):
    """Keras's encoding of a constant: NumPy arrays as `__numpy__`, tensors as lists."""
    if isinstance(value, np.ndarray):
        return {"class_name": "__numpy__",
                "config": {"value": value.tolist(), "dtype": value.dtype.name}}
    if isinstance(value, torch.Tensor):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _deserialize_value(value):
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        return np.array(value["config"]["value"], dtype=value["config"].get("dtype"))
    return value


def _check_number(layer, name, value):
    try:
        array = np.asarray(value.detach().cpu() if isinstance(value, torch.Tensor) else value,
                           dtype="float64")
    except (TypeError, ValueError):
        raise ValueError(f"{layer}: `{name}` must be a number or a list/array of numbers. "
                         f"Received: {name}={value!r}") from None
    return array


class Rescaling(Layer):
    """Multiplies every input value by `scale` and adds `offset`.

    Integer inputs become floats of the layer's compute dtype. A list or array `scale` /
    `offset` broadcasts over the last axis (over the channel axis, the third from the end,
    when the image data format is "channels_first").

    Args:
        scale: a float, or a list/array of floats, the factor to apply to the inputs.
        offset: a float, or a list/array of floats, the offset to add after scaling.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        _check_number(f"Rescaling '{self.name}'", "scale", scale)
        _check_number(f"Rescaling '{self.name}'", "offset", offset)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True

    def _constant(self, value, like):
        if isinstance(value, torch.Tensor):
            t = value.to(device=like.device, dtype=like.dtype)
        else:
            t = torch.as_tensor(np.asarray(value), dtype=like.dtype, device=like.device)
        if t.dim() > 0 and image_data_format() == "channels_first":
            t = t.reshape(tuple(t.shape) + (1,) * (3 - t.dim()))
        return t

    def call(self, inputs):
        x = inputs.to(self._compute_torch_dtype)
        return x * self._constant(self.scale, x) + self._constant(self.offset, x)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"scale": _serialize_value(self.scale),
                       "offset": _serialize_value(self.offset)})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["scale"] = _deserialize_value(config["scale"])
        config["offset"] = _deserialize_value(config.get("offset", 0.0))
        return super().from_config(config)
