"""What the random image augmentation layers share: seeds, factor ranges, checks.

The layers act when called with `training=True` (inside `fit`, or when called directly
without `training`, Keras's default for these layers) and pass images through unchanged at
inference (`predict`, `evaluate`, `training=False`).
"""

import contextlib
import numbers

import torch

from cornu.backend.config import standardize_data_format
from cornu.layers.layer import Layer
from cornu.layers.preprocessing import affine_transform, image_utils
from cornu.utils.bounding_boxes.converters import convert_format, to_tensor
from cornu.utils.bounding_boxes.validation import densify_bounding_boxes


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
        bounding_box_format: the format of the boxes of dict inputs (see
            `cornu.utils.bounding_boxes.convert_format`), e.g. `"xyxy"`; required when the
            layer is called with bounding boxes.

    Called on a dict `{"images": ..., "bounding_boxes": {"boxes": ..., "labels": ...},
    "labels": ..., "segmentation_masks": ...}` (all but "images" optional), the layer draws
    one transformation (`get_random_transformation`) and applies it to each entry through
    `transform_images`, `transform_bounding_boxes`, `transform_labels` and
    `transform_segmentation_masks`, as Keras's image preprocessing layers do. Layers that
    only change pixel values set `_PIXEL_VALUES_ONLY` and pass boxes and masks through.
    """

    # True for layers that change pixel values only (colour layers): boxes, labels and
    # segmentation masks pass through them unchanged.
    _PIXEL_VALUES_ONLY = False

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

    @contextlib.contextmanager
    def _seeded(self, seed):
        """Draws inside come from a generator seeded by `seed` (an int), when given."""
        if seed is None:
            yield
            return
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ValueError(f"{self._label}: `seed` must be an int or None. "
                             f"Received: seed={seed!r}")
        saved, self._generator = self._generator, torch.Generator().manual_seed(seed)
        try:
            yield
        finally:
            self._generator = saved

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

    def _image_hw(self, shape):
        """`(height, width)` of an images shape (batched or not) in the layer's format."""
        if self.data_format == "channels_first":
            return shape[-2], shape[-1]
        return shape[-3], shape[-2]

    def _boxes_in(self, bounding_boxes, transformation, target="xyxy"):
        """The boxes converted from the layer's format to `target` on the input images,
        with those images' height and width."""
        height, width = self._image_hw(transformation["input_shape"])
        return (convert_format(dict(bounding_boxes), self.bounding_box_format, target,
                               height=height, width=width), height, width)

    def _boxes_out(self, boxes, height, width, source="xyxy"):
        """The boxes converted from `source` back to the layer's format on images of
        `height` x `width`."""
        return convert_format(boxes, source, self.bounding_box_format, height=height,
                              width=width)

    # ------------------------------------------------------------- Keras's hooks

    def call(self, inputs, training=True):
        if isinstance(inputs, dict):
            return self._call_dict(inputs, training)
        self._check_images(inputs)
        transformation = self.get_random_transformation(inputs, training=training)
        return self.transform_images(inputs, transformation, training=training)

    def get_random_transformation(self, data, training=True, seed=None):
        """The random draws for one call on `data` (images or a dict); None by default.

        `seed`, an int, draws from a generator seeded by it instead of the layer's own.
        """
        return None

    def transform_images(self, images, transformation=None, training=True):
        raise NotImplementedError(f"{self._label}: `transform_images` is not implemented.")

    def transform_labels(self, labels, transformation=None, training=True):
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation=None, training=True):
        """Boxes of shape `(batch, N, 4)` in `bounding_box_format`, moved as the images."""
        if self._PIXEL_VALUES_ONLY:
            return bounding_boxes
        raise NotImplementedError(f"{self._label}: bounding boxes are not supported by "
                                  f"{type(self).__name__}.")

    def transform_segmentation_masks(self, segmentation_masks, transformation=None,
                                     training=True):
        if self._PIXEL_VALUES_ONLY:
            return segmentation_masks
        raise NotImplementedError(f"{self._label}: segmentation masks are not supported by "
                                  f"{type(self).__name__}.")

    def _call_dict(self, data, training):
        if "images" not in data:
            raise ValueError(f"{self._label}: dict inputs need an 'images' entry. Received "
                             f"keys: {sorted(data)}")
        images = to_tensor(data["images"])
        self._check_images(images)
        batched = images.dim() == 4
        transformation = self.get_random_transformation(data, training=training)
        outputs = dict(data)
        outputs["images"] = self.transform_images(images, transformation, training=training)
        if "bounding_boxes" in data:
            if not self.bounding_box_format:
                raise ValueError(
                    "You passed an input with a 'bounding_boxes' key, but you didn't specify "
                    "a bounding box format. Pass a `bounding_box_format` argument to your "
                    f"{type(self).__name__} layer, e.g. `bounding_box_format='xyxy'`.")
            boxes = densify_bounding_boxes(data["bounding_boxes"], batched,
                                           device=images.device)
            if not batched:
                boxes = {k: (v.unsqueeze(0) if k in ("boxes", "labels") else v)
                         for k, v in boxes.items()}
            boxes = self.transform_bounding_boxes(boxes, transformation, training=training)
            if not batched:
                boxes = {k: (v.squeeze(0) if k in ("boxes", "labels") else v)
                         for k, v in boxes.items()}
            outputs["bounding_boxes"] = boxes
        if "labels" in data:
            outputs["labels"] = self.transform_labels(to_tensor(data["labels"]),
                                                      transformation, training=training)
        if "segmentation_masks" in data:
            outputs["segmentation_masks"] = self.transform_segmentation_masks(
                to_tensor(data["segmentation_masks"]), transformation, training=training)
        return outputs

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


