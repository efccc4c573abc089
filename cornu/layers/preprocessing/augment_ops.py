"""The augmentation layers RandAugment and AugMix pick from, built as Keras builds them."""

from cornu.layers.preprocessing.auto_contrast import AutoContrast
from cornu.layers.preprocessing.equalization import Equalization
from cornu.layers.preprocessing.random_brightness import RandomBrightness
from cornu.layers.preprocessing.random_color_degeneration import RandomColorDegeneration
from cornu.layers.preprocessing.random_contrast import RandomContrast
from cornu.layers.preprocessing.random_posterization import RandomPosterization
from cornu.layers.preprocessing.random_rotation import RandomRotation
from cornu.layers.preprocessing.random_sharpness import RandomSharpness
from cornu.layers.preprocessing.random_shear import RandomShear
from cornu.layers.preprocessing.random_translation import RandomTranslation
from cornu.layers.preprocessing.solarization import Solarization

GEOMETRIC_AND_LEVELS = ["random_shear", "random_translation", "random_rotation",
                        "random_posterization", "solarization", "auto_contrast",
                        "equalization"]
COLOR = ["random_brightness", "random_color_degeneration", "random_contrast",
         "random_sharpness"]


def build(name, factor, value_range, interpolation, seed, data_format, dtype,
          bounding_box_format=None):
    """The augmentation layer `name` for a `(lower, upper)` strength `factor`."""
    geometric = dict(interpolation=interpolation, seed=seed, data_format=data_format,
                     dtype=dtype, bounding_box_format=bounding_box_format)
    color = dict(value_range=value_range, seed=seed, data_format=data_format, dtype=dtype,
                 bounding_box_format=bounding_box_format)
    if name == "random_shear":
        return RandomShear(x_factor=factor, y_factor=factor, **geometric)
    if name == "random_translation":
        return RandomTranslation(height_factor=factor, width_factor=factor, **geometric)
    if name == "random_rotation":
        return RandomRotation(factor=factor, **geometric)
    if name == "random_brightness":
        return RandomBrightness(factor=factor, **color)
    if name == "random_color_degeneration":
        return RandomColorDegeneration(factor=factor, **color)
    if name == "random_contrast":
        return RandomContrast(factor=factor, **color)
    if name == "random_sharpness":
        return RandomSharpness(factor=factor, **color)
    if name == "solarization":
        return Solarization(addition_factor=factor, threshold_factor=factor, **color)
    if name == "random_posterization":
        return RandomPosterization(factor=max(1, int(8 * factor[1])), **color)
    if name == "auto_contrast":
        return AutoContrast(value_range=value_range, data_format=data_format, dtype=dtype,
                            bounding_box_format=bounding_box_format)
    if name == "equalization":
        return Equalization(value_range=value_range, data_format=data_format, dtype=dtype,
                            bounding_box_format=bounding_box_format)
    raise ValueError(f"Unknown augmentation {name!r}")
