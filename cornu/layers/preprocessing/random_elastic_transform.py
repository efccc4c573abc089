"""`RandomElasticTransform`: deforms images with a random smooth displacement field."""

import torch

from cornu.layers.preprocessing import image_utils
from cornu.layers.preprocessing.base_augmentation import (BaseRandomImageLayer, base_factor,
                                                          check_number, check_option,
                                                          check_value_range)
from cornu.layers.preprocessing.random_gaussian_blur import unit_range
from cornu.ops.image_extra import _elastic_warp

_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


class RandomElasticTransform(BaseRandomImageLayer):
    """Applies a random elastic deformation to images while training.

    Each image is deformed with probability `p` drawn in `factor`'s range. Per call, a
    distortion `d` is drawn in `scale`'s range; pixels move by `alpha = 0.1 * d * max(H, W)`
    times a standard normal field smoothed by a Gaussian of `sigma = 0.05 * d * min(H, W)`
    (see `keras.ops.image.elastic_transform`), and the results are clipped to `value_range`.
    Images pass through unchanged (in the layer's compute dtype) at inference.

    Args:
        factor: the probability range of deforming an image: a number `f` in `[0, 1]` draws
            the probability in `[0, f]`, a pair in `[low, high]`.
        scale: the range of the distortion strength: a number `s` in `[0, 1]` draws in
            `[0, s]`, a pair in `[low, high]`.
        interpolation: "bilinear" or "nearest".
        fill_mode: how points outside the image are filled: "reflect", "mirror", "wrap",
            "constant" or "nearest".
        fill_value: the value of points outside the image when `fill_mode="constant"`.
        value_range: `(low, high)`, the range of the pixel values.
        seed: optional int for a reproducible sequence of deformations.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = base_factor(self._label, factor, (0, 1))
        self.scale = unit_range(self._label, scale, "scale")
        check_option(self._label, "interpolation", interpolation, ("nearest", "bilinear"))
        check_option(self._label, "fill_mode", fill_mode, _FILL_MODES)
        check_number(self._label, "fill_value", fill_value)
        check_value_range(self._label, value_range)
        self.interpolation = interpolation
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.value_range = tuple(value_range)

    def _normal(self, shape, device):
        if self._generator is None:
            return torch.randn(shape, device=device)
        return torch.randn(shape, generator=self._generator).to(device)

    def _deform(self, images, apply, distortion, noise):
        """Deforms `images` where `apply` (n,), with distortion `distortion` and the standard
        normal draws `noise` of shape (2, n, H, W) (x displacements, then y)."""
        x, unbatched = image_utils.to_nchw(images, self.data_format)
        height, width = x.shape[-2:]
        alpha = max(height, width) * 0.1 * distortion
        sigma = min(height, width) * 0.05 * distortion
        out = _elastic_warp(x, noise, alpha, sigma, self.interpolation, self.fill_mode,
                            self.fill_value, "channels_first")
        out = torch.where(apply[:, None, None, None], out, x)
        out = out.clamp(self.value_range[0], self.value_range[1])
        return image_utils.from_nchw(out, self.data_format, unbatched)

    def call(self, inputs, training=True):
        self._check_images(inputs)
        images = inputs.to(self._compute_torch_dtype)
        if not training or self.scale[1] == 0 or self.factor[1] == 0:
            return images
        n = 1 if images.ndim == 3 else images.shape[0]
        h_axis = -3 if self.data_format == "channels_last" else -2
        probability = self._uniform((n,), *self.factor, images.device)
        apply = self._uniform((n,), 0.0, 1.0, images.device) < probability
        distortion = float(self._uniform((), *self.scale, images.device))
        noise = self._normal((2, n, images.shape[h_axis], images.shape[h_axis + 1]),
                             images.device)
        return self._deform(images, apply, distortion, noise)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale,
                       "interpolation": self.interpolation, "fill_mode": self.fill_mode,
                       "fill_value": self.fill_value, "value_range": self.value_range,
                       "seed": self.seed})
        return config
