"""`Resizing`: resizes images to a target height and width."""

from cornu.backend.config import standardize_data_format
from cornu.layers.layer import Layer
from cornu.layers.preprocessing import image_utils


class Resizing(Layer):
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
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(**kwargs)
        name = f"Resizing '{self.name}'"
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
        self.data_format = standardize_data_format(data_format)

    def call(self, inputs):
        image_utils.check_rank(f"Resizing '{self.name}'", inputs.shape)
        dtype = inputs.dtype
        x, unbatched = image_utils.to_nchw(inputs, self.data_format)
        x = image_utils.as_resizable(x)
        if self.crop_to_aspect_ratio:
            x = image_utils.crop_to_aspect_ratio(x, self.height, self.width)
        elif self.pad_to_aspect_ratio:
            x = image_utils.pad_to_aspect_ratio(x, self.height, self.width, self.fill_value)
        x = image_utils.resize(x, self.height, self.width, self.interpolation, self.antialias)
        x = image_utils.from_nchw(x, self.data_format, unbatched)
        if x.dtype == dtype:
            return x
        if dtype.is_floating_point:
            return x.to(dtype)
        return image_utils.saturate_cast(x, dtype)

    def compute_output_shape(self, input_shape):
        image_utils.check_rank(f"Resizing '{self.name}'", input_shape)
        return image_utils.spatial_output_shape(input_shape, self.height, self.width,
                                                self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({
            "data_format": self.data_format,
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
