"""Bounding-box format conversion and geometry: Keras's `keras.utils.bounding_boxes`.

Boxes are torch tensors, NumPy arrays or nested lists of shape `(..., 4)`; results are torch
tensors, as Keras's functions return on its torch backend. The arithmetic follows Keras's
expression by expression, so results match it bit for bit in the same dtype.
"""

import math

import numpy as np
import torch

from cornu.backend.config import epsilon
from cornu.utils.dtypes import to_torch_dtype

SUPPORTED_FORMATS = (
    "xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw",
    "rel_xyxy", "rel_yxyx", "rel_xywh", "rel_center_xywh",
)


def to_tensor(x, dtype=None):
    """A torch tensor as Keras's torch backend converts it: tensors and arrays keep their
    dtype; Python numbers and lists become int32 / float32."""
    if isinstance(x, torch.Tensor):
        t = x
    elif isinstance(x, np.ndarray):
        t = torch.from_numpy(np.ascontiguousarray(x))
    else:
        if isinstance(x, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in x):
            t = torch.stack([to_tensor(v) for v in x])
        else:
            a = np.asarray(x)
            if a.dtype == np.float64:
                a = a.astype(np.float32)
            elif a.dtype == np.int64:
                a = a.astype(np.int32)
            t = torch.from_numpy(np.ascontiguousarray(a))
    return t if dtype is None else t.to(to_torch_dtype(dtype))


def _split(boxes):
    return torch.split(boxes, 1, dim=-1)


def _cat(parts):
    return torch.cat(parts, dim=-1)


# ---------------------------------------------------------------- to / from "xyxy"

def _yxyx_to_xyxy(boxes, height, width):
    y1, x1, y2, x2 = _split(boxes)
    return _cat([x1, y1, x2, y2])


def _xywh_to_xyxy(boxes, height, width):
    x1, y1, w, h = _split(boxes)
    return _cat([x1, y1, x1 + w, y1 + h])


def _center_xywh_to_xyxy(boxes, height, width):
    cx, cy, w, h = _split(boxes)
    half_w, half_h = w / 2.0, h / 2.0
    return _cat([cx - half_w, cy - half_h, cx + half_w, cy + half_h])


def _center_yxhw_to_xyxy(boxes, height, width):
    cy, cx, h, w = _split(boxes)
    half_w, half_h = w / 2.0, h / 2.0
    return _cat([cx - half_w, cy - half_h, cx + half_w, cy + half_h])


def _rel_xyxy_to_xyxy(boxes, height, width):
    x1, y1, x2, y2 = _split(boxes)
    return _cat([x1 * width, y1 * height, x2 * width, y2 * height])


def _rel_yxyx_to_xyxy(boxes, height, width):
    y1, x1, y2, x2 = _split(boxes)
    return _cat([x1 * width, y1 * height, x2 * width, y2 * height])


def _rel_xywh_to_xyxy(boxes, height, width):
    x1, y1, w, h = _split(boxes)
    return _cat([x1 * width, y1 * height, (x1 + w) * width, (y1 + h) * height])


def _rel_center_xywh_to_xyxy(boxes, height, width):
    cx, cy, w, h = _split(boxes)
    half_w, half_h = w / 2.0, h / 2.0
    return _cat([(cx - half_w) * width, (cy - half_h) * height,
                 (cx + half_w) * width, (cy + half_h) * height])


def _xyxy_to_yxyx(boxes, height, width):
    x1, y1, x2, y2 = _split(boxes)
    return _cat([y1, x1, y2, x2])


def _xyxy_to_xywh(boxes, height, width):
    x1, y1, x2, y2 = _split(boxes)
    return _cat([x1, y1, x2 - x1, y2 - y1])


def _xyxy_to_center_xywh(boxes, height, width):
    x1, y1, x2, y2 = _split(boxes)
    return _cat([x1 + ((x2 - x1) / 2.0), y1 + ((y2 - y1) / 2.0), x2 - x1, y2 - y1])


def _xyxy_to_center_yxhw(boxes, height, width):
    x1, y1, x2, y2 = _split(boxes)
    return _cat([y1 + ((y2 - y1) / 2.0), x1 + ((x2 - x1) / 2.0), y2 - y1, x2 - x1])


def _xyxy_to_rel_xyxy(boxes, height, width):
    x1, y1, x2, y2 = _split(boxes)
    return _cat([x1 / width, y1 / height, x2 / width, y2 / height])


