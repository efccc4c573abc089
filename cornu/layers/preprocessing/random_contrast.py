"""`RandomContrast`: scales each image's contrast by a random factor while training."""

from cornu.layers.preprocessing.base_augmentation import (
    BaseRandomImageLayer, base_factor, check_value_range)


class RandomContrast(BaseRandomImageLayer):
    """Adjusts the contrast of each image by its own random factor while training.

    Each channel of each image becomes `(x - mean) * c + mean`, where `mean` is the
    channel's mean over the image and `c` is drawn in `[1 - lower, 1 + upper]`; the result
    is clipped to `value_range`. Training outputs are in the layer's compute dtype; at
    inference images pass through unchanged (integer images keep their dtype).

    Args:
        factor: a number or a pair, read as Keras 3 reads it: a number `f` in `[0, 1]`
            gives `(lower, upper) = (0, f)`, so contrast factors in `[1, 1 + f]`; a pair is
            sorted into `(lower, upper)`. `factor=(-a, a)` always scales by `1 + a`.
        value_range: `(low, high)`, the range of the input values; outputs are clipped to
            it. Default `(0, 255)`.
        seed: optional int for a reproducible sequence of factors.
        **kwargs: base layer keyword arguments, such as `name`, `dtype` and `data_format`.
    """

    _PIXEL_VALUES_ONLY = True

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = base_factor(self._label, factor, (0, 1))
        check_value_range(self._label, value_range)
        self.value_range = value_range

    def transform_images(self, inputs, transformation=None, training=True):
        if not training:
            return inputs
        images = inputs.to(self._compute_torch_dtype)
        if self.data_format == "channels_last":
            spatial = (-3, -2)
        else:
            spatial = (-2, -1)
        shape = (images.shape[0], 1, 1, 1) if images.dim() == 4 else (1, 1, 1)
        lower, upper = self.factor
        contrast = self._uniform(shape, 1.0 - lower, 1.0 + upper, images.device,
                                 dtype=images.dtype)
        mean = images.mean(dim=spatial, keepdim=True)
        out = (images - mean) * contrast + mean
        return out.clamp(self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config
