"""`RandomZoom`: zooms each image in or out by a random amount while training."""

import torch

from cornu.layers.preprocessing import affine_transform
from cornu.layers.preprocessing.base_augmentation import BaseAffineLayer, axis_factor
from cornu.utils import bounding_boxes as bbox


class RandomZoom(BaseAffineLayer):
    """Zooms each image about its centre by its own random amount while training.

    Images pass through unchanged at inference. Outputs are in the layer's compute dtype.

    Args:
        height_factor: the vertical zoom range, as a fraction: a number `f` in `(-1, 1]`
            draws in `[-f, f]`, a pair `(low, high)` in `[low, high]`. Positive values zoom
            out (the image shrinks and `fill_mode` fills the border), negative values zoom
            in; `0.2` zooms out by up to 20%. `(a, a)` always zooms by `a`.
        width_factor: the horizontal zoom range, read like `height_factor`; None (default)
            zooms both axes by the same amount, keeping the aspect ratio.
        fill_mode: how points outside the image are filled: "reflect"
            (`d c b a | a b c d | d c b a`), "wrap" (`a b c d | a b c d | a b c d`),
            "constant" (`k k k k | a b c d | k k k k`, `k = fill_value`) or "nearest"
            (`a a a a | a b c d | d d d d`).
        interpolation: "bilinear" or "nearest".
        seed: optional int for a reproducible sequence of zooms.
        fill_value: the value of points outside the image when `fill_mode="constant"`.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        **kwargs: base layer keyword arguments, such as `name`, `dtype` and
            `bounding_box_format` (for dict inputs with bounding boxes, which move with
            the images; segmentation masks move too, with nearest interpolation).
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = axis_factor(
            self._label, height_factor, "height_factor", low_inclusive=False)
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = axis_factor(
                self._label, width_factor, "width_factor", low_inclusive=False)

    def _draw(self, n, height, width, device):
        zoom_y = self._uniform((n, 1), 1.0 + self.height_lower, 1.0 + self.height_upper,
                               device)
        zoom_x = zoom_y
        if self.width_factor is not None:
            zoom_x = self._uniform((n, 1), 1.0 + self.width_lower, 1.0 + self.width_upper,
                                   device)
        shape = (n, height, width, 1) if self.data_format == "channels_last" else (
            n, 1, height, width)
        return {"height_zoom": zoom_y, "width_zoom": zoom_x, "input_shape": shape}

    def _transforms(self, transformation, height, width):
        return affine_transform.zoom_transforms(transformation["height_zoom"][:, 0],
                                                transformation["width_zoom"][:, 0],
                                                height, width)

    def transform_bounding_boxes(self, bounding_boxes, transformation=None, training=True):
        if not training or transformation is None:
            return bounding_boxes
        boxes, height, width = self._boxes_in(bounding_boxes, transformation)
        b = boxes["boxes"]
        zoom_x = transformation["width_zoom"].to(device=b.device, dtype=torch.float32)
        zoom_y = transformation["height_zoom"].to(device=b.device, dtype=torch.float32)
        # The input window the output shows: [start, start + zoom * size] on each axis,
        # with the offsets of the image transform (Keras's expressions, term by term).
        w_start = ((float(width) - 1.0) / 2.0) * (1.0 - zoom_x)
        h_start = ((float(height) - 1.0) / 2.0) * (1.0 - zoom_y)
        w_end = zoom_x * width + w_start
        h_end = zoom_y * height + h_start
        w_start, h_start, w_end, h_end = (v.unsqueeze(-1) for v in (w_start, h_start, w_end,
                                                                     h_end))
        x1, y1, x2, y2 = torch.split(b, 1, dim=-1)
        boxes["boxes"] = torch.cat([torch.clip(x1, w_start, w_end) - w_start,
                                    torch.clip(y1, h_start, h_end) - h_start,
                                    torch.clip(x2, w_start, w_end) - w_start,
                                    torch.clip(y2, h_start, h_end) - h_start], dim=-1)
        boxes = bbox.convert_format(boxes, "xyxy", "rel_xyxy", height=h_end - h_start,
                                    width=w_end - w_start)
        boxes = bbox.clip_to_image_size(boxes, bounding_box_format="rel_xyxy")
        return self._boxes_out(boxes, height, width, "rel_xyxy")

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config
