"""`RandomShear`: shears each image along x and y by random amounts while training."""

import torch

from cornu.layers.preprocessing.base_augmentation import BaseAffineLayer, is_number
from cornu.utils import bounding_boxes as bbox


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
        **kwargs: base layer keyword arguments, such as `name`, `dtype` and
            `bounding_box_format` (for dict inputs: each box becomes the box around its
            sheared corners, clipped to the image; Keras 3.15 shears boxes in relative
            coordinates, which agrees for square images and one shear axis only).
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
        shape = (n, height, width, 1) if self.data_format == "channels_last" else (
            n, 1, height, width)
        return {"shear_factor": torch.stack([shear_x, shear_y], dim=1) * sign[:, None],
                "input_shape": shape}

    def _transforms(self, transformation, height, width):
        return shear_transforms(transformation["shear_factor"])

    def transform_bounding_boxes(self, bounding_boxes, transformation=None, training=True):
        if not training or transformation is None:
            return bounding_boxes
        boxes, height, width = self._boxes_in(bounding_boxes, transformation)
        b = boxes["boxes"]
        shear = transformation["shear_factor"].to(device=b.device, dtype=b.dtype)
        sx, sy = shear[:, 0, None, None], shear[:, 1, None, None]
        # Input point p goes where the output reads it: the inverse of [[1, sx], [sy, 1]].
        det = 1.0 - sx * sy
        x0, y0, x1, y1 = (b[..., k:k + 1] for k in range(4))
        xs = torch.cat([(x - sx * y) / det for x in (x0, x1) for y in (y0, y1)], dim=-1)
        ys = torch.cat([(y - sy * x) / det for x in (x0, x1) for y in (y0, y1)], dim=-1)
        boxes["boxes"] = torch.stack([xs.amin(-1), ys.amin(-1), xs.amax(-1), ys.amax(-1)],
                                     dim=-1)
        boxes = bbox.clip_to_image_size(boxes, height=height, width=width,
                                        bounding_box_format="xyxy")
        return self._boxes_out(boxes, height, width)

    def get_config(self):
        config = super().get_config()
        config.update({"x_factor": self.x_factor, "y_factor": self.y_factor})
        return config
