"""`RandAugment`: applies `num_ops` augmentations picked at random from a fixed list."""

from cornu.layers.preprocessing import augment_ops
from cornu.layers.preprocessing.base_augmentation import BaseRandomImageLayer, base_factor


class RandAugment(BaseRandomImageLayer):
    """RandAugment (Cubuk et al., 2019): while training, `num_ops` times, one operation is
    picked at random (the same for the whole batch, as in Keras) among shear, translation,
    rotation, brightness, color degeneration, contrast, sharpness, posterization,
    solarization, auto contrast and equalization, and applied with its own per-image random
    strength in `factor`. Outputs are in the layer's compute dtype; at inference the values
    pass through unchanged.

    Args:
        value_range: `(low, high)`, the range of the input values; default `(0, 255)`.
        num_ops: number of operations applied one after the other; default 2.
        factor: strength, a number `f` in `[0, 1]` (the range `(0, f)`) or a pair;
            default 0.5.
        interpolation: "bilinear" or "nearest", for the geometric operations.
        seed: optional int for a reproducible sequence of draws.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    _AUGMENT_LAYERS = ["random_shear", "random_translation", "random_rotation",
                       "random_brightness", "random_color_degeneration", "random_contrast",
                       "random_sharpness", "random_posterization", "solarization",
                       "auto_contrast", "equalization"]

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear",
                 seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if isinstance(num_ops, bool) or not isinstance(num_ops, int) or num_ops < 0:
            raise ValueError(f"{self._label}: `num_ops` must be a non-negative int. "
                             f"Received: num_ops={num_ops!r}")
        self.value_range = value_range
        self.num_ops = num_ops
        self.factor = base_factor(self._label, factor, (0, 1))
        self.interpolation = interpolation
        for name in self._AUGMENT_LAYERS:
            setattr(self, name, augment_ops.build(name, self.factor, value_range,
                                                  interpolation, seed, self.data_format,
                                                  self.dtype_policy))

    def call(self, inputs, training=True):
        self._check_images(inputs)
        images = inputs.to(self._compute_torch_dtype)
        if not training:
            return images
        picks = [self._randint(len(self._AUGMENT_LAYERS)) for _ in range(self.num_ops)]
        for index in picks:
            layer = getattr(self, self._AUGMENT_LAYERS[index])
            images = layer(images, training=True).to(self._compute_torch_dtype)
        return images

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range, "num_ops": self.num_ops,
                       "factor": self.factor, "interpolation": self.interpolation,
                       "seed": self.seed})
        return config
