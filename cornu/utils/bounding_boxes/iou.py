"""Intersection over union of bounding boxes: Keras's `compute_iou` and `compute_ciou`."""

import math

import torch

from cornu.backend.config import epsilon
from cornu.utils.bounding_boxes.converters import convert_format


def _compute_area(boxes):
    y_min, x_min, y_max, x_max = torch.split(boxes[..., :4], 1, dim=-1)
    return ((y_max - y_min) * (x_max - x_min)).squeeze(-1)


def _compute_intersection(boxes1, boxes2):
    y_min1, x_min1, y_max1, x_max1 = torch.split(boxes1[..., :4], 1, dim=-1)
    y_min2, x_min2, y_max2, x_max2 = torch.split(boxes2[..., :4], 1, dim=-1)

    def t(x):
        return x.transpose(-1, -2)

    height = torch.minimum(y_max1, t(y_max2)) - torch.maximum(y_min1, t(y_min2))
    width = torch.minimum(x_max1, t(x_max2)) - torch.maximum(x_min1, t(x_min2))
    zero = torch.zeros((), dtype=height.dtype, device=height.device)
    return torch.maximum(zero, height) * torch.maximum(zero, width)


def _image_hw(image_shape):
    return (None, None) if image_shape is None else tuple(image_shape)[:2]


def compute_iou(boxes1, boxes2, bounding_box_format, use_masking=False, mask_val=-1,
                image_shape=None):
    """Pairwise IoUs of two sets of boxes.

    Shapes: `(M, 4)` and `(N, 4)` give `(M, N)`; if either is batched, `(batch, M, 4)` /
    `(batch, N, 4)`, the result is `(batch, M, N)`.

    Args:
        boxes1: boxes of shape `(M, 4)` or `(batch, M, 4)`.
        boxes2: boxes of shape `(N, 4)` or `(batch, N, 4)`.
        bounding_box_format: the format of both (case-insensitive), e.g. `"xyxy"`.
        use_masking: when True, pairs involving a box whose 4 values are all negative get
            `mask_val`.
        mask_val: the value of masked pairs. Defaults to -1.
        image_shape: `(height, width, channels)`, needed for relative formats.

    Returns:
        The IoU lookup table.
    """
    rank1, rank2 = len(boxes1.shape), len(boxes2.shape)
    for name, rank in (("boxes1", rank1), ("boxes2", rank2)):
        if rank not in (2, 3):
            raise ValueError(
                f"compute_iou() expects {name} to be batched, or to be unbatched. "
                f"Received len(boxes1.shape)={rank1}, len(boxes2.shape)={rank2}. Expected "
                f"either len({name}.shape)=2 or len({name}.shape)=3.")
    if "rel" in bounding_box_format and image_shape is None:
        raise ValueError("When using relative bounding box formats (e.g. `rel_yxyx`) the "
                         f"`image_shape` argument must be provided. Received `image_shape`: "
                         f"{image_shape}")
    height, width = _image_hw(image_shape)
    boxes1 = convert_format(boxes1, source=bounding_box_format, target="yxyx", height=height,
                            width=width)
    boxes2 = convert_format(boxes2, source=bounding_box_format, target="yxyx", height=height,
                            width=width).to(boxes1.device)
    intersection = _compute_intersection(boxes1, boxes2)
    area1 = _compute_area(boxes1).unsqueeze(-1)
    area2 = _compute_area(boxes2)
    area2 = area2.unsqueeze(1 if area2.dim() == 2 else 0)
    union = area1 + area2 - intersection
    result = intersection / (union + epsilon())
    if not use_masking:
        return result
    mask_value = torch.tensor(mask_val).to(device=result.device, dtype=result.dtype)
    mask_value = mask_value * torch.ones_like(result)
    mask1 = boxes1.amax(dim=-1, keepdim=True) < 0.0
    mask2 = boxes2.amax(dim=-1, keepdim=True) < 0.0
    perm = [1, 0] if rank1 == 2 else [0, 2, 1]
    background = torch.logical_or(mask1, mask2.permute(*perm))
    return torch.where(background, mask_value, result)


def compute_ciou(boxes1, boxes2, bounding_box_format, image_shape=None):
    """Complete IoU of paired boxes: IoU less the normalized centre distance and an aspect
    ratio term.

    Args:
        boxes1: boxes of shape `(..., 4)`.
        boxes2: boxes of shape `(..., 4)`, paired element-wise with `boxes1`.
        bounding_box_format: the format of both (case-insensitive), e.g. `"xyxy"`. Relative
            formats are refused, as in Keras.
        image_shape: `(height, width, channels)`; unused since relative formats are refused.

    Returns:
        The CIoU of each pair, shape `boxes1.shape[:-1]`.
    """
    if "rel" in bounding_box_format:
        raise ValueError("When using relative bounding box formats (e.g. `rel_yxyx`) the "
                         f"`image_shape` argument must be provided. Received `image_shape`: "
                         f"{image_shape}")
    height, width = _image_hw(image_shape)
    boxes1 = convert_format(boxes1, source=bounding_box_format, target="xyxy", height=height,
                            width=width)
    boxes2 = convert_format(boxes2, source=bounding_box_format, target="xyxy", height=height,
                            width=width).to(boxes1.device)
    eps = epsilon()
    x_min1, y_min1, x_max1, y_max1 = torch.split(boxes1[..., :4], 1, dim=-1)
    x_min2, y_min2, x_max2, y_max2 = torch.split(boxes2[..., :4], 1, dim=-1)
    width_1 = x_max1 - x_min1
    height_1 = y_max1 - y_min1 + eps
    width_2 = x_max2 - x_min2
    height_2 = y_max2 - y_min2 + eps

    intersection = (torch.clamp(torch.minimum(x_max1, x_max2) - torch.maximum(x_min1, x_min2),
                                min=0)
                    * torch.clamp(torch.minimum(y_max1, y_max2) - torch.maximum(y_min1, y_min2),
                                  min=0))
    union = width_1 * height_1 + width_2 * height_2 - intersection + eps
    iou = (intersection / (union + eps)).squeeze(-1)

    convex_width = torch.maximum(x_max1, x_max2) - torch.minimum(x_min1, x_min2)
    convex_height = torch.maximum(y_max1, y_max2) - torch.minimum(y_min1, y_min2)
    convex_diagonal_squared = (convex_width ** 2 + convex_height ** 2 + eps).squeeze(-1)
    centers_distance_squared = (((x_min1 + x_max1) / 2 - (x_min2 + x_max2) / 2) ** 2
                                + ((y_min1 + y_max1) / 2 - (y_min2 + y_max2) / 2) ** 2
                                ).squeeze(-1)
    v = ((4 / math.pi ** 2)
         * torch.pow(torch.arctan(width_2 / height_2) - torch.arctan(width_1 / height_1), 2)
         ).squeeze(-1)
    alpha = v / (v - iou + (1 + eps))
    return iou - (centers_distance_squared / convex_diagonal_squared + v * alpha)
