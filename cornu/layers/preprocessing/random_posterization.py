"""`RandomPosterization`: keeps a random number of bits of each pixel while training."""

import torch

from cornu.layers.preprocessing import color_utils
from cornu.layers.preprocessing.base_augmentation import BaseColorFactorLayer


class RandomPosterization(BaseColorFactorLayer):
    """Reduces each image to `b` bits per channel value while training.

    Per image `b` is an int drawn in `[factor[0], factor[1])` (exactly `factor[0]` when the
    two are equal, as in Keras). Values are rescaled from `value_range` to `[0, 255]`,
    truncated to 8-bit integers, their lowest `8 - b` bits cleared, and rescaled back.
    Training outputs are in the layer's compute dtype; at inference images pass through
    unchanged.

    Args:
        factor: an int `f` in `[1, 8]` (bits drawn in `[1, f)`) or a pair `(low, high)`.
        value_range: `(low, high)`, the range of the input values; default `(0, 255)`.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        seed: optional int for a reproducible sequence of draws.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    _FACTOR_BOUNDS = (1, 8)

    def transform_images(self, inputs, transformation=None, training=True):
        if not training:
            return inputs
        images, unbatched = color_utils.batched(inputs)
        n = images.shape[0]
        low, high = int(self.factor[0]), int(self.factor[1])
        if low != high:
            bits = torch.randint(low, high, (n,), generator=self._generator)
        else:
            bits = torch.full((n,), low)
        shift = (8 - bits).to(torch.uint8).to(images.device).reshape(n, 1, 1, 1)
        dtype = self._compute_torch_dtype
        x = color_utils.rescale(images.to(dtype), self.value_range, (0, 255))
        x = x.to(torch.uint8)
        x = torch.bitwise_left_shift(torch.bitwise_right_shift(x, shift), shift)
        x = color_utils.rescale(x.to(dtype), (0, 255), self.value_range)
        return x.squeeze(0) if unbatched else x
