"""`RandomPerspective`: moves each image's corners at random and warps it to match."""

import torch

from cornu.layers.preprocessing import image_utils
from cornu.layers.preprocessing.base_augmentation import (BaseRandomImageLayer, base_factor,
                                                          check_number, check_option,
                                                          is_number)
from cornu.ops.image_extra import perspective_transform


class RandomPerspective(BaseRandomImageLayer):
    """Applies a random perspective warp to each image while training.

    Each image is warped with probability `p` drawn in `factor`'s range. Its corners
    `(0, 0)`, `(W-1, 0)`, `(0, H-1)`, `(W-1, H-1)` move to `corner * (1 + d)` with each
    coordinate's `d` drawn in `[-scale / 2, scale / 2]`, and the image follows that
    perspective transform (points from outside the image get `fill_value`). Images pass
    through unchanged (in the layer's compute dtype) at inference.

    Args:
        factor: the probability range of warping an image: a number `f` in `[0, 1]` draws
            the probability in `[0, f]`, a pair in `[low, high]`. `factor=(1.0, 1.0)` warps
            every image.
        scale: a number in `[0, 1]`, the strength of the corner moves.
        interpolation: "bilinear" or "nearest".
        fill_value: the value of points from outside the image.
        seed: optional int for a reproducible sequence of warps.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0,
                 seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = base_factor(self._label, factor, (0, 1))
        if not is_number(scale) or not 0.0 <= scale <= 1.0:
            raise ValueError(f"{self._label}: `scale` must be a number in the range [0, 1]. "
                             f"Received: scale={scale!r}")
        check_option(self._label, "interpolation", interpolation, ("nearest", "bilinear"))
        check_number(self._label, "fill_value", fill_value)
        self.scale = scale
        self.interpolation = interpolation
        self.fill_value = fill_value

    def _random_transformation(self, n, height, width, device):
        """Keras's transformation: `apply_perspective` (n,), `start_points`, `end_points`."""
        probability = self._uniform((n,), *self.factor, device)
        apply = self._uniform((n,), 0.0, 1.0, device) < probability
        moves = self._uniform((n, 4, 2), -0.5 * self.scale, 0.5 * self.scale, device)
        start = torch.tensor([[0.0, 0.0], [width - 1, 0.0], [0.0, height - 1],
                              [width - 1, height - 1]], device=device).expand(n, 4, 2)
        return {"apply_perspective": apply, "start_points": start,
                "end_points": start + start * moves}

    def _warp(self, images, transformation):
        """Applies `transformation` (as `_random_transformation` gives it) to `images`."""
        x, unbatched = image_utils.to_nchw(images, self.data_format)
        out = perspective_transform(x, transformation["start_points"].to(x.dtype),
                                    transformation["end_points"].to(x.dtype),
                                    self.interpolation, self.fill_value, "channels_first")
        out = torch.where(transformation["apply_perspective"][:, None, None, None], out, x)
        return image_utils.from_nchw(out, self.data_format, unbatched)

    def call(self, inputs, training=True):
        self._check_images(inputs)
        images = inputs.to(self._compute_torch_dtype)
        if not training:
            return images
        h_axis = -3 if self.data_format == "channels_last" else -2
        n = 1 if images.ndim == 3 else images.shape[0]
        transformation = self._random_transformation(n, images.shape[h_axis],
                                                     images.shape[h_axis + 1], images.device)
        return self._warp(images, transformation)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale,
                       "interpolation": self.interpolation, "fill_value": self.fill_value,
                       "seed": self.seed})
        return config
