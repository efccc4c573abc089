"""`MaxNumBoundingBoxes`: pads or cuts bounding boxes to a fixed number per image."""

import torch.nn.functional as F

from cornu.layers.preprocessing.base_augmentation import BaseRandomImageLayer


class MaxNumBoundingBoxes(BaseRandomImageLayer):
    """Gives every image exactly `max_number` bounding boxes.

    Called on a dict `{"images": ..., "bounding_boxes": {"boxes": ..., "labels": ...}}`,
    the first `max_number` boxes and labels of each image are kept and missing ones are
    filled with `fill_value` (boxes and labels alike). Images, labels and segmentation masks
    pass through unchanged.

    Args:
        max_number: the number of boxes per image in the output.
        fill_value: the value of padded boxes and labels. Defaults to -1.
        **kwargs: base layer keyword arguments, such as `name`, `dtype` and
            `bounding_box_format`.
    """

    def __init__(self, max_number, fill_value=-1, **kwargs):
        super().__init__(**kwargs)
        self.max_number = int(max_number)
        self.fill_value = int(fill_value)

    def transform_images(self, images, transformation=None, training=True):
        return images

    def transform_segmentation_masks(self, segmentation_masks, transformation=None,
                                     training=True):
        return segmentation_masks

    def transform_bounding_boxes(self, bounding_boxes, transformation=None, training=True):
        boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
        pad = max(self.max_number - boxes.shape[1], 0)
        boxes = F.pad(boxes[:, :self.max_number], (0, 0, 0, pad), value=self.fill_value)
        labels = labels[:, :self.max_number]
        labels = F.pad(labels, (0, 0) * (labels.dim() - 2) + (0, pad), value=self.fill_value)
        result = dict(bounding_boxes)
        result["boxes"], result["labels"] = boxes, labels
        return result

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict) and "bounding_boxes" in input_shape:
            extra = set(input_shape["bounding_boxes"]) - {"boxes", "labels"}
            if extra:
                raise KeyError(f"There are unsupported keys in `bounding_boxes`: "
                               f"{sorted(extra)}. Only `boxes` and `labels` are supported.")
            output = dict(input_shape)
            boxes = list(input_shape["bounding_boxes"]["boxes"])
            labels = list(input_shape["bounding_boxes"]["labels"])
            boxes[1] = labels[1] = self.max_number
            output["bounding_boxes"] = {"boxes": tuple(boxes), "labels": tuple(labels)}
            return output
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"max_number": self.max_number, "fill_value": self.fill_value})
        return config