def _xyxy_to_rel_yxyx(boxes, height, width):
    x1, y1, x2, y2 = _split(boxes)
    return _cat([y1 / height, x1 / width, y2 / height, x2 / width])


def _xyxy_to_rel_xywh(boxes, height, width):
    x1, y1, x2, y2 = _split(boxes)
    return _cat([x1 / width, y1 / height, (x2 - x1) / width, (y2 - y1) / height])


def _xyxy_to_rel_center_xywh(boxes, height, width):
    x1, y1, x2, y2 = _split(boxes)
    return _cat([(x1 + ((x2 - x1) / 2.0)) / width, (y1 + ((y2 - y1) / 2.0)) / height,
                 (x2 - x1) / width, (y2 - y1) / height])


def _identity(boxes, height, width):
    return boxes


_TO_XYXY = {
    "xyxy": _identity, "yxyx": _yxyx_to_xyxy, "xywh": _xywh_to_xyxy,
    "center_xywh": _center_xywh_to_xyxy, "center_yxhw": _center_yxhw_to_xyxy,
    "rel_xyxy": _rel_xyxy_to_xyxy, "rel_yxyx": _rel_yxyx_to_xyxy,
    "rel_xywh": _rel_xywh_to_xyxy, "rel_center_xywh": _rel_center_xywh_to_xyxy,
}
_FROM_XYXY = {
    "xyxy": _identity, "yxyx": _xyxy_to_yxyx, "xywh": _xyxy_to_xywh,
    "center_xywh": _xyxy_to_center_xywh, "center_yxhw": _xyxy_to_center_yxhw,
    "rel_xyxy": _xyxy_to_rel_xyxy, "rel_yxyx": _xyxy_to_rel_yxyx,
    "rel_xywh": _xyxy_to_rel_xywh, "rel_center_xywh": _xyxy_to_rel_center_xywh,
}


def convert_format(boxes, source, target, height=None, width=None, dtype="float32"):
    """Converts bounding boxes between formats.

    Supported formats (case-insensitive): `"xyxy"` [left, top, right, bottom], `"yxyx"`
    [top, left, bottom, right], `"xywh"` [left, top, width, height], `"center_xywh"`,
    `"center_yxhw"`, and the relative `"rel_xyxy"`, `"rel_yxyx"`, `"rel_xywh"`,
    `"rel_center_xywh"`, whose coordinates are fractions of the image `height` / `width`.

    Args:
        boxes: boxes of shape `(..., 4)`, or a dict whose `"boxes"` entry is converted (in
            place, as Keras does).
        source: the format of `boxes`.
        target: the format to convert to.
        height: image height (needed when either format is relative).
        width: image width (needed when either format is relative).
        dtype: the dtype of the result. Defaults to `"float32"`.

    Returns:
        The converted boxes, a torch tensor of `dtype`.
    """
    if isinstance(boxes, dict):
        boxes["boxes"] = convert_format(boxes["boxes"], source=source, target=target,
                                        height=height, width=width, dtype=dtype)
        return boxes
    boxes = to_tensor(boxes)
    if boxes.shape[-1] != 4:
        raise ValueError("`boxes` must be a tensor with the last dimension of 4. "
                         f"Received: boxes.shape={tuple(boxes.shape)}")
    source, target = source.lower(), target.lower()
    if source not in SUPPORTED_FORMATS or target not in SUPPORTED_FORMATS:
        raise ValueError(f"convert_format(): invalid source or target format. Supported "
                         f"formats: {SUPPORTED_FORMATS}. Received: source={source!r}, "
                         f"target={target!r}")
    if (source.startswith("rel_") or target.startswith("rel_")) and (
            width is None or height is None):
        raise ValueError("convert_format() must receive `height` and `width` when "
                         "converting between relative and absolute formats. Received: "
                         f"source={source!r}, target={target!r}, height={height}, "
                         f"width={width}")
    torch_dtype = to_torch_dtype(dtype)
    boxes = boxes.to(torch_dtype)
    if source == target:
        return boxes
    if width is not None:
        width = to_tensor(width).to(device=boxes.device, dtype=torch_dtype)
    if height is not None:
        height = to_tensor(height).to(device=boxes.device, dtype=torch_dtype)
    if source.startswith("rel_") and target.startswith("rel_"):
        source, target = source[4:], target[4:]
    return _FROM_XYXY[target](_TO_XYXY[source](boxes, height, width), height, width)


