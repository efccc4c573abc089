"""`Resizing`: resizes images to a target height and width."""

import torch

from cornu.layers.preprocessing import image_utils
from cornu.layers.preprocessing.base_augmentation import BaseRandomImageLayer
from cornu.utils import bounding_boxes as bbox
from cornu.utils.bounding_boxes.converters import to_tensor


class Resizing(BaseRandomImageLayer):
    """Resizes a batch of images (or one image) to `(height, width)`.

    Float inputs come out in the layer's compute dtype; integer images are resized in
    float32, then rounded and clamped back to their dtype, as in Keras.

    Args:
        height: int, the output height.
        width: int, the output width.
        interpolation: "bilinear", "nearest", "bicubic" or "area" (the interpolations
            `torch.nn.functional.interpolate` offers; Keras's "lanczos3" / "lanczos5" are
            not available on PyTorch).
        crop_to_aspect_ratio: if True, first center-crop the images to the target aspect
            ratio, so they are not distorted.
        pad_to_aspect_ratio: if True, first pad the images evenly with `fill_value` to the
            target aspect ratio, so they are not distorted.
        fill_mode: how padding is filled; only "constant" is supported.
        fill_value: the value of the padding when `pad_to_aspect_ratio=True`.
        antialias: whether to use an antialiasing filter when downsampling (bilinear and
            bicubic only).
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        **kwargs: base layer keyword arguments, such as `name`, `dtype` and
            `bounding_box_format` (for dict inputs with bounding boxes; all-0 and all-(-1)
            boxes are padding and stay all-0, as in Keras).
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        name = self._label
        image_utils.check_size(name, height, width)
        if interpolation not in image_utils.INTERPOLATIONS:
            raise ValueError(f"{name}: `interpolation` must be one of "
                             f"{sorted(image_utils.INTERPOLATIONS)}. "
                             f"Received: interpolation={interpolation!r}")
        if fill_mode != "constant":
            raise ValueError(f"{name}: only fill_mode='constant' is supported. "
                             f"Received: fill_mode={fill_mode!r}")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(f"{name}: only one of `crop_to_aspect_ratio` and "
                             "`pad_to_aspect_ratio` can be True.")
        self.height = height
        self.width = width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def get_random_transformation(self, data, training=True, seed=None):
        """`(input_height, input_width)`, as Keras's."""
        images = data["images"] if isinstance(data, dict) else data
        return self._image_hw(tuple(images.shape))

    def transform_images(self, images, transformation=None, training=True):
        return self._resize(to_tensor(images), self.interpolation)

    def transform_segmentation_masks(self, segmentation_masks, transformation=None,
                                     training=True):
        return self._resize(to_tensor(segmentation_masks), "nearest")

    def _resize(self, inputs, interpolation):
        dtype = inputs.dtype
        x, unbatched = image_utils.to_nchw(inputs, self.data_format)
        x = image_utils.as_resizable(x)
        if self.crop_to_aspect_ratio:
            x = image_utils.crop_to_aspect_ratio(x, self.height, self.width)
        elif self.pad_to_aspect_ratio:
            x = image_utils.pad_to_aspect_ratio(x, self.height, self.width, self.fill_value)
        x = image_utils.resize(x, self.height, self.width, interpolation, self.antialias)
        x = image_utils.from_nchw(x, self.data_format, unbatched)
        if x.dtype == dtype:
            return x
        if dtype.is_floating_point:
            return x.to(dtype)
        return image_utils.saturate_cast(x, dtype)

    def transform_bounding_boxes(self, bounding_boxes, transformation=None, training=True):
        in_h, in_w = transformation
        b = to_tensor(bounding_boxes["boxes"])
        padding = torch.all(b == -1, dim=-1) | torch.all(b == 0, dim=-1)
        boxes = bbox.convert_format(dict(bounding_boxes), self.bounding_box_format, "xyxy",
                                    height=in_h, width=in_w)
        boxes["boxes"] = self._resize_xyxy(boxes["boxes"], in_h, in_w)
        boxes = bbox.clip_to_image_size(boxes, height=self.height, width=self.width)
        boxes["boxes"] = torch.where(padding.unsqueeze(-1).to(boxes["boxes"].device),
                                     torch.zeros(4, dtype=boxes["boxes"].dtype,
                                                 device=boxes["boxes"].device),
                                     boxes["boxes"])
        return self._boxes_out(boxes, self.height, self.width)

    def _resize_xyxy(self, boxes, in_h, in_w):
        """xyxy boxes of an `(in_h, in_w)` image moved as its pixels are (Keras's formulas)."""
        dtype = boxes.dtype
        h_in = torch.tensor(in_h, dtype=dtype)
        w_in = torch.tensor(in_w, dtype=dtype)
        off_x = off_y = None
        if self.crop_to_aspect_ratio:
            source_ratio = w_in / h_in
            wider = source_ratio > self.width / self.height
            new_w = torch.where(wider, self.height * source_ratio,
                                torch.tensor(self.width, dtype=dtype))
            new_h = torch.where(wider, torch.tensor(self.height, dtype=dtype),
                                self.width / source_ratio)
            scale_x, scale_y = new_w / w_in, new_h / h_in
            off_x = -((new_w - self.width) // 2)
            off_y = -((new_h - self.height) // 2)
        else:
            scale_y = (self.height / h_in).to(dtype)
            scale_x = (self.width / w_in).to(dtype)
            if self.pad_to_aspect_ratio:
                scale_x = scale_y = torch.minimum(scale_y, scale_x)
                off_y = (self.height - h_in * scale_y) // 2
                off_x = (self.width - w_in * scale_x) // 2
        scale_x, scale_y = scale_x.to(boxes.device), scale_y.to(boxes.device)
        x1, y1, x2, y2 = (boxes[..., k] for k in range(4))
        if off_x is None:
            return torch.stack([x1 * scale_x, y1 * scale_y, x2 * scale_x, y2 * scale_y], dim=-1)
        off_x, off_y = off_x.to(boxes.device), off_y.to(boxes.device)
        return torch.stack([x1 * scale_x + off_x, y1 * scale_y + off_y,
                            x2 * scale_x + off_x, y2 * scale_y + off_y], dim=-1)

    def compute_output_shape(self, input_shape):
        image_utils.check_rank(self._label, input_shape)
        return image_utils.spatial_output_shape(input_shape, self.height, self.width,
                                                self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({
            "height": self.height,
            "width": self.width,
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "antialias": self.antialias,
        })
        return config
