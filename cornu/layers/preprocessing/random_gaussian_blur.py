"""`RandomGaussianBlur`: blurs images with a random Gaussian while training."""

import torch

from cornu.layers.preprocessing import image_utils
from cornu.layers.preprocessing.base_augmentation import (BaseRandomImageLayer, base_factor,
                                                          check_value_range, is_number)


def unit_range(layer_name, value, arg):
    """`(lower, upper)` of a range argument in `[0, 1]`, read as Keras reads `factor`."""
    if not isinstance(value, (tuple, list)) or len(value) == 2:
        try:
            return base_factor(layer_name, value, (0, 1))
        except ValueError:
            pass
    raise ValueError(f"{layer_name}: `{arg}` must be a number, or a list/tuple of two numbers, "
                     f"in the range [0, 1]. Received: {arg}={value!r}")
from cornu.ops.image_extra import gaussian_blur


def _kernel_size(layer_name, kernel_size):
    if isinstance(kernel_size, (tuple, list)):
        if len(kernel_size) != 2 or not all(is_number(k) for k in kernel_size):
            raise ValueError(f"{layer_name}: `kernel_size` must be a number or a list of two "
                             f"numbers. Received: kernel_size={kernel_size!r}")
        sizes = tuple(kernel_size)
    elif is_number(kernel_size):
        sizes = (kernel_size, kernel_size)
    else:
        raise ValueError(f"{layer_name}: `kernel_size` must be an odd number. Received: "
                         f"kernel_size={kernel_size!r}")
    if any(k % 2 == 0 or k < 1 for k in sizes):
        raise ValueError(f"{layer_name}: `kernel_size` must be an odd number. Received: "
                         f"kernel_size={kernel_size!r}")
    return sizes


class RandomGaussianBlur(BaseRandomImageLayer):
    """Blurs images with a Gaussian kernel of random standard deviation while training.

    Each image is blurred with probability `p` drawn in `factor`'s range. Per call, two
    standard deviations (height, width) are drawn in `sigma`'s range; the blurred images are
    clipped to `value_range`. Images pass through unchanged (in the layer's compute dtype)
    at inference.

    Args:
        factor: the probability range of blurring an image: a number `f` in `[0, 1]` draws
            the probability in `[0, f]`, a pair in `[low, high]`. `factor=(1.0, 1.0)` blurs
            every image.
        kernel_size: an odd int or a pair of odd ints, the kernel's height and width.
        sigma: the range of the standard deviations: a number `s` in `[0, 1]` draws in
            `[0, s]`, a pair in `[low, high]`.
        value_range: `(low, high)`, the range of the pixel values.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        seed: optional int for a reproducible sequence of blurs.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    _PIXEL_VALUES_ONLY = True

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255),
                 data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = base_factor(self._label, factor, (0, 1))
        self.kernel_size = _kernel_size(self._label, kernel_size)
        self.sigma = unit_range(self._label, sigma, "sigma")
        check_value_range(self._label, value_range)
        self.value_range = tuple(value_range)

    def transform_images(self, inputs, transformation=None, training=True):
        images = inputs.to(self._compute_torch_dtype)
        if not training:
            return images
        n = 1 if images.ndim == 3 else images.shape[0]
        probability = self._uniform((n,), *self.factor, images.device)
        apply = self._uniform((n,), 0.0, 1.0, images.device) < probability
        sigma = self._uniform((2,), *self.sigma, images.device) + 1e-6
        x, unbatched = image_utils.to_nchw(images, self.data_format)
        blurred = gaussian_blur(x, self.kernel_size, tuple(sigma.tolist()), "channels_first")
        out = torch.where(apply[:, None, None, None], blurred, x)
        out = out.clamp(self.value_range[0], self.value_range[1])
        return image_utils.from_nchw(out, self.data_format, unbatched)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "kernel_size": self.kernel_size,
                       "sigma": self.sigma, "value_range": self.value_range, "seed": self.seed})
        return config
