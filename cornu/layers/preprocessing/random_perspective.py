"""`RandomPerspective`: moves each image's corners at random and warps it to match."""

import torch

from cornu.layers.preprocessing import image_utils
from cornu.layers.preprocessing.base_augmentation import (BaseRandomImageLayer, base_factor,
                                                          check_number, check_option,
                                                          is_number)
from cornu.ops.image_extra import _homography, perspective_transform
from cornu.utils import bounding_boxes as bbox
from cornu.utils.bounding_boxes.converters import to_tensor


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
        **kwargs: base layer keyword arguments, such as `name`, `dtype` and
            `bounding_box_format` (for dict inputs: each box becomes the box around its
            warped corners, clipped to the image; masks are warped with nearest
            interpolation).
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

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        shape = tuple(images.shape)
        n = 1 if len(shape) == 3 else shape[0]
        height, width = self._image_hw(shape)
        device = images.device if isinstance(images, torch.Tensor) else None
        with self._seeded(seed):
            transformation = self._random_transformation(n, height, width, device)
        transformation["input_shape"] = shape
        return transformation

    def _warp(self, images, transformation, interpolation=None):
        """Applies `transformation` (as `_random_transformation` gives it) to `images`."""
        x, unbatched = image_utils.to_nchw(images, self.data_format)
        out = perspective_transform(x, transformation["start_points"].to(x.dtype),
                                    transformation["end_points"].to(x.dtype),
                                    interpolation or self.interpolation, self.fill_value,
                                    "channels_first")
        apply = transformation["apply_perspective"].to(x.device)
        out = torch.where(apply[:, None, None, None], out, x)
        return image_utils.from_nchw(out, self.data_format, unbatched)

    def transform_images(self, images, transformation=None, training=True):
        images = to_tensor(images).to(self._compute_torch_dtype)
        if not training or transformation is None:
            return images
        return self._warp(images, transformation)

    def transform_segmentation_masks(self, segmentation_masks, transformation=None,
                                     training=True):
        if not training or transformation is None:
            return segmentation_masks
        masks = to_tensor(segmentation_masks)
        return self._warp(masks.to(torch.float32), transformation, "nearest").to(masks.dtype)

    def transform_bounding_boxes(self, bounding_boxes, transformation=None, training=True):
        if not training or transformation is None:
            return bounding_boxes
        boxes, height, width = self._boxes_in(bounding_boxes, transformation)
        b = boxes["boxes"]
        start = transformation["start_points"].to(device=b.device, dtype=torch.float32)
        end = transformation["end_points"].to(device=b.device, dtype=torch.float32)
        # The image transform maps output points to input points; boxes go the other way.
        n = start.shape[0]
        matrix = torch.cat([_homography(start, end), torch.ones(n, 1, device=b.device)], -1)
        inverse = torch.linalg.inv(matrix.reshape(n, 3, 3))
        x0, y0, x1, y1 = torch.split(b, 1, dim=-1)
        xs, ys = [], []
        for x, y in ((x0, y0), (x1, y1), (x0, y1), (x1, y0)):
            points = torch.cat([x, y, torch.ones_like(x)], dim=-1).transpose(-1, -2)
            mapped = torch.matmul(inverse, points).transpose(-1, -2)
            xs.append(mapped[..., 0] / mapped[..., 2])
            ys.append(mapped[..., 1] / mapped[..., 2])
        xs, ys = torch.stack(xs, dim=-1), torch.stack(ys, dim=-1)
        warped = torch.stack([xs.amin(-1), ys.amin(-1), xs.amax(-1), ys.amax(-1)], dim=-1)
        apply = transformation["apply_perspective"].to(b.device)
        boxes["boxes"] = torch.where(apply[:, None, None], warped, b)
        boxes = bbox.clip_to_image_size(boxes, height=height, width=width,
                                        bounding_box_format="xyxy")
        return self._boxes_out(boxes, height, width)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale,
                       "interpolation": self.interpolation, "fill_value": self.fill_value,
                       "seed": self.seed})
        return config
