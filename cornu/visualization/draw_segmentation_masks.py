"""`draw_segmentation_masks`: class masks painted over a batch of images."""

import numpy as np
import torch

from cornu.backend.config import standardize_data_format
from cornu.utils.bounding_boxes.converters import to_tensor


def draw_segmentation_masks(images, segmentation_masks, num_classes=None, color_mapping=None,
                            alpha=0.8, blend=True, ignore_index=-1, data_format=None):
    """Paints each class of integer segmentation masks over images in its own color.

    Classes `0 .. num_classes - 1` are painted, each with `color_mapping[class]`; pixels
    equal to `ignore_index` (or outside the classes) keep the image. An inferred
    `num_classes` is the largest mask value plus one, so every class present is painted
    (Keras 3.15 infers the largest value itself, which its torch backend then rejects).

    Args:
        images: a batch of images, `(batch, height, width, channels)` (or channels first).
        segmentation_masks: integer masks `(batch, height, width)` or
            `(batch, height, width, 1)` (channels first: `(batch, 1, height, width)`).
        num_classes: the number of classes; the largest mask value plus one if None.
        color_mapping: dict from class index to an RGB color; by default a fixed palette.
        alpha: the opacity of the painted masks, in `[0, 1]`.
        blend: whether to blend the colors with the images (`alpha`); if False the colors
            replace the pixels and the result stays float32.
        ignore_index: the mask value that is not painted. Defaults to -1.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default. The result is channels last either way, as in Keras.

    Returns:
        A NumPy array of the images with the masks drawn: uint8 when blending, float32
        otherwise.
    """
    data_format = standardize_data_format(data_format)
    images = to_tensor(images)
    if images.dim() != 4:
        raise ValueError(f"`images` must be batched 4D tensor. Received: "
                         f"images.shape={tuple(images.shape)}")
    masks = to_tensor(segmentation_masks)
    if data_format == "channels_first":
        images = images.permute(0, 2, 3, 1)
        masks = masks.permute(0, 2, 3, 1) if masks.dim() == 4 else masks
    if masks.dim() == 3:
        masks = masks.unsqueeze(-1)
    images = images.to(torch.float32)
    if masks.is_floating_point() or masks.is_complex() or masks.dtype == torch.bool:
        raise TypeError("`segmentation_masks` must be in integer dtype. Received: "
                        f"segmentation_masks.dtype={str(masks.dtype).replace('torch.', '')}")
    if num_classes is None:
        num_classes = int(masks.max()) + 1
    if color_mapping is None:
        colors = _generate_color_palette(num_classes)
    else:
        colors = [color_mapping[i] for i in range(num_classes)]
    masks = masks[..., 0].to(images.device)
    valid = masks != ignore_index
    drawn = images.clone()
    for c, color in enumerate(colors):
        drawn[masks == c] = torch.tensor(color, dtype=drawn.dtype, device=drawn.device)
    if not blend:
        return drawn.cpu().numpy()
    outputs = images * (1 - alpha) + drawn * alpha
    outputs = torch.where(valid[..., None], outputs, images)
    return outputs.to(torch.uint8).cpu().numpy()


def _generate_color_palette(num_classes):
    palette = np.array([2**25 - 1, 2**15 - 1, 2**21 - 1])
    return [((i * palette) % 255).tolist() for i in range(num_classes)]