class BaseColorFactorLayer(BaseRandomImageLayer):
    """A colour layer set by Keras's `factor` (within `_FACTOR_BOUNDS`), `value_range`,
    `data_format` and `seed`; it changes pixel values only.

    Args:
        factor: a number or a `(low, high)` pair, read as Keras reads it.
        value_range: `(low, high)`, the range of the input values.
        data_format: "channels_last" or "channels_first".
        seed: optional int for a reproducible sequence of draws.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    _PIXEL_VALUES_ONLY = True
    _FACTOR_BOUNDS = (-1, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = base_factor(self._label, factor, self._FACTOR_BOUNDS)
        check_value_range(self._label, value_range)
        self.value_range = sorted(value_range)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": self.value_range,
                       "seed": self.seed})
        return config


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

    def _draw(self, n, height, width, device):
        """The transformation dict (Keras's keys) for `n` images of `(height, width)`."""
        raise NotImplementedError

    def _transforms(self, transformation, height, width):
        """`(n, 6)` float32 transforms (see `affine_transform`) for a transformation."""
        raise NotImplementedError

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(images.shape)
        n = shape[0] if len(shape) == 4 else 1
        height, width = self._image_hw(shape)
        device = images.device if isinstance(images, torch.Tensor) else None
        with self._seeded(seed):
            return self._draw(n, height, width, device)

    def _warp(self, images, transformation, interpolation):
        x, unbatched = image_utils.to_nchw(images, self.data_format)
        transforms = self._transforms(transformation, x.shape[-2], x.shape[-1])
        x = affine_transform.affine_transform(x, transforms, interpolation, self.fill_mode,
                                              self.fill_value)
        return image_utils.from_nchw(x, self.data_format, unbatched)

    def transform_images(self, images, transformation=None, training=True):
        images = to_tensor(images).to(self._compute_torch_dtype)
        if not training or transformation is None:
            return images
        return self._warp(images, transformation, self.interpolation)

    def transform_segmentation_masks(self, segmentation_masks, transformation=None,
                                     training=True):
        if not training or transformation is None:
            return segmentation_masks
        return self._warp(segmentation_masks, transformation, "nearest")

    def get_config(self):
        config = super().get_config()
        config.update({"fill_mode": self.fill_mode, "interpolation": self.interpolation,
                       "seed": self.seed, "fill_value": self.fill_value})
        return config
