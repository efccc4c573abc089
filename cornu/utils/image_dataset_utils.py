"""`image_dataset_from_directory`: labelled image batches from a folder per class."""

import numpy as np
import torch
import torch.nn.functional as F

from cornu.backend.config import standardize_data_format
from cornu.utils import directory_dataset as dd
from cornu.utils.image_utils import COLOR_MODES, centered_crop, check_color_mode, load_img

ALLOWED_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
# Keras's names -> torch's modes (Keras's "nearest" samples pixel centres: torch's
# "nearest-exact", as in Keras's torch backend and TensorFlow).
_INTERPOLATIONS = {"bilinear": "bilinear", "nearest": "nearest-exact", "bicubic": "bicubic",
                   "area": "area"}


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, format="tf",
                                 verbose=True):
    """Makes a dataset of image batches from `directory/<class name>/<image>` files.

    Args:
        directory: the folder. With `labels="inferred"` it holds one subfolder per class.
        labels: `"inferred"` (from the subfolders), None, or a list of integer labels in the
            sorted order of the files.
        label_mode: `"int"` (int32), `"categorical"` (one-hot float32), `"binary"` (float32
            of shape `(batch, 1)`), or None (images only).
        class_names: with inferred labels, the subfolders to use, in label order.
        color_mode: `"grayscale"`, `"rgb"` or `"rgba"`.
        batch_size: images per batch; None yields single images.
        image_size: `(height, width)` every image is resized to.
        shuffle: shuffle the files (and reshuffle each epoch); otherwise sorted order.
        seed: seed of the shuffle and of the validation split.
        validation_split: fraction of the files kept for validation.
        subset: `"training"`, `"validation"`, or `"both"` (returns both datasets).
        interpolation: `"bilinear"`, `"nearest"`, `"bicubic"` or `"area"` (torch's
            kernels; torch's bicubic uses a = -0.75 where TensorFlow's uses -0.5).
        follow_links: follow symbolic links to subfolders.
        crop_to_aspect_ratio: crop the largest centred window of the target aspect ratio
            before resizing, instead of distorting the image.
        pad_to_aspect_ratio: pad with zeros to the target aspect ratio before resizing.
        data_format: `"channels_last"` (batches `(batch, height, width, channels)`) or
            `"channels_first"`.
        format: `"tf"`, Keras's default (its `tf.data.Dataset` is a `DirectoryDataset`
            here); other formats raise.
        verbose: print how many files were found.

    Returns:
        A `DirectoryDataset` yielding `(images, labels)` float32 / label tensors, or two of
        them with `subset="both"`.
    """
    dd.check_return_format(format)
    check_color_mode(color_mode)
    interpolation = interpolation.lower() if isinstance(interpolation, str) else interpolation
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"`interpolation` must be one of {sorted(_INTERPOLATIONS)}. "
                         f"Received: interpolation={interpolation!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be "
                         "True.")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    if (not isinstance(image_size, (list, tuple)) or len(image_size) != 2
            or not all(isinstance(s, int) and s > 0 for s in image_size)):
        raise ValueError("`image_size` must be (height, width) positive integers. "
                         f"Received: image_size={image_size!r}")
    image_size = tuple(image_size)
    data_format = standardize_data_format(data_format)

    def load(path):
        return load_image(path, image_size, color_mode, interpolation, crop_to_aspect_ratio,
                          pad_to_aspect_ratio, data_format)

    return dd.from_directory(directory, ALLOWED_FORMATS, "images", load, torch.stack, labels,
                             label_mode, class_names, batch_size, shuffle, seed,
                             validation_split, subset, follow_links, verbose)


def load_image(path, image_size, color_mode="rgb", interpolation="bilinear",
               crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
               data_format="channels_last"):
    """One image file as a float32 tensor of `image_size`, values 0-255."""
    img = load_img(path, color_mode)
    mode = COLOR_MODES[color_mode]
    # Batches hold 8-bit channels: 16- and 32-bit grayscale files are converted too.
    array = np.asarray(img if img.mode == mode else img.convert(mode), dtype=np.float32)
    image = torch.from_numpy(array.reshape(array.shape[0], array.shape[1], -1)).permute(2, 0, 1)
    height, width = image_size
    if crop_to_aspect_ratio:
        image = _crop_to_ratio(image, height, width)
    elif pad_to_aspect_ratio:
        image = _pad_to_ratio(image, height, width)
    if tuple(image.shape[1:]) != image_size:
        image = F.interpolate(image[None], size=image_size, mode=_INTERPOLATIONS[interpolation],
                              **({} if interpolation in ("nearest", "area")
                                 else {"align_corners": False}))[0]
    return image if data_format == "channels_first" else image.permute(1, 2, 0).contiguous()


def _crop_to_ratio(image, height, width):
    top, left, crop_h, crop_w = centered_crop(*image.shape[1:], height, width)
    return image[:, top:top + crop_h, left:left + crop_w]


def _pad_to_ratio(image, height, width):
    h, w = image.shape[1:]
    pad_h, pad_w = max(h, w * height // width), max(w, h * width // height)
    top, left = (pad_h - h) // 2, (pad_w - w) // 2
    # The same margin on both sides, as Keras pads (an odd leftover pixel is dropped).
    return F.pad(image, (left, left, top, top))
