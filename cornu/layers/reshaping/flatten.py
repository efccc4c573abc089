"""`Flatten`: collapses every dim but the batch dim."""

import math

from cornu.backend.config import standardize_data_format
from cornu.layers.layer import Layer


class Flatten(Layer):
    """Flattens the input, keeping the batch dim: `(N, a, b)` -> `(N, a*b)`.

    Args:
        data_format: "channels_last" or "channels_first"; with channels_first the channels
            are moved last first, so the order matches a channels_last model.
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.built = True

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.dim() > 2:
            inputs = inputs.movedim(1, -1)
        return inputs.reshape(inputs.shape[0], -1)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
