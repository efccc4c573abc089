"""`RandomTranslation`: shifts each image by a random offset while training."""

import torch

from cornu.layers.preprocessing import affine_transform
from cornu.layers.preprocessing.base_augmentation import BaseAffineLayer, axis_factor
from cornu.utils import bounding_boxes as bbox


class RandomTranslation(BaseAffineLayer):
    """Shifts each image by its own random vertical and horizontal offset while training.

    Images pass through unchanged at inference. Outputs are in the layer's compute dtype.

    Args:
        height_factor: the vertical shift range, as a fraction of the image height: a
            number `f` in `[-1, 1]` draws in `[-f, f]`, a pair `(low, high)` in
            `[low, high]`. Positive values move the content down. `(a, a)` always shifts
            by `a * height` pixels.
        width_factor: the horizontal shift range, as a fraction of the image width,
            read like `height_factor`. Positive values move the content right.
        fill_mode: how points outside the image are filled: "reflect"
            (`d c b a | a b c d | d c b a`), "wrap" (`a b c d | a b c d | a b c d`),
            "constant" (`k k k k | a b c d | k k k k`, `k = fill_value`) or "nearest"
            (`a a a a | a b c d | d d d d`).
        interpolation: "bilinear" or "nearest".
        seed: optional int for a reproducible sequence of shifts.
        fill_value: the value of points outside the image when `fill_mode="constant"`.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        **kwargs: base layer keyword arguments, such as `name`, `dtype` and
            `bounding_box_format` (for dict inputs with bounding boxes, which move with
            the images; segmentation masks move too, with nearest interpolation).
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = axis_factor(
            self._label, height_factor, "height_factor", low_inclusive=True)
        self.width_factor = width_factor
        self.width_lower, self.width_upper = axis_factor(
            self._label, width_factor, "width_factor", low_inclusive=True)

    def _draw(self, n, height, width, device):
        shift_y = self._uniform((n, 1), self.height_lower, self.height_upper, device) * height
        shift_x = self._uniform((n, 1), self.width_lower, self.width_upper, device) * width
        shape = (n, height, width, 1) if self.data_format == "channels_last" else (
            n, 1, height, width)
        return {"translations": torch.cat([shift_x, shift_y], dim=1).float(),
                "input_shape": shape}

    def _transforms(self, transformation, height, width):
        translations = transformation["translations"]
        return affine_transform.translation_transforms(translations[:, 1], translations[:, 0])

    def transform_bounding_boxes(self, bounding_boxes, transformation=None, training=True):
        if not training or transformation is None:
            return bounding_boxes
        boxes, height, width = self._boxes_in(bounding_boxes, transformation)
        b = boxes["boxes"]
        translations = transformation["translations"].to(device=b.device, dtype=b.dtype)
        # Keras subtracts the transform's offset, the negated shift.
        shift_x = (-translations[:, 0:1]).unsqueeze(-1)
        shift_y = (-translations[:, 1:2]).unsqueeze(-1)
        x1, y1, x2, y2 = torch.split(b, 1, dim=-1)
        boxes["boxes"] = torch.cat([x1 - shift_x, y1 - shift_y, x2 - shift_x, y2 - shift_y],
                                   dim=-1)
        boxes = bbox.clip_to_image_size(boxes, height=height, width=width,
                                        bounding_box_format="xyxy")
        return self._boxes_out(boxes, height, width)

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config
