"""`RandomRotation`: rotates each image by a random angle while training."""

from cornu.layers.preprocessing import affine_transform
from cornu.layers.preprocessing.base_augmentation import BaseAffineLayer, base_factor


class RandomRotation(BaseAffineLayer):
    """Rotates each image about its centre by its own random angle while training.

    Images pass through unchanged at inference. Outputs are in the layer's compute dtype.

    Args:
        factor: the rotation range as a fraction of a full turn: a number `f` draws angles
            in `[-f * 360, f * 360]` degrees, a pair `(low, high)` in
            `[low * 360, high * 360]`. Positive angles turn counter-clockwise.
            `factor=(0.25, 0.25)` always turns by exactly 90 degrees.
        fill_mode: how points outside the image are filled: "reflect"
            (`d c b a | a b c d | d c b a`), "wrap" (`a b c d | a b c d | a b c d`),
            "constant" (`k k k k | a b c d | k k k k`, `k = fill_value`) or "nearest"
            (`a a a a | a b c d | d d d d`).
        interpolation: "bilinear" or "nearest".
        seed: optional int for a reproducible sequence of rotations.
        fill_value: the value of points outside the image when `fill_mode="constant"`.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.factor = base_factor(self._label, factor, (-1, 1))

    def _transforms(self, n, height, width, device):
        lower, upper = self.factor
        angles = self._uniform((n,), lower * 360.0, upper * 360.0, device)
        return affine_transform.rotation_transforms(angles, height, width)

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config
