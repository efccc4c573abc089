"""`RandomCrop`: crops a random window of the target size while training."""

import random

from cornu.layers.preprocessing import image_utils
from cornu.layers.preprocessing.base_augmentation import BaseRandomImageLayer
from cornu.utils import bounding_boxes as bbox
from cornu.utils.bounding_boxes.converters import to_tensor


class RandomCrop(BaseRandomImageLayer):
    """Crops `(height, width)` windows: at a random place while training, centred otherwise.

    While training, when the images are larger than the target on both sides, one random
    window position is drawn per call and used for every image of the batch (as Keras
    does). Otherwise (at inference, or images not larger than the target) the images are
    center-cropped to the largest window of the target's aspect ratio, then resized
    (bilinear) to `(height, width)`. Outputs are in the layer's compute dtype.

    Keras 3 documents this behaviour, but Keras 3.15 differs from it in two places: at
    inference its RandomCrop returns the input unchanged (keras-team/keras#21868), unlike
    its declared output shape, and for images not larger than the target it slices a
    target-sized window from the corner of the aspect-ratio window before resizing. cornu
    follows the documentation in both, so `predict` outputs have the layer's output shape
    and are the images' largest centred window of the target's aspect ratio, resized.

    Bounding boxes (dict inputs, with `bounding_box_format`) move with the window and are
    clipped to it; boxes left with no area get label -1. (Keras 3.15 shifts x by the
    window's top and y by its left, and does not clip.)

    Args:
        height: int, the output height.
        width: int, the output width.
        seed: optional int for a reproducible sequence of crops. When None, a random int
            is chosen and written to the config (as Keras does); this layer still draws
            from torch's global generator until it is re-created from that config.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        **kwargs: base layer keyword arguments, such as `name`, `dtype` and
            `bounding_box_format`.
    """

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        image_utils.check_size(self._label, height, width)
        self.height = height
        self.width = width
        if seed is None:
            self.seed = random.randint(1, int(1e9))

    def _random_window(self, in_h, in_w, training):
        return training and in_h > self.height and in_w > self.width

    def get_random_transformation(self, data, training=True, seed=None):
        """`{"h_start", "w_start", "input_shape"}`: the top-left corner of the window: a
        random one while training, else that of the centred aspect-ratio window."""
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(images.shape)
        in_h, in_w = self._image_hw(shape)
        if self._random_window(in_h, in_w, training):
            with self._seeded(seed):
                top = self._randint(in_h - self.height + 1)
                left = self._randint(in_w - self.width + 1)
        else:
            top, left, _, _ = self._aspect_window(in_h, in_w)
        return {"h_start": top, "w_start": left, "input_shape": shape}

    def _aspect_window(self, in_h, in_w):
        """`(top, left, height, width)` of the largest centred window of the target's aspect
        ratio (as `image_utils.crop_to_aspect_ratio`)."""
        crop_h = max(min(in_h, int(float(in_w * self.height) / self.width)), 1)
        crop_w = max(min(in_w, int(float(in_h * self.width) / self.height)), 1)
        return int(float(in_h - crop_h) / 2), int(float(in_w - crop_w) / 2), crop_h, crop_w

    def transform_images(self, images, transformation=None, training=True):
        x, unbatched = image_utils.to_nchw(to_tensor(images).to(self._compute_torch_dtype),
                                           self.data_format)
        in_h, in_w = x.shape[-2], x.shape[-1]
        if self._random_window(in_h, in_w, training):
            if transformation is None:
                transformation = self.get_random_transformation(images, training=training)
            top, left = transformation["h_start"], transformation["w_start"]
            x = x[:, :, top:top + self.height, left:left + self.width]
        else:
            x = image_utils.crop_to_aspect_ratio(x, self.height, self.width)
            if tuple(x.shape[-2:]) != (self.height, self.width):
                resized = image_utils.resize(image_utils.as_resizable(x), self.height,
                                             self.width)
                x = resized.to(x.dtype)
        return image_utils.from_nchw(x, self.data_format, unbatched)

    def transform_segmentation_masks(self, segmentation_masks, transformation=None,
                                     training=True):
        return self.transform_images(segmentation_masks, transformation, training=training)

    def transform_bounding_boxes(self, bounding_boxes, transformation=None, training=True):
        boxes, in_h, in_w = self._boxes_in(bounding_boxes, transformation)
        if self._random_window(in_h, in_w, training):
            boxes["boxes"] = bbox.crop(boxes["boxes"], transformation["h_start"],
                                       transformation["w_start"], self.height, self.width)
        else:
            top, left, crop_h, crop_w = self._aspect_window(in_h, in_w)
            boxes["boxes"] = image_utils.clip_boxes_to_window(boxes["boxes"], top, left, crop_h, crop_w)
            boxes = bbox.convert_format(boxes, "xyxy", "rel_xyxy", height=crop_h, width=crop_w)
            boxes = bbox.convert_format(boxes, "rel_xyxy", "xyxy", height=self.height,
                                        width=self.width)
        boxes = bbox.clip_to_image_size(boxes, height=self.height, width=self.width,
                                        bounding_box_format="xyxy")
        return self._boxes_out(boxes, self.height, self.width)

    def compute_output_shape(self, input_shape):
        image_utils.check_rank(self._label, input_shape)
        return image_utils.spatial_output_shape(input_shape, self.height, self.width,
                                                self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "seed": self.seed})
        return config
