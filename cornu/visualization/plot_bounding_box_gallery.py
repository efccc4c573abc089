"""`plot_bounding_box_gallery`: a grid of images with true and predicted boxes drawn."""

import functools

import numpy as np

from cornu.backend.config import standardize_data_format
from cornu.visualization.draw_bounding_boxes import _to_numpy, draw_bounding_boxes
from cornu.visualization.plot_image_gallery import _pyplot, plot_image_gallery


def plot_bounding_box_gallery(images, bounding_box_format, y_true=None, y_pred=None,
                              value_range=(0, 255), true_color=(0, 188, 212),
                              pred_color=(255, 235, 59), line_thickness=2, font_scale=1.0,
                              text_thickness=None, class_mapping=None,
                              ground_truth_mapping=None, prediction_mapping=None,
                              legend=False, legend_handles=None, rows=None, cols=None,
                              data_format=None, **kwargs):
    """Plots a grid of images with ground-truth and predicted boxes drawn on them.

    Args:
        images: a batch of images, `(batch, height, width, channels)` (or channels first).
        bounding_box_format: the format of the boxes, e.g. `"xyxy"`.
        y_true: optional dict of true `"boxes"` and `"labels"` (as `draw_bounding_boxes`
            takes).
        y_pred: optional dict of predicted boxes, labels and `"confidences"`.
        value_range: the range of the image values. Defaults to `(0, 255)`.
        true_color: RGB color of the true boxes. Defaults to `(0, 188, 212)`.
        pred_color: RGB color of the predicted boxes. Defaults to `(255, 235, 59)`.
        line_thickness: thickness of the box lines. Defaults to 2.
        font_scale: scale of the label font. Defaults to 1.0.
        text_thickness: thickness of the label text; `line_thickness` by default.
        class_mapping: dict from class ids to names, for both kinds of boxes.
        ground_truth_mapping: names for the true boxes (overrides `class_mapping`).
        prediction_mapping: names for the predicted boxes (overrides `class_mapping`).
        legend: whether to add a "Ground Truth" / "Prediction" legend.
        legend_handles: matplotlib `Patch` handles for a custom legend (not with `legend`).
        rows: the number of rows of the grid.
        cols: the number of columns of the grid.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        **kwargs: passed on to `plot_image_gallery` (`path`, `show`, `scale`, `dpi`, ...).

    Returns:
        The matplotlib `Figure` that `plot_image_gallery` returns.
    """
    _pyplot()
    from matplotlib import patches

    prediction_mapping = prediction_mapping or class_mapping
    ground_truth_mapping = ground_truth_mapping or class_mapping
    data_format = standardize_data_format(data_format)
    images = _to_numpy(images)
    if images.ndim != 4:
        raise ValueError(f"`images` must be batched 4D tensor. Received: "
                         f"images.shape={images.shape}")
    if data_format == "channels_first":
        images = images.transpose(0, 2, 3, 1)
    draw = functools.partial(draw_bounding_boxes, bounding_box_format=bounding_box_format,
                             line_thickness=line_thickness, text_thickness=text_thickness,
                             font_scale=font_scale, data_format="channels_last")
    if y_true is not None:
        images = draw(images, y_true, color=true_color, class_mapping=ground_truth_mapping)
    if y_pred is not None:
        images = draw(images, y_pred, color=pred_color, class_mapping=prediction_mapping)
    if legend:
        if legend_handles:
            raise ValueError("Only pass `legend` OR `legend_handles` to "
                             "`cornu.visualization.plot_bounding_box_gallery()`.")
        legend_handles = [
            patches.Patch(color=np.array(true_color) / 255.0, label="Ground Truth"),
            patches.Patch(color=np.array(pred_color) / 255.0, label="Prediction"),
        ]
    return plot_image_gallery(images, value_range=value_range, legend_handles=legend_handles,
                              rows=rows, cols=cols, data_format="channels_last", **kwargs)
