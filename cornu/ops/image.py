"""`cornu.ops.image`: image ops on batched (4-D) or single (3-D) images.

`data_format` defaults to `cornu.config.image_data_format()`. Resizing shares its code
with the `Resizing` layer.
"""

import torch
import torch.nn.functional as F

from cornu.backend.config import floatx, standardize_data_format
from cornu.ops.promotion import tensor
from cornu.ops.symbolic_dispatch import symbolic_op
from cornu.utils.dtypes import to_torch_dtype

__all__ = ["resize", "affine_transform", "crop_images", "pad_images", "rgb_to_grayscale",
           "rgb_to_hsv", "hsv_to_rgb", "extract_patches", "gaussian_blur",
           "perspective_transform", "elastic_transform", "map_coordinates",
           "scale_and_translate", "sobel_edges", "ssim", "extract_patches_3d"]


def _images(images, who):
    images = tensor(images)
    if images.ndim not in (3, 4):
        raise ValueError(f"`{who}`: expected images of rank 3 (single image) or 4 (batch). "
                         f"Received: images.shape={tuple(images.shape)}")
    return images


def _to_nchw(images, data_format):
    from cornu.layers.preprocessing import image_utils
    return image_utils.to_nchw(images, data_format)


def _from_nchw(images, data_format, unbatched):
    from cornu.layers.preprocessing import image_utils
    return image_utils.from_nchw(images, data_format, unbatched)


def _restore_dtype(x, dtype):
    if x.dtype == dtype:
        return x
    if dtype.is_floating_point:
        return x.to(dtype)
    from cornu.layers.preprocessing import image_utils
    return image_utils.saturate_cast(x, dtype)


@symbolic_op(name="image.resize", options_as_keywords=True)
def resize(images, size, interpolation="bilinear", antialias=False,
           crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, fill_mode="constant",
           fill_value=0.0, data_format=None):
    """Resizes images to `size = (height, width)`.

    `interpolation`: "bilinear", "nearest", "bicubic" or "area". `crop_to_aspect_ratio` /
    `pad_to_aspect_ratio` first center-crop / pad (with `fill_value`) to the target's aspect
    ratio. Integer images are resized in float32, then rounded and clamped back.
    """
    from cornu.layers.preprocessing import image_utils
    data_format = standardize_data_format(data_format)
    images = _images(images, "resize")
    if len(size) != 2:
        raise ValueError(f"`size` must be (height, width). Received: size={size!r}")
    height, width = int(size[0]), int(size[1])
    if interpolation not in image_utils.INTERPOLATIONS:
        raise ValueError(f"`interpolation` must be one of {sorted(image_utils.INTERPOLATIONS)}."
                         f" Received: interpolation={interpolation!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be "
                         "True.")
    if fill_mode != "constant":
        raise ValueError(f"Only fill_mode='constant' is supported. Received: {fill_mode!r}")
    dtype = images.dtype
    x, unbatched = _to_nchw(images, data_format)
    x = image_utils.as_resizable(x)
    if crop_to_aspect_ratio:
        x = image_utils.crop_to_aspect_ratio(x, height, width)
    elif pad_to_aspect_ratio:
        x = image_utils.pad_to_aspect_ratio(x, height, width, fill_value)
    x = image_utils.resize(x, height, width, interpolation, antialias)
    return _restore_dtype(_from_nchw(x, data_format, unbatched), dtype)


_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _fold_index(i, n, fill_mode):
    """Integer coordinates `i` brought into `[0, n)` by `fill_mode` (constant: clamped)."""
    if fill_mode == "wrap":
        return torch.remainder(i, n)
    if fill_mode == "reflect":  # (d c b a | a b c d | d c b a)
        m = torch.remainder(i, 2 * n)
        return torch.where(m >= n, 2 * n - 1 - m, m)
    if fill_mode == "mirror" and n > 1:  # (d c b | a b c d | c b a)
        m = torch.remainder(i, 2 * n - 2)
        return torch.where(m >= n, 2 * n - 2 - m, m)
    return i.clamp(0, n - 1)


