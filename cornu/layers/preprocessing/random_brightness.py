"""`RandomBrightness`: shifts each image's brightness by a random amount while training."""

import torch

from cornu.layers.preprocessing import image_utils
from cornu.layers.preprocessing.base_augmentation import (
    BaseRandomImageLayer, base_factor, check_value_range)


class RandomBrightness(BaseRandomImageLayer):
    """Adds a random brightness offset to each image while training.

    Each image gets `delta * (high - low)` added to every value, with `delta` drawn in
    the `factor` range and `(low, high) = value_range`; the result is clipped to
    `value_range`. Integer images stay integer (the offset is truncated toward zero, as
    Keras casts it, and the sum is clipped instead of overflowing); float images come out
    in the layer's compute dtype. At inference images pass through unchanged.

    Args:
        factor: a number `f` in `[-1, 1]` (offsets in `[-|f|, |f|]` of the value range) or
            a pair `(low, high)` (sorted). -1 turns an image black, 1 white.
        value_range: `(low, high)`, the range of the input values; default `(0, 255)`.
        seed: optional int for a reproducible sequence of offsets.
        **kwargs: base layer keyword arguments, such as `name`, `dtype` and `data_format`.
    """

    _PIXEL_VALUES_ONLY = True

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = base_factor(self._label, factor, (-1, 1))
        check_value_range(self._label, value_range)
        self.value_range = sorted(value_range)

    def transform_images(self, inputs, transformation=None, training=True):
        if not training:
            return inputs
        low, high = self.value_range
        shape = (inputs.shape[0], 1, 1, 1) if inputs.dim() == 4 else (1, 1, 1)
        delta = self._uniform(shape, self.factor[0], self.factor[1], inputs.device)
        delta = delta * (high - low)
        if inputs.is_floating_point():
            return (inputs + delta.to(inputs.dtype)).clamp(low, high)
        out = inputs.to(torch.float64) + torch.trunc(delta).to(torch.float64)
        return image_utils.saturate_cast(out.clamp(low, high), inputs.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config
