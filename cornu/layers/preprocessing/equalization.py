"""`Equalization`: histogram equalization of each image channel."""

import torch

from cornu.layers.preprocessing import color_utils
from cornu.layers.preprocessing.base_augmentation import BaseRandomImageLayer, check_value_range


class Equalization(BaseRandomImageLayer):
    """Equalizes the histogram of each channel while training (identity at inference, as
    Keras 3.15 does when called with `training=False`).

    As in Keras, a channel's histogram (`bins` bins over `[0, 255]` after rescaling from
    `value_range`) is taken over the whole batch it is called on, and every value is mapped
    through the rounded, normalized cumulative histogram. A channel whose values fall in a
    single bin is left unchanged. Training outputs are in the layer's compute dtype.

    Args:
        value_range: `(low, high)`, the range of the input values; default `(0, 255)`.
        bins: number of histogram bins; default 256.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    _PIXEL_VALUES_ONLY = True

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
            raise ValueError(f"{self._label}: `bins` must be a positive int. "
                             f"Received: bins={bins!r}")
        self.bins = bins
        check_value_range(self._label, value_range)
        self.value_range = sorted(value_range)

    def _equalize(self, channel):
        channel = color_utils.rescale(channel, self.value_range, (0, 255))
        indices = (channel.float() * (self.bins - 1) / 255.0).to(torch.int32)
        indices = indices.clamp(0, self.bins - 1).reshape(-1).long()
        hist = torch.bincount(indices, minlength=self.bins)
        if int((hist != 0).sum()) <= 1:
            equalized = channel
        else:
            cdf = torch.cumsum(hist, 0)
            cdf_min = cdf[torch.nonzero(cdf)[0, 0]]
            denominator = cdf[-1] - cdf_min
            if int(denominator) == 0:
                denominator = torch.ones_like(denominator)
            lookup = torch.round((cdf - cdf_min) * 255 / denominator).clamp(0, 255)
            scaled = (channel / 255.0) * (self.bins - 1)
            index = scaled.clamp(0, self.bins - 1).to(torch.int32).long()
            equalized = lookup[index].to(channel.dtype)
        return color_utils.rescale(equalized, (0, 255), self.value_range)

    def transform_images(self, inputs, transformation=None, training=True):
        if not training:
            return inputs
        images = inputs.to(self._compute_torch_dtype)
        axis = color_utils.channel_axis(self.data_format)
        channels = [self._equalize(c) for c in images.unbind(axis)]
        return torch.stack(channels, dim=axis).to(images.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"bins": self.bins, "value_range": self.value_range})
        return config
