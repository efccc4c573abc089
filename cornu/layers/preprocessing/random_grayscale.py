"""`RandomGrayscale`: turns images to grayscale at random while training."""

import torch

from cornu.layers.preprocessing.base_augmentation import BaseRandomImageLayer, is_number


class RandomGrayscale(BaseRandomImageLayer):
    """Replaces each RGB image, with probability `factor`, by its luma
    (`0.2989 R + 0.587 G + 0.114 B`) repeated over the three channels.

    Acts while training (the default when called directly); identity at inference.
    Integer images keep their dtype.

    Args:
        factor: probability in [0, 1] that an image is converted.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        seed: optional int for a reproducible sequence of draws.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    _PIXEL_VALUES_ONLY = True

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if not is_number(factor) or not 0 <= factor <= 1:
            raise ValueError(f"{self._label}: `factor` must be a number in [0, 1]. "
                             f"Received: factor={factor!r}")
        self.factor = factor

    def transform_images(self, inputs, transformation=None, training=True):
        if not training:
            return inputs
        batch = inputs.shape[0] if inputs.dim() == 4 else 1
        apply = self._uniform((batch,), 0.0, 1.0, inputs.device) < self.factor
        apply = apply.reshape((batch, 1, 1, 1) if inputs.dim() == 4 else (1, 1, 1))
        return torch.where(apply, self._grayscale(inputs), inputs)

    def _grayscale(self, images):
        axis = -3 if self.data_format == "channels_first" else -1
        if images.shape[axis] == 1:
            return images
        if images.shape[axis] != 3:
            raise ValueError(f"{self._label} expects images with 3 (RGB) or 1 channels. "
                             f"Received: images.shape={tuple(images.shape)}")
        r, g, b = images.unbind(axis)
        # Luma in float (the images' float dtype, else float32), cast back as Keras does.
        luma = 0.2989 * r + 0.587 * g + 0.114 * b
        return luma.to(images.dtype).unsqueeze(axis)

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config