def _compute_area(boxes):
    x1, y1, x2, y2 = _split(boxes)
    return (x2 - x1) * (y2 - y1)


def clip_to_image_size(bounding_boxes, height=None, width=None, bounding_box_format="xyxy"):
    """Clips bounding boxes to the image; labels of boxes left with no area become -1.

    Args:
        bounding_boxes: a dict with `"boxes"` of shape `(N, 4)` or `(batch, N, 4)` and
            optionally `"labels"` of shape `(N,)` or `(batch, N)` (or with a class axis,
            `(..., N, C)`, which Keras 3.15 refuses).
        height: image height (required for `"xyxy"`).
        width: image width (required for `"xyxy"`).
        bounding_box_format: `"xyxy"` or `"rel_xyxy"` (clipped to [0, 1]).

    Returns:
        A copy of the dict with the clipped boxes and updated labels.
    """
    if bounding_box_format not in ("xyxy", "rel_xyxy"):
        raise NotImplementedError(
            "clip_to_image_size() supports bounding_box_format 'xyxy' and 'rel_xyxy'. "
            f"Received: bounding_box_format={bounding_box_format!r}")
    if bounding_box_format == "xyxy" and (height is None or width is None):
        raise ValueError("`height` and `width` must be set if `format='xyxy'`.")
    boxes = to_tensor(bounding_boxes["boxes"])
    labels = bounding_boxes.get("labels", None)
    if bounding_box_format == "xyxy":
        high_x = to_tensor(width).to(device=boxes.device, dtype=boxes.dtype)
        high_y = to_tensor(height).to(device=boxes.device, dtype=boxes.dtype)
    else:
        high_x = high_y = to_tensor(1.0).to(boxes.device)
    zero = to_tensor(0.0 if bounding_box_format == "rel_xyxy" else 0).to(boxes.device)
    x1, y1, x2, y2 = _split(boxes)
    boxes = _cat([torch.clip(x1, zero, high_x), torch.clip(y1, zero, high_y),
                  torch.clip(x2, zero, high_x), torch.clip(y2, zero, high_y)])
    if labels is not None:
        labels = to_tensor(labels).to(boxes.device)
        keep = _compute_area(boxes).squeeze(-1) > 0
        # Labels with a class axis (one-hot, `(..., N, C)`) are set to -1 across it.
        keep = keep.reshape(keep.shape + (1,) * (labels.dim() - keep.dim()))
        labels = torch.where(keep, labels, to_tensor(-1).to(boxes.device))
    result = bounding_boxes.copy()
    result["boxes"] = boxes
    if labels is not None:
        result["labels"] = labels
    return result


def _inverse_affine_matrix(center_x, center_y, angle, translate_x, translate_y, scale,
                           shear_x, shear_y, height, width):
    """`(batch, 3, 3)` inverse affine matrices, as TF's `_get_inverse_affine_matrix`."""
    batch_size = angle.shape[0]
    dtype = angle.dtype
    angle, shear_x, shear_y = -angle, -shear_x, -shear_y
    cx = to_tensor(center_x) * (width - 1)
    cy = to_tensor(center_y) * (height - 1)
    rot = angle * (1.0 / 180.0 * math.pi)
    tx = -translate_x * (width - 1)
    ty = -translate_y * (height - 1)
    sx = shear_x * (1.0 / 180.0 * math.pi)
    sy = shear_y * (1.0 / 180.0 * math.pi)

    cos_sy = torch.cos(sy)
    tan_sx = torch.tan(sx)
    rot_minus_sy = rot - sy
    cx_plus_tx = cx + tx
    cy_plus_ty = cy + ty
    # Rotate-scale-shear without the scaling; its determinant is 1.
    a = torch.cos(rot_minus_sy) / cos_sy
    b = a * tan_sx + torch.sin(rot)
    c = -torch.sin(rot_minus_sy) / cos_sy
    d = torch.cos(rot) - c * tan_sx
    a0, a1 = d * scale, -b * scale
    b0, b1 = -c * scale, a * scale
    a2 = cx - a0 * cx_plus_tx - a1 * cy_plus_ty
    b2 = cy - b0 * cx_plus_tx - b1 * cy_plus_ty
    zeros = torch.zeros([batch_size], dtype=dtype, device=angle.device)
    ones = torch.ones([batch_size], dtype=dtype, device=angle.device)
    parts = torch.broadcast_tensors(a0, a1, a2, b0, b1, b2, zeros, zeros, ones)
    return torch.stack(parts, dim=-1).reshape(batch_size, 3, 3)


