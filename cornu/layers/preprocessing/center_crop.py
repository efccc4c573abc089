"""`CenterCrop`: crops the central part of images."""

from cornu.layers.preprocessing import image_utils
from cornu.layers.preprocessing.base_augmentation import BaseRandomImageLayer
from cornu.utils import bounding_boxes as bbox
from cornu.utils.bounding_boxes.converters import to_tensor


class CenterCrop(BaseRandomImageLayer):
    """Crops the central `(height, width)` window of a batch of images (or one image).

    Images smaller than the target on some side are instead center-cropped to the target
    aspect ratio and resized (bilinear), as Keras does. Outputs are in the layer's compute
    dtype.

    Args:
        height: int, the output height.
        width: int, the output width.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        **kwargs: base layer keyword arguments, such as `name`, `dtype` and
            `bounding_box_format` (for dict inputs with bounding boxes).
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        image_utils.check_size(self._label, height, width)
        self.height = height
        self.width = width

    def get_random_transformation(self, data, training=True, seed=None):
        images = data["images"] if isinstance(data, dict) else data
        return {"input_shape": tuple(images.shape)}

    def transform_images(self, images, transformation=None, training=True):
        x, unbatched = image_utils.to_nchw(to_tensor(images).to(self._compute_torch_dtype),
                                           self.data_format)
        in_h, in_w = x.shape[-2], x.shape[-1]
        if in_h >= self.height and in_w >= self.width:
            top, left = (in_h - self.height) // 2, (in_w - self.width) // 2
            x = x[:, :, top:top + self.height, left:left + self.width]
        else:
            x = image_utils.crop_to_aspect_ratio(x, self.height, self.width)
            resized = image_utils.resize(image_utils.as_resizable(x), self.height, self.width)
            x = resized.to(x.dtype)
        return image_utils.from_nchw(x, self.data_format, unbatched)

    def transform_segmentation_masks(self, segmentation_masks, transformation=None,
                                     training=True):
        return self.transform_images(segmentation_masks, transformation, training=training)

    def transform_bounding_boxes(self, bounding_boxes, transformation=None, training=True):
        boxes, height, width = self._boxes_in(bounding_boxes, transformation)
        if height >= self.height and width >= self.width:
            top, left = int((height - self.height) / 2), int((width - self.width) / 2)
            boxes["boxes"] = image_utils.clip_boxes_to_window(boxes["boxes"], top, left, self.height,
                                             self.width)
        else:
            # The largest centred window of the target's aspect ratio, resized.
            crop_h = max(min(height, int(float(width * self.height) / self.width)), 1)
            crop_w = max(min(width, int(float(height * self.width) / self.height)), 1)
            top, left = int(float(height - crop_h) / 2), int(float(width - crop_w) / 2)
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
        config.update({"height": self.height, "width": self.width})
        return config

