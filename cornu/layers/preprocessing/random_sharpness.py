"""`RandomSharpness`: sharpens or blurs each image by a random amount while training."""

import torch
import torch.nn.functional as F

from cornu.layers.preprocessing import color_utils
from cornu.layers.preprocessing.base_augmentation import BaseColorFactorLayer


class RandomSharpness(BaseColorFactorLayer):
    """Changes the sharpness of each image by a random amount while training.

    Each channel is smoothed with the 3x3 kernel `[[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13`
    (zero padding at the borders), and the output is
    `images + (1 - 2 f) * (smoothed - images)` with `f` drawn per image in the `factor`
    range, clipped to `value_range`: `f = 0` gives the smoothed image, `0.5` the original,
    1 a sharpened one. Outputs are in the layer's compute dtype (also at inference, where
    the values are unchanged).

    Args:
        factor: a number `f` in `[0, 1]` (draws in `[0, f]`) or a pair `(low, high)`
            (sorted).
        value_range: `(low, high)`, the range of the input values; default `(0, 255)`.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        seed: optional int for a reproducible sequence of draws.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    _FACTOR_BOUNDS = (0, 1)

    def transform_images(self, inputs, transformation=None, training=True):
        images = inputs.to(self._compute_torch_dtype)
        if not training:
            return images
        x, unbatched = color_utils.batched(images)
        if self.data_format == "channels_last":
            x = x.permute(0, 3, 1, 2)
        n, channels = x.shape[0], x.shape[1]
        factor = self._uniform((n, 1, 1, 1), self.factor[0], self.factor[1], x.device)
        factor = (factor * 2).to(x.dtype)
        kernel = torch.full((3, 3), 1.0 / 13.0, dtype=x.dtype, device=x.device)
        kernel[1, 1] = 5.0 / 13.0
        kernel = kernel.expand(channels, 1, 3, 3)
        smoothed = F.conv2d(x, kernel, padding=1, groups=channels)
        x = (x + (1.0 - factor) * (smoothed - x)).clamp(*self.value_range)
        if self.data_format == "channels_last":
            x = x.permute(0, 2, 3, 1)
        return x.squeeze(0) if unbatched else x
