"""`RandomErasing`: fills a random rectangle of each image while training."""

import torch

from cornu.layers.preprocessing import mixing_utils
from cornu.layers.preprocessing.base_augmentation import (
    BaseRandomImageLayer, base_factor, check_value_range, is_number)


class RandomErasing(BaseRandomImageLayer):
    """Erases a random rectangle of each image, with a random probability, while training.

    Per image: a probability `p` is drawn in the `factor` range and the image is erased when
    a uniform draw falls below it. The rectangle's width is `sqrt(s_w) * width` and its
    height `sqrt(s_h) * height`, with `s_w`, `s_h` drawn in the `scale` range, at a uniform
    random position. It is filled with `fill_value`, or, when that is None, with Gaussian
    noise times `value_range[1]`; fills are clipped to `value_range`. Outputs are in the
    layer's compute dtype (also at inference, where the values are unchanged).

    Args:
        factor: a number `f` in `[0, 1]` (probabilities in `[0, f]`) or a pair; default 1.0.
        scale: a number or a pair in `[0, 1]`, the range of the area fractions `s_w`, `s_h`;
            default `(0.02, 0.33)`.
        fill_value: a number, three numbers (one per channel, channels_last), or None for
            random noise; default None.
        value_range: `(low, high)`, the range of the input values; default `(0, 255)`.
        seed: optional int for a reproducible sequence of draws.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    _PIXEL_VALUES_ONLY = True

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255),
                 seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = base_factor(self._label, factor, (0, 1))
        try:
            self.scale = base_factor(self._label, scale, (0, 1))
        except ValueError:
            raise ValueError(f"{self._label}: `scale` must be a number, or a list/tuple of "
                             f"two numbers, in the range [0, 1]. Received: scale={scale!r}"
                             ) from None
        if not (fill_value is None or is_number(fill_value) or (
                isinstance(fill_value, (tuple, list)) and len(fill_value) == 3
                and all(is_number(v) for v in fill_value))):
            raise ValueError(f"{self._label}: `fill_value` must be None, a number or a list "
                             f"of three numbers. Received: fill_value={fill_value!r}")
        self.fill_value = fill_value
        check_value_range(self._label, value_range)
        self.value_range = value_range

    def _fill(self, images):
        if self.fill_value is None:
            if self._generator is None:
                noise = torch.randn(images.shape, dtype=images.dtype, device=images.device)
            else:
                noise = torch.randn(images.shape, generator=self._generator,
                                    dtype=images.dtype).to(images.device)
            fill = noise * self.value_range[1]
        else:
            fill = torch.as_tensor(self.fill_value, dtype=images.dtype, device=images.device)
            fill = fill.expand(images.shape)
        return fill.clamp(min(self.value_range), max(self.value_range))

    def transform_images(self, inputs, transformation=None, training=True):
        images = inputs.to(self._compute_torch_dtype)
        if not training:
            return images
        x = images.unsqueeze(0) if images.dim() == 3 else images
        n, device = x.shape[0], x.device
        height, width = mixing_utils.spatial_sizes(x, self.data_format)
        ratios = self._uniform((n, 2), self.scale[0], self.scale[1], device).sqrt()
        x0, x1 = mixing_utils.crop_bounds(self, n, width, ratios[:, 0], device)
        y0, y1 = mixing_utils.crop_bounds(self, n, height, ratios[:, 1], device)
        mask = mixing_utils.box_mask(x, self.data_format, x0, x1, y0, y1)
        probability = self._uniform((n,), self.factor[0], self.factor[1], device)
        apply = self._uniform((n,), 0.0, 1.0, device) < probability
        mask = mask & apply.reshape(n, 1, 1, 1)
        x = torch.where(mask, self._fill(x), x)
        return x.squeeze(0) if images.dim() == 3 else x

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale,
                       "fill_value": self.fill_value, "value_range": self.value_range,
                       "seed": self.seed})
        return config
