"""`RandomHue`: rotates each image's hue by a random amount while training."""

import torch

from cornu.layers.preprocessing import color_utils
from cornu.layers.preprocessing.base_augmentation import BaseRandomImageLayer, base_factor
from cornu.ops import image as image_ops


class RandomHue(BaseRandomImageLayer):
    """Shifts the hue of each RGB image by a random amount while training.

    Per image a magnitude `f` is drawn in the `factor` range and a random sign; the hue (in
    `[0, 1]`, as `rgb_to_hsv` gives it) moves by `±f / 2`, wrapping around. Images are
    rescaled from `value_range` to `[0, 1]` and back; outputs are in the layer's compute
    dtype. At inference images pass through unchanged.

    Args:
        factor: a number `f` in `[0, 1]` (magnitudes in `[0, f]`) or a pair `(low, high)`
            (sorted). 0 is a no-op, 1 the largest change.
        value_range: `(low, high)`, the range of the input values; default `(0, 255)`.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        seed: optional int for a reproducible sequence of draws.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    _PIXEL_VALUES_ONLY = True

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = base_factor(self._label, factor, (0, 1))
        self.value_range = value_range

    def transform_images(self, inputs, transformation=None, training=True):
        if not training:
            return inputs
        color_utils.check_rgb(self._label, inputs, self.data_format)
        images, unbatched = color_utils.batched(inputs.to(self._compute_torch_dtype))
        n = images.shape[0]
        invert = torch.where(self._uniform((n,), 0.0, 1.0, images.device) > 0.5, -1.0, 1.0)
        magnitude = self._uniform((n,), self.factor[0], self.factor[1], images.device)
        shift = (invert * magnitude * 0.5).to(images.dtype).reshape(n, 1, 1)
        images = color_utils.rescale(images, self.value_range, (0, 1))
        hsv = image_ops.rgb_to_hsv(images, data_format=self.data_format)
        axis = color_utils.channel_axis(self.data_format)
        hue, saturation, value = hsv.unbind(axis)
        hue = hue + shift
        hue = torch.where(hue > 1.0, hue - 1.0, hue)
        hue = torch.where(hue < 0.0, hue + 1.0, hue)
        hsv = torch.stack([hue, saturation, value], dim=axis)
        images = image_ops.hsv_to_rgb(hsv, data_format=self.data_format).clamp(0, 1)
        images = color_utils.rescale(images, (0, 1), self.value_range)
        return images.squeeze(0) if unbatched else images

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config
