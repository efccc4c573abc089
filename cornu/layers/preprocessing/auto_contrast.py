"""`AutoContrast`: stretches each image channel over the whole value range."""

import torch

from cornu.layers.preprocessing import color_utils
from cornu.layers.preprocessing.base_augmentation import BaseRandomImageLayer, check_value_range


class AutoContrast(BaseRandomImageLayer):
    """Stretches each channel of each image so its minimum maps to the low end of
    `value_range` and its maximum to the high end. Active in training and at inference.

    Constant channels (where the stretch is undefined) and NaN values are left as they
    were. Outputs are in the layer's compute dtype.

    Args:
        value_range: `(low, high)`, the range of the input values; default `(0, 255)`.
        **kwargs: base layer keyword arguments, such as `name`, `dtype` and `data_format`.
    """

    _PIXEL_VALUES_ONLY = True

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        check_value_range(self._label, value_range)
        self.value_range = sorted(value_range)

    def transform_images(self, inputs, transformation=None, training=True):
        original, unbatched = color_utils.batched(inputs)
        images = original.to(self._compute_torch_dtype)
        images = color_utils.rescale(images, self.value_range, (0, 255))
        spatial = (1, 2) if self.data_format == "channels_last" else (2, 3)
        low = images.amin(dim=spatial, keepdim=True)
        high = images.amax(dim=spatial, keepdim=True)
        # As Keras computes it: a constant channel gives inf * 0 = NaN, restored below.
        scale = 255.0 / (high - low)
        out = (images * scale - low * scale).clamp(0.0, 255.0)
        out = color_utils.rescale(out, (0, 255), self.value_range)
        out = torch.where(torch.isnan(out), original.to(out.dtype), out)
        return out.squeeze(0) if unbatched else out

    def get_config(self):
        config = super().get_config()
        config["value_range"] = self.value_range
        return config
