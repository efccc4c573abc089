"""`RandomCrop`: crops a random window of the target size while training."""

import random

from cornu.layers.preprocessing import image_utils
from cornu.layers.preprocessing.base_augmentation import BaseRandomImageLayer


class RandomCrop(BaseRandomImageLayer):
    """Crops `(height, width)` windows: at a random place while training, centred otherwise.

    While training, when the images are larger than the target on both sides, one random
    window position is drawn per call and used for every image of the batch (as Keras
    does). Otherwise (at inference, or images not larger than the target) the images are
    center-cropped to the largest window of the target's aspect ratio, then resized
    (bilinear) to `(height, width)`. Outputs are in the layer's compute dtype.

    Keras 3 documents this behaviour, but Keras 3.15 differs from it in two places: at
    inference its RandomCrop returns the input unchanged (keras-team/keras#21868), unlike
    its declared output shape, and for images not larger than the target it slices a
    target-sized window from the corner of the aspect-ratio window before resizing. cornu
    follows the documentation in both, so `predict` outputs have the layer's output shape
    and are the images' largest centred window of the target's aspect ratio, resized.

    Args:
        height: int, the output height.
        width: int, the output width.
        seed: optional int for a reproducible sequence of crops. When None, a random int
            is chosen and written to the config (as Keras does); this layer still draws
            from torch's global generator until it is re-created from that config.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        image_utils.check_size(self._label, height, width)
        self.height = height
        self.width = width
        if seed is None:
            self.seed = random.randint(1, int(1e9))

    def call(self, inputs, training=True):
        self._check_images(inputs)
        x, unbatched = image_utils.to_nchw(inputs.to(self._compute_torch_dtype),
                                           self.data_format)
        in_h, in_w = x.shape[-2], x.shape[-1]
        if training and in_h > self.height and in_w > self.width:
            top = self._randint(in_h - self.height + 1)
            left = self._randint(in_w - self.width + 1)
            x = x[:, :, top:top + self.height, left:left + self.width]
        else:
            x = image_utils.crop_to_aspect_ratio(x, self.height, self.width)
            if tuple(x.shape[-2:]) != (self.height, self.width):
                resized = image_utils.resize(image_utils.as_resizable(x), self.height,
                                             self.width)
                x = resized.to(x.dtype)
        return image_utils.from_nchw(x, self.data_format, unbatched)

    def compute_output_shape(self, input_shape):
        image_utils.check_rank(self._label, input_shape)
        return image_utils.spatial_output_shape(input_shape, self.height, self.width,
                                                self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "seed": self.seed})
        return config