def affine_transform(boxes, angle, translate_x, translate_y, scale, shear_x, shear_y,
                     height, width, center_x=None, center_y=None,
                     bounding_box_format="xyxy"):
    """Applies one affine map per image to batched boxes: the box around the mapped corners.

    `height` and `width` scale the translation fractions and the centre.

    Args:
        boxes: boxes of shape `(batch_size, N, 4)`.
        angle: rotation angles in degrees, shape `(batch_size,)`.
        translate_x: horizontal translations, fractions of the width, `(batch_size,)`.
        translate_y: vertical translations, fractions of the height, `(batch_size,)`.
        scale: scale factors, `(batch_size,)`.
        shear_x: shear angles along x in degrees, `(batch_size,)`.
        shear_y: shear angles along y in degrees, `(batch_size,)`.
        height: image height.
        width: image width.
        center_x: x of the centre of the transform, a fraction (0.5 by default).
        center_y: y of the centre of the transform, a fraction (0.5 by default).
        bounding_box_format: only `"xyxy"` is supported.

    Returns:
        The transformed boxes, shape `(batch_size, N, 4)`.
    """
    if bounding_box_format != "xyxy":
        raise NotImplementedError("affine_transform() supports bounding_box_format='xyxy' "
                                  f"only. Received: {bounding_box_format!r}")
    angle = to_tensor(angle)
    dev = angle.device
    translate_x, translate_y, scale, shear_x, shear_y = (
        to_tensor(v).to(dev) if isinstance(v, (torch.Tensor, np.ndarray, list, tuple)) else v
        for v in (translate_x, translate_y, scale, shear_x, shear_y))
    boxes = to_tensor(boxes)
    batch_size, n_boxes = boxes.shape[0], boxes.shape[1]
    matrix = _inverse_affine_matrix(0.5 if center_x is None else center_x,
                                    0.5 if center_y is None else center_y, angle,
                                    translate_x, translate_y, scale, shear_x, shear_y,
                                    height, width)
    boxes = boxes.to(device=matrix.device, dtype=matrix.dtype)
    transposed = matrix[:, :2, :].transpose(1, 2)
    points = torch.stack([boxes[..., 0], boxes[..., 1], boxes[..., 2], boxes[..., 1],
                          boxes[..., 2], boxes[..., 3], boxes[..., 0], boxes[..., 3]], dim=-1)
    points = points.reshape(batch_size, n_boxes, 4, 2)
    points = torch.cat([points, torch.ones([batch_size, n_boxes, 4, 1], dtype=points.dtype,
                                           device=points.device)], dim=-1)
    transformed = torch.einsum("bnxy,byz->bnxz", points, transposed)
    return torch.cat([transformed.amin(dim=2), transformed.amax(dim=2)], dim=-1)


def crop(boxes, top, left, height, width, bounding_box_format="xyxy"):
    """Crops boxes to the region `(top, left, height, width)`, in the region's coordinates.

    Args:
        boxes: boxes of shape `(N, 4)` or `(batch_size, N, 4)`.
        top: the top offset of the region.
        left: the left offset of the region.
        height: the height of the region (None leaves the bottom unclipped).
        width: the width of the region (None leaves the right unclipped).
        bounding_box_format: only `"xyxy"` is supported.

    Returns:
        The cropped boxes, in the dtype of `boxes`.
    """
    if bounding_box_format != "xyxy":
        raise NotImplementedError("crop() supports bounding_box_format='xyxy' only. "
                                  f"Received: {bounding_box_format!r}")
    boxes = to_tensor(boxes)
    x1, y1, x2, y2 = _split(boxes)
    x1, y1, x2, y2 = x1 - left, y1 - top, x2 - left, y2 - top

    def clip(v, high):
        high = None if high is None else to_tensor(high).to(v.device)
        return torch.clip(v, to_tensor(0).to(v.device), high)

    return _cat([clip(x1, width), clip(y1, height), clip(x2, width), clip(y2, height)])


