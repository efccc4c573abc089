"""`RandomShear`: shears each image along x and y by random amounts while training."""

import torch

from cornu.layers.preprocessing.base_augmentation import BaseAffineLayer, is_number


def shear_factor(layer_name, factor, arg):
    """`(lower, upper)` of a shear factor: a number `f` in `[0, 1]` -> `(-f, f)`.

    Keras takes pairs of numbers in `[0, 1]` only, so its own config `(-f, f)` does not load
    back; pairs in `[-1, 1]` are accepted here so that configs round trip.
    """
    message = (f"{layer_name}: `{arg}` must be a number in the range [0, 1.0] (or a list of "
               f"two numbers in [-1.0, 1.0]). Received: {arg}={factor!r}")
    pair = isinstance(factor, (tuple, list))
    values = list(factor) if pair else [factor]
    low = -1.0 if pair else 0.0
    if (pair and len(factor) != 2) or not all(is_number(v) and low <= v <= 1.0
                                              for v in values):
        raise ValueError(message)
    if isinstance(factor, (tuple, list)):
        lower, upper = sorted(factor)
        return lower, upper
    return -abs(factor), abs(factor)


def shear_transforms(shear):
    """Transforms for `(n, 2)` shear factors `(x, y)`: output `(x, y)` reads the input at
    `(x + shear_x * y, shear_y * x + y)`, sheared about the top-left corner as Keras does."""
    ones, zeros = torch.ones_like(shear[:, 0]), torch.zeros_like(shear[:, 0])
    return torch.stack([ones, shear[:, 0], zeros, shear[:, 1], ones, zeros], dim=1)


class RandomShear(BaseAffineLayer):
    """Shears each image by random amounts along x and y while training.

    Each image draws `shear_x` in `x_factor`'s range and `shear_y` in `y_factor`'s range,
    then both change sign together with probability 1/2. Output pixel `(x, y)` reads the
    input at `(x + shear_x * y, shear_y * x + y)`. Images pass through unchanged (in the
    layer's compute dtype) at inference.

    Args:
        x_factor: the shear range along x: a number `f` in `[0, 1]` draws in `[-f, f]`, a pair
            `(low, high)` in `[low, high]` (Keras takes pairs in `[0, 1]`; pairs in `[-1, 1]`
            are accepted here, so that `get_config`'s `(-f, f)` loads back).
        y_factor: the same along y.
        interpolation: "bilinear" or "nearest".
        fill_mode: how points outside the image are filled: "reflect", "wrap", "constant"
            or "nearest".
        fill_value: the value of points outside the image when `fill_mode="constant"`.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        seed: optional int for a reproducible sequence of shears.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear",
                 fill_mode="reflect", fill_value=0.0, data_format=None, seed=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.x_factor = shear_factor(self._label, x_factor, "x_factor")
        self.y_factor = shear_factor(self._label, y_factor, "y_factor")

    def _draw(self, n, height, width, device):
        sign = torch.where(self._uniform((n,), 0.0, 1.0, device) > 0.5, -1.0, 1.0)
        shear_x = self._uniform((n,), *self.x_factor, device)
        shear_y = self._uniform((n,), *self.y_factor, device)
        return {"shear_factor": torch.stack([shear_x, shear_y], dim=1) * sign[:, None]}

    def _transforms(self, transformation, height, width):
        return shear_transforms(transformation["shear_factor"])

    def get_config(self):
        config = super().get_config()
        config.update({"x_factor": self.x_factor, "y_factor": self.y_factor})
        return config
