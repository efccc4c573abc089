"""`RandomFlip`: flips images left-right and/or top-bottom at random while training."""

import torch

from cornu.layers.preprocessing import image_utils
from cornu.layers.preprocessing.base_augmentation import BaseRandomImageLayer

HORIZONTAL = "horizontal"
VERTICAL = "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"
MODES = (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL)


class RandomFlip(BaseRandomImageLayer):
    """Flips each image with probability 1/2 while training; passes images through otherwise.

    One draw per image decides whether it is flipped: with `"horizontal_and_vertical"` a
    flipped image is flipped along both axes (as Keras 3 does), so each image comes out
    either unchanged or turned by 180 degrees. Outputs are in the layer's compute dtype.

    Args:
        mode: "horizontal" (left-right), "vertical" (top-bottom) or
            "horizontal_and_vertical".
        seed: optional int for a reproducible sequence of flips.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if mode not in MODES:
            raise ValueError(f"{self._label}: `mode` must be one of {MODES}. "
                             f"Received: mode={mode!r}")
        self.mode = mode

    def call(self, inputs, training=True):
        self._check_images(inputs)
        images = inputs.to(self._compute_torch_dtype)
        if not training:
            return images
        x, unbatched = image_utils.to_nchw(images, self.data_format)
        flip = (self._uniform((x.shape[0], 1, 1, 1), 0.0, 1.0, x.device) <= 0.5)
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            x = torch.where(flip, x.flip(-1), x)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            x = torch.where(flip, x.flip(-2), x)
        return image_utils.from_nchw(x, self.data_format, unbatched)

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed, "mode": self.mode})
        return config