def _sample(x, rows, cols, interpolation, fill_mode, fill_value):
    """Samples NCHW `x` at float coordinates `rows`, `cols` (shape (N, H', W'))."""
    n, c, h, w = x.shape
    flat = x.reshape(n, c, h * w)

    def tap(r, q):
        inside = (r >= 0) & (r < h) & (q >= 0) & (q < w)
        r, q = _fold_index(r, h, fill_mode), _fold_index(q, w, fill_mode)
        index = (r * w + q).reshape(n, 1, -1).expand(n, c, -1)
        values = flat.gather(2, index).reshape(n, c, *rows.shape[1:])
        if fill_mode == "constant":
            values = torch.where(inside.unsqueeze(1), values,
                                 torch.as_tensor(fill_value, dtype=x.dtype, device=x.device))
        return values

    if interpolation == "nearest":
        # Halves round to even, as Keras's torch and JAX backends do.
        return tap(torch.round(rows).long(), torch.round(cols).long())
    r0, q0 = torch.floor(rows), torch.floor(cols)
    dr, dq = (rows - r0).unsqueeze(1).to(x.dtype), (cols - q0).unsqueeze(1).to(x.dtype)
    r0, q0 = r0.long(), q0.long()
    top = tap(r0, q0) * (1 - dq) + tap(r0, q0 + 1) * dq
    bottom = tap(r0 + 1, q0) * (1 - dq) + tap(r0 + 1, q0 + 1) * dq
    return top * (1 - dr) + bottom * dr


@symbolic_op(name="image.affine_transform")
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Resamples images through projective transforms `[a0, a1, a2, b0, b1, b2, c0, c1]`.

    Output pixel `(x, y)` (column, row) reads the input at `((a0 x + a1 y + a2) / k,
    (b0 x + b1 y + b2) / k)` with `k = c0 x + c1 y + 1`. `transform` is one row of 8 or one
    row per image. `fill_mode` ("constant", "nearest", "wrap", "mirror", "reflect") decides
    what lies outside the input.
    """
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError("`interpolation` must be 'nearest' or 'bilinear'. "
                         f"Received: interpolation={interpolation!r}")
    if fill_mode not in _FILL_MODES:
        raise ValueError(f"`fill_mode` must be one of {_FILL_MODES}. Received: {fill_mode!r}")
    data_format = standardize_data_format(data_format)
    images = _images(images, "affine_transform")
    dtype = images.dtype
    x, unbatched = _to_nchw(images, data_format)
    if not x.is_floating_point():
        x = x.to(to_torch_dtype(floatx()))
    work = torch.float64 if x.dtype == torch.float64 else torch.float32
    transform = tensor(transform, work, x.device)
    if transform.ndim == 1:
        transform = transform.unsqueeze(0)
    if transform.ndim != 2 or transform.shape[-1] != 8:
        raise ValueError("`transform` must have shape (8,) or (N, 8). Received: "
                         f"{tuple(transform.shape)}")
    n, _, h, w = x.shape
    transform = transform.expand(n, 8)
    ys, xs = torch.meshgrid(torch.arange(h, dtype=work, device=x.device),
                            torch.arange(w, dtype=work, device=x.device), indexing="ij")
    a = [transform[:, i].reshape(n, 1, 1) for i in range(8)]
    k = a[6] * xs + a[7] * ys + 1
    cols = (a[0] * xs + a[1] * ys + a[2]) / k
    rows = (a[3] * xs + a[4] * ys + a[5]) / k
    out = _sample(x, rows, cols, interpolation, fill_mode, fill_value)
    return _restore_dtype(_from_nchw(out, data_format, unbatched), dtype)


def _crop_or_pad_sizes(size, before, after, target, who, crop):
    given = [v is not None for v in (before, after, target)]
    if all(given):
        raise ValueError(f"`{who}`: set at most two of the before/after amounts and the target "
                         "size of an axis.")
    if target is None:
        before, after = before or 0, after or 0
        target = size - before - after if crop else size + before + after
    elif before is None:
        after = after or 0
        before = size - target - after if crop else target - after - size
    else:
        after = size - target - before if crop else target - before - size
    if min(before, after, target) < 0:
        raise ValueError(f"`{who}`: the amounts must be >= 0 for an axis of size {size}. "
                         f"Received: before={before}, after={after}, target={target}")
    return before, after, target


@symbolic_op(name="image.crop_images", options_as_keywords=True)
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """Crops images; per axis give two of the two margins and the target size."""
    data_format = standardize_data_format(data_format)
    images = _images(images, "crop_images")
    h_axis = images.ndim - (3 if data_format == "channels_last" else 2)
    top, _, th = _crop_or_pad_sizes(images.shape[h_axis], top_cropping, bottom_cropping,
                                    target_height, "crop_images", True)
    left, _, tw = _crop_or_pad_sizes(images.shape[h_axis + 1], left_cropping, right_cropping,
                                     target_width, "crop_images", True)
    return images.narrow(h_axis, top, th).narrow(h_axis + 1, left, tw)


@symbolic_op(name="image.pad_images", options_as_keywords=True)
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Pads images with zeros; per axis give two of the two margins and the target size."""
    data_format = standardize_data_format(data_format)
    images = _images(images, "pad_images")
    h_axis = images.ndim - (3 if data_format == "channels_last" else 2)
    top, bottom, _ = _crop_or_pad_sizes(images.shape[h_axis], top_padding, bottom_padding,
                                        target_height, "pad_images", False)
    left, right, _ = _crop_or_pad_sizes(images.shape[h_axis + 1], left_padding,
                                        right_padding, target_width, "pad_images", False)
    pads = [0, 0] * (images.ndim - h_axis - 2) + [left, right, top, bottom]
    return F.pad(images, pads)


