"""Helpers shared by the colour augmentation layers: value-range rescaling, per-image shapes."""

import torch


def rescale(images, source, target):
    """Maps `images` linearly from the range `source` to the range `target` (Keras's
    `_transform_value_range`); returns `images` itself when the ranges are equal."""
    if source[0] == target[0] and source[1] == target[1]:
        return images
    images = (images - source[0]) / (source[1] - source[0])
    return images * (target[1] - target[0]) + target[0]


def batch_size(images):
    return images.shape[0] if images.dim() == 4 else 1


def batched(images):
    """`images` with a batch axis, and whether one was added."""
    if images.dim() == 3:
        return images.unsqueeze(0), True
    return images, False


def channel_axis(data_format):
    return -1 if data_format == "channels_last" else -3


def check_rgb(label, images, data_format):
    channels = images.shape[channel_axis(data_format)]
    if channels != 3:
        raise ValueError(f"{label} expects RGB images with 3 channels. Received: "
                         f"images.shape={tuple(images.shape)} (data_format={data_format!r})")


def saturate_cast_like(values, dtype):
    """Float `values` into `dtype`: rounded and clamped for integer dtypes."""
    if dtype.is_floating_point:
        return values.to(dtype)
    info = torch.iinfo(dtype)
    return torch.round(values).clamp(info.min, info.max).to(dtype)
