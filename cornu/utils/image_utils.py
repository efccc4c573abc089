"""Single images between files, PIL and arrays: `load_img`, `img_to_array`, `array_to_img`,
`save_img`.

Pillow (the optional `[image]` extra) does the decoding, encoding and resizing, so a loaded or
saved image has exactly the pixels Keras's functions give.
"""

import io
import os
import pathlib
import warnings

import numpy as np
import torch

from cornu.backend.config import floatx, standardize_data_format

# Keras's color modes -> PIL's modes.
COLOR_MODES = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}
# Grayscale images already in one of these modes keep their depth (16- or 32-bit).
_GRAYSCALE_MODES = ("L", "I;16", "I")
# Keras's names of PIL's resampling filters.
_RESAMPLING = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def pil_image():
    """The `PIL.Image` module, or an ImportError saying how to install Pillow."""
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError("Reading and writing images needs Pillow: `pip install pillow` "
                          "(or cornu's `[image]` extra).") from e
    return Image


def check_color_mode(color_mode):
    if color_mode not in COLOR_MODES:
        raise ValueError(f"`color_mode` must be one of {sorted(COLOR_MODES)}. "
                         f"Received: color_mode={color_mode!r}")


def centered_crop(height, width, target_height, target_width):
    """`(top, left, crop_height, crop_width)` of the largest centred window of an image of
    `height` x `width` that has the aspect ratio of `target_height` x `target_width`."""
    crop_height = min(height, width * target_height // target_width)
    crop_width = min(width, height * target_width // target_height)
    return (height - crop_height) // 2, (width - crop_width) // 2, crop_height, crop_width


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """Reads an image file into a PIL image.

    Example:

    ```python
    image = keras.utils.load_img("cat.jpg", target_size=(224, 224))
    batch = keras.utils.img_to_array(image)[None]   # (1, 224, 224, 3), float32
    ```

    Args:
        path: a file path (str, bytes or `pathlib.Path`) or a binary file object such as
            `io.BytesIO`.
        color_mode: `"rgb"`, `"rgba"` or `"grayscale"`. Grayscale images stored with 16 or
            32 bits per pixel keep them; other images are converted to 8-bit `"L"`.
        target_size: None (the file's size) or `(height, width)` to resize to.
        interpolation: PIL's filter for the resize: `"nearest"`, `"bilinear"`, `"bicubic"`,
            `"hamming"`, `"box"` or `"lanczos"`.
        keep_aspect_ratio: resize the largest centred window with the aspect ratio of
            `target_size` instead of distorting the whole image.

    Returns:
        A `PIL.Image.Image`.
    """
    Image = pil_image()
    check_color_mode(color_mode)
    if target_size is not None:
        if (not isinstance(target_size, (list, tuple)) or len(target_size) != 2
                or not all(isinstance(s, int) and s > 0 for s in target_size)):
            raise ValueError("`target_size` must be None or (height, width) positive "
                             f"integers. Received: target_size={target_size!r}")
    if isinstance(path, (str, bytes, os.PathLike)):
        # Read the whole file so no file handle stays open behind the lazily decoded image.
        path = pathlib.Path(os.fsdecode(path)).resolve()
        with open(path, "rb") as f:
            data = io.BytesIO(f.read())
        try:
            img = Image.open(data)
        except Image.UnidentifiedImageError as e:
            raise Image.UnidentifiedImageError(
                f"Cannot identify the image file {str(path)!r}") from e
    elif hasattr(path, "read"):
        img = Image.open(path)
    else:
        raise TypeError("`path` must be a file path (str, bytes or pathlib.Path) or a binary "
                        f"file object such as io.BytesIO. Received: path of type "
                        f"{type(path).__name__}")
    if color_mode == "grayscale":
        if img.mode not in _GRAYSCALE_MODES:
            img = img.convert("L")
    elif img.mode != COLOR_MODES[color_mode]:
        img = img.convert(COLOR_MODES[color_mode])
    if target_size is None:
        return img
    height, width = target_size
    if img.size == (width, height):
        return img
    if interpolation not in _RESAMPLING:
        raise ValueError(f"`interpolation` must be one of {list(_RESAMPLING)}. "
                         f"Received: interpolation={interpolation!r}")
    resample = getattr(Image.Resampling, interpolation.upper())
    box = None
    if keep_aspect_ratio:
        top, left, crop_height, crop_width = centered_crop(img.height, img.width, height, width)
        box = (left, top, left + crop_width, top + crop_height)
    return img.resize((width, height), resample, box=box)


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image (or any array-like image) as a 3D NumPy array.

    Args:
        img: the image.
        data_format: `"channels_last"` (`(height, width, channels)`) or `"channels_first"`;
            None: `keras.config.image_data_format()`.
        dtype: the array's dtype; None: `keras.config.floatx()`.

    Returns:
        A NumPy array; single-channel images get a channel axis of size 1.
    """
    data_format = standardize_data_format(data_format)
    array = np.asarray(img, dtype=floatx() if dtype is None else dtype)
    if array.ndim == 2:
        array = array[None] if data_format == "channels_first" else array[..., None]
    elif array.ndim == 3:
        if data_format == "channels_first":
            array = array.transpose(2, 0, 1)
    else:
        raise ValueError("Expected an image of rank 2 (height, width) or 3 (height, width, "
                         f"channels). Received an array of shape {array.shape}")
    return array


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A 3D array (NumPy, torch tensor or nested lists) as a PIL image.

    Args:
        x: the image, `(height, width, channels)` or, with `"channels_first"`,
            `(channels, height, width)`; 1 channel gives a grayscale image (`"L"`, or
            32-bit `"I"` when values exceed 255), 3 an RGB and 4 an RGBA image.
        data_format: `"channels_last"` or `"channels_first"`; None:
            `keras.config.image_data_format()`.
        scale: stretch the values linearly so the minimum becomes 0 and the maximum 255;
            otherwise values are cast to 8 bits as they are.
        dtype: the dtype `x` is converted to first; None: `keras.config.floatx()`.

    Returns:
        A `PIL.Image.Image`.
    """
    data_format = standardize_data_format(data_format)
    Image = pil_image()
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    x = np.array(x, dtype=floatx() if dtype is None else dtype)
    if x.ndim != 3:
        raise ValueError("Expected an image array of rank 3 (one image). "
                         f"Received an array of shape {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    channels = x.shape[2]
    if channels not in (1, 3, 4):
        raise ValueError("Expected an image with 1 (grayscale), 3 (RGB) or 4 (RGBA) channels. "
                         f"Received an array of shape {x.shape} ({channels} channels)")
    if scale:
        if not np.issubdtype(x.dtype, np.floating):
            x = x.astype(floatx())
        x = x - np.min(x)
        peak = np.max(x)
        if peak != 0:
            x /= peak
        x *= 255
    if channels == 1:
        x = x[:, :, 0]
        # Values past 8 bits make a 32-bit integer image, as Keras does.
        return Image.fromarray(x.astype("int32" if np.max(x) > 255 else "uint8"))
    return Image.fromarray(x.astype("uint8"))


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Writes a 3D array as an image file.

    Args:
        path: a file path or a binary file object (then pass `file_format`).
        x: the image, as for `array_to_img`.
        data_format: `"channels_last"` or `"channels_first"`; None:
            `keras.config.image_data_format()`.
        file_format: PIL's format name (`"png"`, `"jpeg"`, ...); None: from the file's
            extension.
        scale: stretch the values to 0-255 (see `array_to_img`).
        **kwargs: passed to `PIL.Image.Image.save` (e.g. `quality=90`).
    """
    data_format = standardize_data_format(data_format)
    if file_format is None and isinstance(path, (str, os.PathLike)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format and file_format.lower() == "jpeg":
        warnings.warn("JPEG cannot store an alpha channel: the RGBA image is saved as RGB.",
                      stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last"):
    """Resize images to a target size without aspect ratio distortion.

    Image datasets typically yield images that have each a different size. To be batched,
    images need to share the same height and width; resizing them straight to `size`
    distorts the aspect ratio of most. `smart_resize` instead:

    1. Takes the largest centered crop of the image that has the same aspect
    ratio as the target size. For instance, if `size=(200, 200)` and the input
    image has size `(340, 500)`, we take a crop of `(340, 340)` centered along
    the width.
    2. Resizes the cropped image to the target size. In the example above,
    we resize the `(340, 340)` crop to `(200, 200)`.

    Args:
        x: Input image or batch of images (as a tensor or NumPy array).
            Must be in format `(height, width, channels)`
            or `(batch_size, height, width, channels)`.
        size: Tuple of `(height, width)` integer. Target size.
        interpolation: String, interpolation to use for resizing.
            Supports `"bilinear"`, `"nearest"`, `"bicubic"` and `"area"`.
            Defaults to `"bilinear"`.
        data_format: `"channels_last"` or `"channels_first"`.

    Returns:
        Array with shape `(size[0], size[1], channels)`.
        If the input image was a NumPy array, the output is a NumPy array,
        and if it was a torch tensor, the output is a torch tensor.
    """
    from cornu.ops.image import resize

    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("`data_format` must be 'channels_last' or 'channels_first'. "
                         f"Received: data_format={data_format!r}")
    img = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    if img.ndim < 3 or img.ndim > 4:
        raise ValueError(
            "Expected an image array with shape `(height, width, channels)`, or "
            "`(batch_size, height, width, channels)`, but got input with incorrect rank, "
            f"of shape {tuple(img.shape)}.")
    if data_format == "channels_last":
        height, width = img.shape[-3], img.shape[-2]
    else:
        height, width = img.shape[-2], img.shape[-1]
    target_height, target_width = size
    # Keras's arithmetic (float division, truncation, at least one pixel).
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    top = int(float(height - crop_height) / 2)
    left = int(float(width - crop_width) / 2)
    rows, cols = slice(top, top + crop_height), slice(left, left + crop_width)
    if data_format == "channels_last":
        img = img[..., rows, cols, :]
    else:
        img = img[..., rows, cols]
    img = resize(img, size=size, interpolation=interpolation, data_format=data_format)
    if isinstance(x, np.ndarray):
        return img.detach().cpu().numpy()
    return img