def _channel_axis(images, data_format):
    return -1 if data_format == "channels_last" else -3


def _float_images(images):
    return images if images.is_floating_point() else images.to(to_torch_dtype(floatx()))


@symbolic_op(name="image.rgb_to_grayscale", options_as_keywords=True)
def rgb_to_grayscale(images, data_format=None):
    """Luma `0.2989 R + 0.587 G + 0.114 B`, keeping a channel axis of size 1."""
    data_format = standardize_data_format(data_format)
    images = _images(images, "rgb_to_grayscale")
    axis = _channel_axis(images, data_format)
    x = _float_images(images)
    weights = torch.tensor([0.2989, 0.5870, 0.1140], dtype=x.dtype, device=x.device)
    shape = [1] * x.ndim
    shape[axis] = 3
    gray = (x * weights.reshape(shape)).sum(dim=axis, keepdim=True)
    return _restore_dtype(gray, images.dtype)


@symbolic_op(name="image.rgb_to_hsv", options_as_keywords=True)
def rgb_to_hsv(images, data_format=None):
    """RGB in [0, 1] to hue, saturation, value, each in [0, 1] (float images only)."""
    data_format = standardize_data_format(data_format)
    images = _images(images, "rgb_to_hsv")
    if not images.is_floating_point():
        raise ValueError(f"`rgb_to_hsv` expects float images. Received: dtype={images.dtype}")
    axis = _channel_axis(images, data_format)
    r, g, b = images.unbind(axis)
    value = torch.maximum(torch.maximum(r, g), b)
    delta = value - torch.minimum(torch.minimum(r, g), b)
    safe_value = torch.where(value > 0, value, torch.ones_like(value))
    saturation = torch.where(value > 0, delta / safe_value, torch.zeros_like(value))
    safe_delta = torch.where(delta > 0, delta, torch.ones_like(delta))
    hue = torch.where(value == r, (g - b) / safe_delta,
                      torch.where(value == g, (b - r) / safe_delta + 2,
                                  (r - g) / safe_delta + 4))
    hue = torch.where(delta > 0, torch.remainder(hue / 6.0, 1.0), torch.zeros_like(hue))
    return torch.stack([hue, saturation, value], dim=axis)


