"""`ReLU`: rectified linear unit with optional cap, slope and threshold."""

from cornu import activations
from cornu.layers.layer import Layer


class ReLU(Layer):
    """`max_value` if `x >= max_value`, `x` if `threshold <= x < max_value`, else
    `negative_slope * (x - threshold)`.

    Args:
        max_value: non-negative cap, or None for no cap.
        negative_slope: non-negative slope below the threshold.
        threshold: non-negative threshold value.
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        for arg, value, optional in (("max_value", max_value, True),
                                     ("negative_slope", negative_slope, False),
                                     ("threshold", threshold, False)):
            if (value is None and not optional) or (value is not None and value < 0):
                raise ValueError(f"ReLU '{self.name}': `{arg}` must be a non-negative float"
                                 f"{' or None' if optional else ''}. Received: {arg}={value!r}")
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config
