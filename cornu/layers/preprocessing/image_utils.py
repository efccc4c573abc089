"""Helpers shared by the image layers: checks, aspect-ratio crops and pads, resizing."""

import torch
import torch.nn.functional as F

# Keras's interpolation names and the matching `F.interpolate` modes.
INTERPOLATIONS = {"bilinear": "bilinear", "nearest": "nearest-exact", "bicubic": "bicubic",
                  "area": "area"}


def check_size(layer_name, height, width):
    for arg, value in (("height", height), ("width", width)):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ValueError(f"{layer_name}: `{arg}` must be a positive int. "
                             f"Received: {arg}={value!r}")


def check_rank(layer_name, shape):
    if len(shape) not in (3, 4):
        raise ValueError(f"{layer_name}: expected images of rank 3 (height, width, channels) "
                         f"or 4 (batched), in the layer's data_format. Received input shape "
                         f"{tuple(shape)}")


def to_nchw(images, data_format):
    """A batched channels-first view of `images` and whether it was unbatched."""
    unbatched = images.dim() == 3
    if unbatched:
        images = images.unsqueeze(0)
    if data_format == "channels_last":
        images = images.permute(0, 3, 1, 2)
    return images, unbatched


def from_nchw(images, data_format, unbatched):
    if data_format == "channels_last":
        images = images.permute(0, 2, 3, 1)
    return images.squeeze(0) if unbatched else images


def crop_to_aspect_ratio(images, height, width):
    """Center-crops NCHW `images` to the largest window of aspect ratio `height / width`."""
    in_h, in_w = images.shape[-2], images.shape[-1]
    crop_h = max(min(in_h, int(float(in_w * height) / width)), 1)
    crop_w = max(min(in_w, int(float(in_h * width) / height)), 1)
    top, left = int(float(in_h - crop_h) / 2), int(float(in_w - crop_w) / 2)
    return images[:, :, top:top + crop_h, left:left + crop_w]


def pad_to_aspect_ratio(images, height, width, fill_value):
    """Pads NCHW `images` evenly on both sides with `fill_value` to aspect `height / width`."""
    in_h, in_w = images.shape[-2], images.shape[-1]
    pad_h = max(in_h, int(float(in_w * height) / width))
    pad_w = max(in_w, int(float(in_h * width) / height))
    top, left = int(float(pad_h - in_h) / 2), int(float(pad_w - in_w) / 2)
    if top or left:
        images = F.pad(images, (left, left, top, top), value=float(fill_value))
    return images


def as_resizable(images):
    """`images` in a dtype `F.interpolate` handles everywhere: float32 unless float64."""
    return images if images.dtype in (torch.float32, torch.float64) else images.float()


def resize(images, height, width, interpolation="bilinear", antialias=False):
    """Resizes NCHW float `images` to `(height, width)` as Keras's torch backend does."""
    mode = INTERPOLATIONS[interpolation]
    antialias = antialias and interpolation in ("bilinear", "bicubic")
    align_corners = False if interpolation in ("bilinear", "bicubic") else None
    return F.interpolate(images, size=(height, width), mode=mode, align_corners=align_corners,
                         antialias=antialias)


def saturate_cast(images, dtype):
    """Rounds and clamps float `images` into the integer `dtype`'s range."""
    info = torch.iinfo(dtype)
    return torch.round(images).clamp(info.min, info.max).to(dtype)


def spatial_output_shape(input_shape, height, width, data_format):
    shape = list(input_shape)
    h_axis = -2 if data_format == "channels_first" else -3
    shape[h_axis], shape[h_axis + 1] = height, width
    return tuple(shape)


def clip_boxes_to_window(boxes, top, left, height, width):
    """xyxy `boxes` clipped to the window `(top, left, height, width)`, in its coordinates."""
    x1, y1, x2, y2 = torch.split(boxes, 1, dim=-1)
    return torch.cat([torch.clip(x1, left, left + width) - left,
                      torch.clip(y1, top, top + height) - top,
                      torch.clip(x2, left, left + width) - left,
                      torch.clip(y2, top, top + height) - top], dim=-1)