@symbolic_op(name="image.hsv_to_rgb", options_as_keywords=True)
def hsv_to_rgb(images, data_format=None):
    """Hue, saturation, value in [0, 1] to RGB (float images only)."""
    data_format = standardize_data_format(data_format)
    images = _images(images, "hsv_to_rgb")
    if not images.is_floating_point():
        raise ValueError(f"`hsv_to_rgb` expects float images. Received: dtype={images.dtype}")
    axis = _channel_axis(images, data_format)
    hue, saturation, value = images.unbind(axis)
    sector = hue * 6.0
    red = (torch.abs(sector - 3.0) - 1.0).clamp(0.0, 1.0)
    green = (2.0 - torch.abs(sector - 2.0)).clamp(0.0, 1.0)
    blue = (2.0 - torch.abs(sector - 4.0)).clamp(0.0, 1.0)
    rgb = torch.stack([red, green, blue], dim=axis)
    saturation, value = saturation.unsqueeze(axis), value.unsqueeze(axis)
    return ((rgb - 1.0) * saturation + 1.0) * value


def _pair_arg(v, name):
    if isinstance(v, int):
        return v, v
    if len(v) != 2:
        raise ValueError(f"`{name}` must be an int or a pair of ints. Received: {v!r}")
    return int(v[0]), int(v[1])


@symbolic_op(name="image.extract_patches", options_as_keywords=True)
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """Patches of `size` as channels: `(..., rows, cols, ph * pw * C)` (channels_last).

    Each patch is flattened row by row, channels innermost; `strides` default to `size`;
    `padding` "valid" or "same" (as TensorFlow pads: more after than before). A `size` of
    three ints extracts 3-D patches from volumes, as `extract_patches_3d`.
    """
    if not isinstance(size, int) and len(size) == 3:
        from cornu.ops.image_extra import _extract_patches_3d
        return _extract_patches_3d.__wrapped__(images, size, strides, dilation_rate, padding,
                                               data_format)
    data_format = standardize_data_format(data_format)
    images = _images(images, "extract_patches")
    kh, kw = _pair_arg(size, "size")
    sh, sw = (kh, kw) if strides is None else _pair_arg(strides, "strides")
    dh, dw = _pair_arg(dilation_rate, "dilation_rate")
    if padding not in ("valid", "same"):
        raise ValueError(f"`padding` must be 'valid' or 'same'. Received: {padding!r}")
    x, unbatched = _to_nchw(images, data_format)
    n, c, h, w = x.shape
    if padding == "same":
        pads = []
        for length, k, s, d in ((w, kw, sw, dw), (h, kh, sh, dh)):
            out = -(-length // s)
            total = max((out - 1) * s + (k - 1) * d + 1 - length, 0)
            pads += [total // 2, total - total // 2]
        x = F.pad(x, pads)
    cols = F.unfold(x.float() if not x.is_floating_point() else x, (kh, kw),
                    dilation=(dh, dw), stride=(sh, sw)).to(x.dtype)  # (N, C*kh*kw, L)
    oh = (x.shape[2] - (kh - 1) * dh - 1) // sh + 1
    ow = (x.shape[3] - (kw - 1) * dw - 1) // sw + 1
    # (C, kh, kw) order -> (kh, kw, C), the patch's pixels row by row with channels inside.
    patches = cols.reshape(n, c, kh * kw, oh, ow).transpose(1, 2).reshape(n, kh * kw * c, oh, ow)
    return _from_nchw(patches, data_format, unbatched)


from cornu.ops.image_extra import (elastic_transform, extract_patches_3d,  # noqa: E402
                                   gaussian_blur, map_coordinates, perspective_transform,
                                   scale_and_translate, sobel_edges, ssim)
