"""`RandomInvert`: inverts image values at random while training."""

import torch

from cornu.layers.preprocessing.base_augmentation import (
    BaseRandomImageLayer, base_factor, check_value_range)


class RandomInvert(BaseRandomImageLayer):
    """Replaces images by `value_range[1] - image` at random while training.

    For each image an inversion probability `p` is drawn uniformly from the `factor` range
    and the image is inverted when a second uniform draw in [0, 1) falls below `p` (as in
    Keras). `factor=(1, 1)` inverts every image. Identity at inference. Outputs are in the
    layer's compute dtype.

    Args:
        factor: a number `f` in [0, 1] (the range `(0, f)`) or a pair of numbers.
        value_range: `(low, high)` of the image values.
        seed: optional int for a reproducible sequence of draws.
        data_format: "channels_last" or "channels_first".
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    _PIXEL_VALUES_ONLY = True

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = base_factor(self._label, factor, (0, 1))
        check_value_range(self._label, value_range)
        self.value_range = value_range

    def transform_images(self, inputs, transformation=None, training=True):
        images = inputs.to(self._compute_torch_dtype)
        if not training:
            return images
        batch = images.shape[0] if images.dim() == 4 else 1
        probability = self._uniform((batch,), self.factor[0], self.factor[1], images.device)
        threshold = self._uniform((batch,), 0.0, 1.0, images.device)
        apply = (threshold < probability).reshape((batch,) + (1,) * 3)
        if images.dim() == 3:
            apply = apply[0]
        return torch.where(apply, self.value_range[1] - images, images)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config
