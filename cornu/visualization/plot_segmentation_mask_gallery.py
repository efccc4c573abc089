"""`plot_segmentation_mask_gallery`: images beside their true and predicted masks."""

import functools

import numpy as np
import torch

from cornu.backend.config import standardize_data_format
from cornu.utils.bounding_boxes.converters import to_tensor
from cornu.visualization.draw_segmentation_masks import draw_segmentation_masks
from cornu.visualization.plot_image_gallery import _to_numpy, plot_image_gallery


def plot_segmentation_mask_gallery(images, num_classes, value_range=(0, 255), y_true=None,
                                   y_pred=None, color_mapping=None, blend=True, alpha=0.8,
                                   ignore_index=-1, data_format=None, **kwargs):
    """Plots one row per image: the image, then its true and predicted masks drawn on it.

    Args:
        images: a batch of images, `(batch, height, width, channels)` (or channels first).
        num_classes: the number of segmentation classes.
        value_range: the range of the image values. Defaults to `(0, 255)`.
        y_true: optional true masks, `(batch, height, width, 1)`.
        y_pred: optional predicted masks, shaped like `y_true`.
        color_mapping: dict from class index to an RGB color.
        blend: whether to blend the mask colors with the images.
        alpha: the opacity of the masks when blending. Defaults to 0.8.
        ignore_index: the mask value that is not drawn. Defaults to -1.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        **kwargs: passed on to `plot_image_gallery` (`path`, `show`, `scale`, `dpi`, ...).

    Returns:
        The matplotlib `Figure` that `plot_image_gallery` returns.
    """
    data_format = standardize_data_format(data_format)
    images = _to_numpy(images)
    if images.ndim != 4:
        raise ValueError(f"`images` must be batched 4D tensor. Received: "
                         f"images.shape={images.shape}")
    if data_format == "channels_first":
        images = images.transpose(0, 2, 3, 1)
    draw = functools.partial(draw_segmentation_masks, num_classes=num_classes,
                             color_mapping=color_mapping, alpha=alpha,
                             ignore_index=ignore_index, blend=blend,
                             data_format="channels_last")

    def drawn(masks):
        masks = to_tensor(masks)
        if data_format == "channels_first" and masks.dim() == 4:
            masks = masks.permute(0, 2, 3, 1)
        return draw(images, masks.to(torch.int32))

    columns = [images]
    if y_true is not None:
        columns.append(drawn(y_true))
    if y_pred is not None:
        columns.append(drawn(y_pred))
    gallery = np.stack([c[i] for i in range(images.shape[0]) for c in columns], axis=0)
    return plot_image_gallery(gallery, value_range=value_range, rows=images.shape[0],
                              cols=len(columns), data_format="channels_last", **kwargs)
