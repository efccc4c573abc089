"""What the random image augmentation layers share: seeds, factor ranges, checks.

The layers act when called with `training=True` (inside `fit`, or when called directly
without `training`, Keras's default for these layers) and pass images through unchanged at
inference (`predict`, `evaluate`, `training=False`).
"""

import numbers

import torch

from cornu.backend.config import standardize_data_format
from cornu.layers.layer import Layer
from cornu.layers.preprocessing import affine_transform, image_utils


class UnsupportedOptionError(ValueError, NotImplementedError):
    """An unknown `fill_mode` / `interpolation`. Keras raises `NotImplementedError` for these;
    this error is also a `ValueError`, so code catching either works."""


def is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_option(layer_name, arg, value, allowed):
    if value not in allowed:
        raise UnsupportedOptionError(f"{layer_name}: unknown `{arg}` {value!r}. Expected one "
                                     f"of {allowed}. Received: {arg}={value!r}")


def check_number(layer_name, arg, value):
    if not is_number(value):
        raise ValueError(f"{layer_name}: `{arg}` must be a number. Received: {arg}={value!r}")


def check_value_range(layer_name, value_range):
    if (not isinstance(value_range, (tuple, list)) or len(value_range) != 2
            or not all(is_number(v) for v in value_range)):
        raise ValueError(f"{layer_name}: `value_range` must be a list or tuple of two numbers "
                         f"(low, high). Received: value_range={value_range!r}")


class BaseRandomImageLayer(Layer):
    """Base of the random image layers: a seed, a data format, rank checks, uniform draws.

    Args:
        seed: optional int; when given, the layer draws from its own generator, so the same
            seed gives the same sequence of transforms. Otherwise torch's global generator
            (of the images' device) is used.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        bounding_box_format: accepted and kept in the config for Keras compatibility; dict
            inputs with bounding boxes are not supported.
    """

    def __init__(self, seed=None, data_format=None, bounding_box_format=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"{self._label}: `seed` must be an int or None. "
                             f"Received: seed={seed!r}")
        self.seed = seed
        self._generator = None if seed is None else torch.Generator().manual_seed(seed)
        self.data_format = standardize_data_format(data_format)
        self.bounding_box_format = bounding_box_format
        self.built = True

    @property
    def _label(self):
        return f"{type(self).__name__} '{self.name}'"

    # ------------------------------------------------------------------ helpers

    def _check_images(self, images):
        if isinstance(images, dict):
            raise ValueError(f"{self._label}: dict inputs (images with labels, bounding boxes "
                             "or segmentation masks) are not supported; pass the images tensor.")
        image_utils.check_rank(self._label, images.shape)

    def _uniform(self, shape, low, high, device, dtype=torch.float32):
        """Uniform draws in `[low, high)`; exactly `low` when `low == high`."""
        if self._generator is None:
            r = torch.rand(shape, device=device, dtype=dtype)
        else:
            r = torch.rand(shape, generator=self._generator, dtype=dtype).to(device)
        return r * (high - low) + low

    def _randint(self, high):
        """One int in `[0, high)`, drawn on the host (no device synchronization)."""
        return int(torch.randint(0, high, (1,), generator=self._generator))

    def compute_output_shape(self, input_shape):
        image_utils.check_rank(self._label, input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        return config


def base_factor(layer_name, factor, bounds):
    """`(lower, upper)` from a number or a pair, as Keras's image layers read `factor`.

    A number `f` (within `bounds`) gives `(max(-|f|, bounds[0]), |f|)`; a pair is sorted, and
    refused only when it lies entirely outside `bounds`. None means 0.
    """
    factor = factor or 0.0
    lo, hi = bounds
    message = (f"{layer_name}: `factor` must be a number, or a list/tuple of two numbers, in "
               f"the range [{lo}, {hi}]. Received: factor={factor!r}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or not all(is_number(f) for f in factor):
            raise ValueError(message)
        if factor[0] > hi or factor[1] < lo:
            raise ValueError(message)
        lower, upper = sorted(factor)
    elif is_number(factor):
        if factor < lo or factor > hi:
            raise ValueError(message)
        factor = abs(factor)
        lower, upper = max(-factor, lo), factor
    else:
        raise ValueError(message)
    return lower, upper


def axis_factor(layer_name, factor, arg, low_inclusive):
    """`(lower, upper)` for RandomZoom / RandomTranslation's `height_factor` / `width_factor`.

    Each number must lie in `[-1, 1]` (`(-1, 1]` when `low_inclusive` is False); a single
    number `f` gives `(-|f|, |f|)`.
    """
    interval = "[-1.0, 1.0]" if low_inclusive else "(-1.0, 1.0]"

    def fail():
        raise ValueError(f"{layer_name}: `{arg}` must be a number, or a list/tuple of two "
                         f"numbers, in the range {interval}. Received: {arg}={factor!r}")

    def check(value):
        if not is_number(value) or value > 1.0 or value < -1.0 or (
                value == -1.0 and not low_inclusive):
            fail()

    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            fail()
        check(factor[0])
        check(factor[1])
        lower, upper = sorted(factor)
        return lower, upper
    check(factor)
    return -abs(factor), abs(factor)


class BaseAffineLayer(BaseRandomImageLayer):
    """Shared by RandomRotation, RandomZoom and RandomTranslation: one affine map per image."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        check_option(self._label, "fill_mode", fill_mode, affine_transform.FILL_MODES)
        check_option(self._label, "interpolation", interpolation,
                     affine_transform.INTERPOLATIONS)
        check_number(self._label, "fill_value", fill_value)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value

    def _transforms(self, n, height, width, device):
        """`(n, 6)` float32 transforms for `n` images (see `affine_transform`)."""
        raise NotImplementedError

    def call(self, inputs, training=True):
        self._check_images(inputs)
        images = inputs.to(self._compute_torch_dtype)
        if not training:
            return images
        x, unbatched = image_utils.to_nchw(images, self.data_format)
        n, _, height, width = x.shape
        transforms = self._transforms(n, height, width, x.device)
        x = affine_transform.affine_transform(x, transforms, self.interpolation,
                                              self.fill_mode, self.fill_value)
        return image_utils.from_nchw(x, self.data_format, unbatched)

    def get_config(self):
        config = super().get_config()
        config.update({"fill_mode": self.fill_mode, "interpolation": self.interpolation,
                       "seed": self.seed, "fill_value": self.fill_value})
        return config
