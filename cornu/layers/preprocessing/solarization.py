"""`Solarization`: inverts the pixels above a random threshold while training."""

import torch

from cornu.layers.preprocessing.base_augmentation import BaseRandomImageLayer, is_number


def _range_factor(label, arg, factor):
    """`(lower, upper)` from a number `f` (the range `(0, f)`) or a pair, all in [0, 1]."""
    message = (f"{label}: `{arg}` must be a number or a list/tuple of two numbers, in the "
               f"range [0, 1]. Received: {arg}={factor!r}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or not all(is_number(f) and 0 <= f <= 1 for f in factor):
            raise ValueError(message)
        return tuple(sorted(factor))
    if not is_number(factor) or not 0 <= factor <= 1:
        raise ValueError(message)
    return (0, factor)


class Solarization(BaseRandomImageLayer):
    """Adds a random value to each image, clips it to the value range and inverts every
    pixel at or above a random threshold (all values seen on a 0-255 scale).

    Per image, the addition is drawn uniformly from `[addition_factor[0],
    addition_factor[1] * 255)` and the threshold from `[threshold_factor[0],
    threshold_factor[1] * 255)` (Keras's ranges). With the defaults every pixel is inverted.
    Identity at inference. Outputs are in the layer's compute dtype.

    Args:
        addition_factor: a number `f` in [0, 1] (the range `(0, f)`) or a pair.
        threshold_factor: a number `f` in [0, 1] (the range `(0, f)`) or a pair.
        value_range: `(low, high)` of the image values.
        seed: optional int for a reproducible sequence of draws.
        **kwargs: base layer keyword arguments, such as `name`, `dtype`, `data_format`.
    """

    _PIXEL_VALUES_ONLY = True

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255),
                 seed=None, **kwargs):
        data_format = kwargs.pop("data_format", None)
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.addition_factor = _range_factor(self._label, "addition_factor", addition_factor)
        self.threshold_factor = _range_factor(self._label, "threshold_factor",
                                              threshold_factor)
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2 or not all(
                is_number(v) for v in value_range):
            raise ValueError(f"{self._label}: `value_range` must be a list of two numbers. "
                             f"Received: value_range={value_range!r}")
        self.value_range = sorted(value_range)

    def transform_images(self, inputs, transformation=None, training=True):
        images = inputs.to(self._compute_torch_dtype)
        if not training:
            return images
        shape = (images.shape[0], 1, 1, 1) if images.dim() == 4 else (1, 1, 1)
        dtype = images.dtype
        additions = self._uniform(shape, self.addition_factor[0],
                                  self.addition_factor[1] * 255, images.device, dtype)
        thresholds = self._uniform(shape, self.threshold_factor[0],
                                   self.threshold_factor[1] * 255, images.device, dtype)
        low, high = self.value_range
        scaled = images if (low, high) == (0, 255) else (images - low) / (high - low) * 255
        out = (scaled + additions).clamp(0, 255)
        out = torch.where(out < thresholds, out, 255 - out)
        return out if (low, high) == (0, 255) else out / 255 * (high - low) + low

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range,
                       "addition_factor": self.addition_factor,
                       "threshold_factor": self.threshold_factor, "seed": self.seed})
        return config
