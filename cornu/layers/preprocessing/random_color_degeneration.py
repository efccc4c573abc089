"""`RandomColorDegeneration`: blends each image toward its grayscale version while training."""

from cornu.layers.preprocessing import color_utils
from cornu.layers.preprocessing.base_augmentation import BaseColorFactorLayer
from cornu.ops import image as image_ops


class RandomColorDegeneration(BaseColorFactorLayer):
    """Moves each RGB image toward its grayscale version by a random amount while training.

    Per image `f` is drawn in the `factor` range and the output is
    `images + f * (grayscale - images)`, clipped to `value_range` (0 keeps the image, 1
    makes it gray). Training outputs are in the layer's compute dtype; at inference images
    pass through unchanged.

    Args:
        factor: a number `f` in `[-1, 1]` (draws in `[-|f|, |f|]`, as Keras reads it) or a
            pair `(low, high)` (sorted).
        value_range: `(low, high)`, the range of the input values; default `(0, 255)`.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        seed: optional int for a reproducible sequence of draws.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """


    def transform_images(self, inputs, transformation=None, training=True):
        color_utils.check_rgb(self._label, inputs, self.data_format)
        if not training:
            return inputs
        images, unbatched = color_utils.batched(inputs.to(self._compute_torch_dtype))
        factor = self._uniform((images.shape[0], 1, 1, 1), self.factor[0], self.factor[1],
                               images.device, dtype=images.dtype)
        gray = image_ops.rgb_to_grayscale(images, data_format=self.data_format)
        images = (images + factor * (gray - images)).clamp(*self.value_range)
        return images.squeeze(0) if unbatched else images
