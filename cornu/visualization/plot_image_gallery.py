"""`plot_image_gallery`: a grid of images, with optional true and predicted labels."""

import math

import numpy as np
import torch

from cornu.backend.config import standardize_data_format


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError("The `plot_image_gallery` function requires the `matplotlib` "
                          "package. Please install it with `pip install matplotlib` (or "
                          "cornu's `plot` extra).") from error
    return plt


def _to_numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def plot_image_gallery(images, y_true=None, y_pred=None, label_map=None, rows=None,
                       cols=None, value_range=(0, 255), scale=2, path=None, show=None,
                       transparent=True, dpi=60, legend_handles=None, data_format=None):
    """Plots a grid of images, with their true and predicted class names as titles.

    Args:
        images: a batch of images, `(batch, height, width, channels)` (or channels first).
        y_true: optional true class ids, one per image.
        y_pred: optional predicted class ids, one per image.
        label_map: dict from class ids to names; required with `y_true` / `y_pred`.
        rows: the number of rows; `ceil(sqrt(batch))` by default.
        cols: the number of columns; `batch // rows` by default (as in Keras).
        value_range: the range of the image values, e.g. `(0, 255)` or `(0, 1)`.
        scale: the size of each image in inches. Defaults to 2.
        path: where to save the figure (PNG etc.); if None the figure is shown.
        show: whether to show the figure with `plt.show()`; True by default when `path` is
            None.
        transparent: save with a transparent background. Defaults to True.
        dpi: the resolution of the saved figure. Defaults to 60.
        legend_handles: matplotlib `Patch` handles for a legend.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.

    Returns:
        The matplotlib `Figure` (Keras returns None); it is closed once saved or shown.
    """
    plt = _pyplot()
    if path is not None and show:
        raise ValueError("plot_gallery() expects either `path` to be set, or `show` to be "
                         "true.")
    if (y_true is not None or y_pred is not None) and label_map is None:
        raise ValueError("If `y_true` or `y_pred` are provided, a `label_map` must also be "
                         "provided.")
    show = show if show is not None else (path is None)
    data_format = standardize_data_format(data_format)
    images = _to_numpy(images)
    if images.ndim != 4:
        raise ValueError("`plot_images_gallery()` requires you to batch your `np.array` "
                         "samples together.")
    batch_size = images.shape[0]
    rows = rows or int(math.ceil(math.sqrt(batch_size)))
    cols = cols or int(math.ceil(batch_size // rows))
    images = images[:min(rows * cols, batch_size)]
    if data_format == "channels_first":
        images = images.transpose(0, 2, 3, 1)

    fig, axes = plt.subplots(nrows=rows, ncols=cols, figsize=(cols * scale, rows * scale),
                             frameon=False, layout="tight", squeeze=True, sharex="row",
                             sharey="col")
    fig.subplots_adjust(wspace=0, hspace=0)
    if isinstance(axes, np.ndarray) and axes.ndim == 1:
        axes = np.expand_dims(axes, 0 if rows == 1 else -1)
    if legend_handles is not None:
        fig.legend(handles=legend_handles, loc="lower center")

    low, high = value_range
    if (low, high) != (0, 255):
        images = (images.astype("float32") - np.float32(low)) / (
            np.float32(high) - np.float32(low)) * np.float32(255)
    y_true = None if y_true is None else _to_numpy(y_true)
    y_pred = None if y_pred is None else _to_numpy(y_pred)
    for row in range(rows):
        for col in range(cols):
            index = row * cols + col
            axis = axes[row, col] if isinstance(axes, np.ndarray) else axes
            if index < len(images):
                axis.imshow(images[index].astype("uint8"))
            axis.margins(x=0, y=0)
            axis.axis("off")
            title = []
            if y_true is not None and index < len(y_true):
                title.append(f"Label: {label_map.get(y_true[index], 'Unknown')}")
            if y_pred is not None and index < len(y_pred):
                title.append(f"Pred: {label_map.get(y_pred[index], 'Unknown')}")
            if title:
                axis.set_title("  ".join(title), fontsize=8)
    if path is not None:
        plt.savefig(fname=path, pad_inches=0, bbox_inches="tight", transparent=transparent,
                    dpi=dpi)
        plt.close(fig)
    elif show:
        plt.show()
        plt.close(fig)
    return fig
