"""`RandomColorJitter`: random brightness, contrast, saturation and hue, in that order."""

from cornu.layers.preprocessing.base_augmentation import BaseRandomImageLayer
from cornu.layers.preprocessing.random_brightness import RandomBrightness
from cornu.layers.preprocessing.random_contrast import RandomContrast
from cornu.layers.preprocessing.random_hue import RandomHue
from cornu.layers.preprocessing.random_saturation import RandomSaturation


class RandomColorJitter(BaseRandomImageLayer):
    """Applies `RandomBrightness`, `RandomContrast`, `RandomSaturation` and `RandomHue`
    one after the other while training; each step runs only when its factor is given.

    Images are first cast to the layer's compute dtype; at inference they pass through
    unchanged. Each factor is read as the matching layer reads its `factor`.

    Args:
        value_range: `(low, high)`, the range of the input values; default `(0, 255)`.
        brightness_factor: `RandomBrightness`'s `factor`, or None to skip that step.
        contrast_factor: `RandomContrast`'s `factor`, or None to skip that step.
        saturation_factor: `RandomSaturation`'s `factor`, or None to skip that step.
        hue_factor: `RandomHue`'s `factor`, or None to skip that step.
        seed: optional int, passed to each step, for a reproducible sequence of draws.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    _PIXEL_VALUES_ONLY = True

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        common = dict(value_range=value_range, seed=seed, data_format=self.data_format,
                      dtype=self.dtype_policy)
        steps = [(RandomBrightness, brightness_factor, "brightness"),
                 (RandomContrast, contrast_factor, "contrast"),
                 (RandomSaturation, saturation_factor, "saturation"),
                 (RandomHue, hue_factor, "hue")]
        self._steps = []
        for cls, factor, what in steps:
            if factor is None:
                continue
            try:
                step = cls(factor=factor, **common)
            except ValueError as error:
                raise ValueError(f"{self._label}: invalid `{what}_factor`: {error}") from None
            setattr(self, f"random_{what}", step)
            self._steps.append(step)

    def transform_images(self, inputs, transformation=None, training=True):
        if not training:
            return inputs
        images = inputs.to(self._compute_torch_dtype)
        for step in self._steps:
            images = step(images, training=True)
        return images.to(self._compute_torch_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range,
                       "brightness_factor": self.brightness_factor,
                       "contrast_factor": self.contrast_factor,
                       "saturation_factor": self.saturation_factor,
                       "hue_factor": self.hue_factor, "seed": self.seed})
        return config
