"""`RandomSaturation`: scales each image's saturation by a random factor while training."""

import torch

from cornu.backend.config import epsilon
from cornu.layers.preprocessing import color_utils
from cornu.layers.preprocessing.base_augmentation import BaseColorFactorLayer
from cornu.ops import image as image_ops


class RandomSaturation(BaseColorFactorLayer):
    """Scales the saturation of each RGB image by a random factor while training.

    Per image `f` is drawn in the `factor` range and the HSV saturation is multiplied by
    `f / (1 - f + epsilon)` (so `f = 0.5` keeps the image, 0 makes it gray, 1 fully
    saturated), then clipped to `value_range`. As in Keras the images are converted to HSV
    without rescaling (hue and saturation are independent of the scale, value keeps it).
    At inference images pass through unchanged.

    Args:
        factor: a number `f` in `[-1, 1]` (draws in `[-|f|, |f|]`, Keras's reading: negative
            draws turn the image gray) or a pair `(low, high)` (sorted). Pass `(a, a)` for
            a fixed factor.
        value_range: `(low, high)`, the range of the input values; default `(0, 255)`.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        seed: optional int for a reproducible sequence of draws.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """


    def transform_images(self, inputs, transformation=None, training=True):
        if not training:
            return inputs
        color_utils.check_rgb(self._label, inputs, self.data_format)
        images = inputs
        if not images.is_floating_point():
            images = images.to(self._compute_torch_dtype)
        images, unbatched = color_utils.batched(images)
        n = images.shape[0]
        factor = self._uniform((n,), self.factor[0], self.factor[1], images.device)
        factor = factor / (1 - factor + epsilon())
        factor = factor.to(images.dtype).reshape(n, 1, 1)
        hsv = image_ops.rgb_to_hsv(images, data_format=self.data_format)
        axis = color_utils.channel_axis(self.data_format)
        hue, saturation, value = hsv.unbind(axis)
        saturation = (saturation * factor).clamp(self.value_range[0], self.value_range[1])
        hsv = torch.stack([hue, saturation, value], dim=axis)
        images = image_ops.hsv_to_rgb(hsv, data_format=self.data_format)
        return images.squeeze(0) if unbatched else images
