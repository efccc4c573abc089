"""Helpers shared by RandomErasing, MixUp and CutMix: random boxes, label dicts."""

import torch


def spatial_sizes(images, data_format):
    if data_format == "channels_last":
        return images.shape[-3], images.shape[-2]
    return images.shape[-2], images.shape[-1]


def crop_bounds(layer, n, length, ratio, device):
    """Start and end of a window of `ratio * length` at a uniform random offset."""
    crop = ratio * length
    start = layer._uniform((n,), 0.0, 1.0, device) * (length - crop)
    return start, start + crop


def box_mask(images, data_format, x0, x1, y0, y1):
    """Boolean mask, shaped like the batched `images`, of the pixels whose (column, row)
    lies in `[x0, x1) x [y0, y1)` (one box per image)."""
    height, width = spatial_sizes(images, data_format)
    rows = torch.arange(height, dtype=torch.float32, device=images.device)
    cols = torch.arange(width, dtype=torch.float32, device=images.device)
    inside_y = (rows >= y0[:, None]) & (rows < y1[:, None])  # (n, height)
    inside_x = (cols >= x0[:, None]) & (cols < x1[:, None])  # (n, width)
    mask = inside_y[:, :, None] & inside_x[:, None, :]  # (n, height, width)
    mask = mask.unsqueeze(-1) if data_format == "channels_last" else mask.unsqueeze(1)
    return mask.expand(images.shape)


def split_inputs(label, data, allow_labels=True):
    """`(images, labels, is_dict)` from an images tensor or a dict with "images" and
    (optionally) "labels"."""
    if not isinstance(data, dict):
        return data, None, False
    unknown = set(data) - {"images", "labels"}
    if "images" not in data or unknown:
        raise ValueError(f"{label}: dict inputs must have an 'images' key and optionally "
                         f"'labels' (bounding boxes and segmentation masks are not "
                         f"supported). Received keys: {sorted(data)}")
    return data["images"], data.get("labels"), True
