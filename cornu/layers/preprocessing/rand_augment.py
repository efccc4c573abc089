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
        **kwargs: base layer keyword arguments, such as `name`, `dtype` and
            `bounding_box_format` (dict inputs: boxes and segmentation masks go through the
            same picked operations as the images, one after the other).
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
                                                  self.dtype_policy,
                                                  self.bounding_box_format))

    def get_random_transformation(self, data, training=True, seed=None):
        """`{"layers": [the picked layers' names], "transforms": [their transformations]}`."""
        if not training:
            return None
        with self._seeded(seed):
            picks = [self._randint(len(self._AUGMENT_LAYERS)) for _ in range(self.num_ops)]
        names = [self._AUGMENT_LAYERS[index] for index in picks]
        # Every operation keeps the image size, so each draws from the input's shape.
        transforms = [getattr(self, name).get_random_transformation(data, training=True)
                      for name in names]
        return {"layers": names, "transforms": transforms}

    def _steps(self, transformation):
        return zip((getattr(self, name) for name in transformation["layers"]),
                   transformation["transforms"])

    def transform_images(self, images, transformation=None, training=True):
        images = images.to(self._compute_torch_dtype)
        if not training or transformation is None:
            return images
        for layer, t in self._steps(transformation):
            images = layer.transform_images(images, t, training=True)
            images = images.to(self._compute_torch_dtype)
        return images

    def transform_bounding_boxes(self, bounding_boxes, transformation=None, training=True):
        if not training or transformation is None:
            return bounding_boxes
        for layer, t in self._steps(transformation):
            bounding_boxes = layer.transform_bounding_boxes(bounding_boxes, t, training=True)
        return bounding_boxes

    def transform_segmentation_masks(self, segmentation_masks, transformation=None,
                                     training=True):
        if not training or transformation is None:
            return segmentation_masks
        for layer, t in self._steps(transformation):
            segmentation_masks = layer.transform_segmentation_masks(segmentation_masks, t,
                                                                    training=True)
        return segmentation_masks

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range, "num_ops": self.num_ops,
                       "factor": self.factor, "interpolation": self.interpolation,
                       "seed": self.seed})
        return config