def pad(boxes, top, left, height=None, width=None, bounding_box_format="xyxy"):
    """Shifts boxes by the `top` and `left` padding added to their image.

    Args:
        boxes: boxes of shape `(N, 4)` or `(batch_size, N, 4)`.
        top: padding added above the image.
        left: padding added left of the image.
        height: image height (unused, as in Keras).
        width: image width (unused, as in Keras).
        bounding_box_format: only `"xyxy"` is supported.

    Returns:
        The shifted boxes.
    """
    if bounding_box_format != "xyxy":
        raise NotImplementedError("pad() supports bounding_box_format='xyxy' only. "
                                  f"Received: {bounding_box_format!r}")
    x1, y1, x2, y2 = _split(to_tensor(boxes))
    return _cat([x1 + left, y1 + top, x2 + left, y2 + top])


def _check_variance(variance):
    if variance is None:
        return None
    variance = to_tensor(variance, "float32")
    if variance.shape[-1] != 4:
        raise ValueError(f"`variance` must be length 4, got {variance}")
    return variance


def encode_box_to_deltas(anchors, boxes, anchor_format, box_format,
                         encoding_format="center_yxhw", variance=None, image_shape=None):
    """Encodes boxes as deltas from anchors: centre offsets over anchor size, log size ratios.

    Args:
        anchors: anchor boxes of shape `(N, 4)`.
        boxes: boxes of shape `(N, 4)` or `(batch, N, 4)`.
        anchor_format: the format of `anchors`.
        box_format: the format of `boxes`.
        encoding_format: `"center_yxhw"` (default) or `"center_xywh"`: the format the
            deltas are computed in.
        variance: optional 4 factors the deltas are divided by.
        image_shape: `(height, width, channels)`, needed for relative formats.

    Returns:
        The deltas, shaped like `boxes`.
    """
    variance = _check_variance(variance)
    if encoding_format not in ("center_xywh", "center_yxhw"):
        raise ValueError("`encoding_format` should be one of 'center_xywh' or "
                         f"'center_yxhw', got {encoding_format}")
    height, width = (None, None) if image_shape is None else tuple(image_shape)[:2]
    anchors = convert_format(anchors, source=anchor_format, target=encoding_format,
                             height=height, width=width)
    boxes = convert_format(boxes, source=box_format, target=encoding_format, height=height,
                           width=width)
    boxes = boxes.to(anchors.device)
    anchor_dims = torch.clamp(anchors[..., 2:], min=epsilon())
    box_dims = torch.clamp(boxes[..., 2:], min=epsilon())
    deltas = torch.cat([(boxes[..., :2] - anchors[..., :2]) / anchor_dims,
                        torch.log(box_dims / anchor_dims)], dim=-1)
    if variance is not None:
        deltas = deltas / variance.to(deltas.device)
    return deltas


def decode_deltas_to_boxes(anchors, boxes_delta, anchor_format, box_format,
                           encoded_format="center_yxhw", variance=None, image_shape=None):
    """Decodes deltas from anchors back into boxes (the inverse of `encode_box_to_deltas`).

    Args:
        anchors: anchor boxes of shape `(N, 4)`, or a dict of them by feature level.
        boxes_delta: deltas of shape `(N, 4)` or `(batch, N, 4)`, or a dict with the same
            keys as `anchors`.
        anchor_format: the format of `anchors`.
        box_format: the format of the decoded boxes.
        encoded_format: `"center_yxhw"` (default) or `"center_xywh"`: the format the
            deltas were computed in.
        variance: optional 4 factors the deltas are multiplied by.
        image_shape: `(height, width, channels)`, needed for relative formats.

    Returns:
        The boxes in `box_format` (a dict by level when given dicts).
    """
    variance = _check_variance(variance)
    if encoded_format not in ("center_xywh", "center_yxhw"):
        raise ValueError("`encoded_format` should be 'center_xywh' or 'center_yxhw', but "
                         f"got '{encoded_format}'.")
    height, width = (None, None) if image_shape is None else tuple(image_shape)[:2]

    def decode_level(anchor, delta):
        anchor = convert_format(anchor, source=anchor_format, target=encoded_format,
                                height=height, width=width)
        delta = to_tensor(delta).to(anchor.device)
        if variance is not None:
            delta = delta * variance.to(delta.device)
        box = torch.cat([delta[..., :2] * anchor[..., 2:] + anchor[..., :2],
                         torch.exp(delta[..., 2:]) * anchor[..., 2:]], dim=-1)
        return convert_format(box, source=encoded_format, target=box_format, height=height,
                              width=width)

    if isinstance(anchors, dict) and isinstance(boxes_delta, dict):
        return {level: decode_level(anchor, boxes_delta[level])
                for level, anchor in anchors.items()}
    return decode_level(anchors, boxes_delta)
