"""`RandomFlip`: flips images left-right and/or top-bottom at random while training."""

import torch

from cornu.layers.preprocessing import image_utils
from cornu.layers.preprocessing.base_augmentation import BaseRandomImageLayer
from cornu.utils import bounding_boxes as bbox
from cornu.utils.bounding_boxes.converters import to_tensor

HORIZONTAL = "horizontal"
VERTICAL = "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"
MODES = (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL)


class RandomFlip(BaseRandomImageLayer):
    """Flips each image with probability 1/2 while training; passes images through otherwise.

    One draw per image decides whether it is flipped: with `"horizontal_and_vertical"` a
    flipped image is flipped along both axes (as Keras 3 does), so each image comes out
    either unchanged or turned by 180 degrees. Outputs are in the layer's compute dtype.

    Args:
        mode: "horizontal" (left-right), "vertical" (top-bottom) or
            "horizontal_and_vertical".
        seed: optional int for a reproducible sequence of flips.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        **kwargs: base layer keyword arguments, such as `name`, `dtype` and
            `bounding_box_format` (for dict inputs with bounding boxes, which are flipped
            with the images, as are segmentation masks).
    """

    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if mode not in MODES:
            raise ValueError(f"{self._label}: `mode` must be one of {MODES}. "
                             f"Received: mode={mode!r}")
        self.mode = mode

    def get_random_transformation(self, data, training=True, seed=None):
        """`{"flips": bool (batch, 1, 1, 1) or (1, 1, 1), "input_shape": shape}`, or None
        when not training."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(images.shape)
        flips_shape = (1, 1, 1) if len(shape) == 3 else (shape[0], 1, 1, 1)
        device = images.device if isinstance(images, torch.Tensor) else None
        with self._seeded(seed):
            flips = self._uniform(flips_shape, 0.0, 1.0, device) <= 0.5
        return {"flips": flips, "input_shape": shape}

    def transform_images(self, images, transformation=None, training=True):
        images = to_tensor(images).to(self._compute_torch_dtype)
        if not training or transformation is None:
            return images
        return self._flip(images, transformation["flips"])

    def _flip(self, images, flips):
        x, unbatched = image_utils.to_nchw(images, self.data_format)
        flips = flips.reshape(-1, 1, 1, 1).to(x.device)
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            x = torch.where(flips, x.flip(-1), x)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            x = torch.where(flips, x.flip(-2), x)
        return image_utils.from_nchw(x, self.data_format, unbatched)

    def transform_bounding_boxes(self, bounding_boxes, transformation=None, training=True):
        if not training or transformation is None:
            return bounding_boxes
        flips = transformation["flips"].squeeze(-1)
        boxes, height, width = self._boxes_in(bounding_boxes, transformation, "rel_xyxy")
        b = boxes["boxes"]
        flips = flips.to(b.device)
        x1, y1, x2, y2 = torch.split(b, 1, dim=-1)
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            b = torch.where(flips, torch.cat([1 - x2, y1, 1 - x1, y2], dim=-1), b)
            x1, y1, x2, y2 = torch.split(b, 1, dim=-1)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            b = torch.where(flips, torch.cat([x1, 1 - y2, x2, 1 - y1], dim=-1), b)
        boxes["boxes"] = b
        # Keras clips the relative boxes as absolute ones, so nothing is clipped: a flip
        # keeps boxes inside the image.
        boxes = bbox.clip_to_image_size(boxes, height=height, width=width,
                                        bounding_box_format="xyxy")
        return self._boxes_out(boxes, height, width, "rel_xyxy")

    def transform_segmentation_masks(self, segmentation_masks, transformation=None,
                                     training=True):
        return self.transform_images(segmentation_masks, transformation, training=training)

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed, "mode": self.mode})
        return config
