"""`CenterCrop`: crops the central part of images."""

from cornu.backend.config import standardize_data_format
from cornu.layers.layer import Layer
from cornu.layers.preprocessing import image_utils


class CenterCrop(Layer):
    """Crops the central `(height, width)` window of a batch of images (or one image).

    Images smaller than the target on some side are instead center-cropped to the target
    aspect ratio and resized (bilinear), as Keras does. Outputs are in the layer's compute
    dtype.

    Args:
        height: int, the output height.
        width: int, the output width.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(**kwargs)
        image_utils.check_size(f"CenterCrop '{self.name}'", height, width)
        self.height = height
        self.width = width
        self.data_format = standardize_data_format(data_format)

    def call(self, inputs):
        image_utils.check_rank(f"CenterCrop '{self.name}'", inputs.shape)
        x, unbatched = image_utils.to_nchw(inputs.to(self._compute_torch_dtype),
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

    def compute_output_shape(self, input_shape):
        image_utils.check_rank(f"CenterCrop '{self.name}'", input_shape)
        return image_utils.spatial_output_shape(input_shape, self.height, self.width,
                                                self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "height": self.height,
                       "width": self.width})
        return config
