"""`RandomRotation`: rotates each image by a random angle while training."""

import torch

from cornu.layers.preprocessing import affine_transform
from cornu.layers.preprocessing.base_augmentation import BaseAffineLayer, base_factor
from cornu.utils import bounding_boxes as bbox


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
        **kwargs: base layer keyword arguments, such as `name`, `dtype` and
            `bounding_box_format` (for dict inputs with bounding boxes, which move with
            the images; segmentation masks move too, with nearest interpolation).
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.factor = base_factor(self._label, factor, (-1, 1))

    def _draw(self, n, height, width, device):
        lower, upper = self.factor
        angles = self._uniform((n,), lower * 360.0, upper * 360.0, device)
        matrix = affine_transform.rotation_transforms(angles, height, width)
        matrix = torch.cat([matrix, torch.zeros_like(matrix[:, :2])], dim=1)
        return {"angle": angles, "rotation_matrix": matrix, "image_height": height,
                "image_width": width, "batch_size": n}

    def _transforms(self, transformation, height, width):
        return affine_transform.rotation_transforms(transformation["angle"], height, width)

    def transform_bounding_boxes(self, bounding_boxes, transformation=None, training=True):
        if not training or transformation is None:
            return bounding_boxes
        height, width = transformation["image_height"], transformation["image_width"]
        boxes = bbox.convert_format(dict(bounding_boxes), self.bounding_box_format, "xyxy",
                                    height=height, width=width)
        angle = transformation["angle"].to(boxes["boxes"].device)
        zeros, ones = torch.zeros_like(angle), torch.ones_like(angle)
        boxes["boxes"] = bbox.affine_transform(boxes["boxes"], angle, zeros, zeros, ones, zeros,
                                               zeros, height, width)
        boxes = bbox.clip_to_image_size(boxes, height=height, width=width,
                                        bounding_box_format="xyxy")
        return self._boxes_out(boxes, height, width)

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config
