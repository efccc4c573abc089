"""Affine resampling of image batches, with the fill modes of Keras's image layers.

Output pixel `(y, x)` of image `i` reads the input at

    x' = a0 * x + a1 * y + a2,    y' = b0 * x + b1 * y + b2

where `transforms[i] = (a0, a1, a2, b0, b1, b2)` and coordinates are pixel indices (pixel
centres at integers). Points that fall outside the image are read from the image extended
as `fill_mode` says, one integer tap at a time (so bilinear interpolation near an edge mixes
real pixels with the extension's pixels, exactly as Keras's `affine_transform` does):

- "reflect":  `d c b a | a b c d | d c b a` (mirrored about the edge of the last pixel)
- "wrap":     `a b c d | a b c d | a b c d`
- "nearest":  `a a a a | a b c d | d d d d`
- "constant": `k k k k | a b c d | k k k k` with `k = fill_value`

`torch.nn.functional.grid_sample` reflects the continuous coordinate and has no wrap mode,
so its results differ from Keras's near the edges; this module gathers the taps itself.
"""

import math

import torch

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def _fold_index(index, size, fill_mode):
    """Integer indices of the extended image mapped to indices into `[0, size)`."""
    if fill_mode == "wrap":
        return torch.remainder(index, size)
    if fill_mode == "reflect":
        folded = torch.remainder(index, 2 * size)  # one period: the row, then the row reversed
        return torch.where(folded >= size, 2 * size - 1 - folded, folded)
    # "nearest"; "constant" taps outside the image are replaced by the fill value afterwards.
    return index.clamp(0, size - 1)


def _taps(coords, size, interpolation, fill_mode):
    """`[(index, weight, inside)]` along one axis for float pixel coordinates `coords`."""
    if interpolation == "nearest":
        taps = [(torch.round(coords), None)]  # rounds half to even
    else:
        lower = torch.floor(coords)
        frac = coords - lower
        taps = [(lower, 1.0 - frac), (lower + 1.0, frac)]
    result = []
    for position, weight in taps:
        index = position.to(torch.int64)
        inside = (index >= 0) & (index < size) if fill_mode == "constant" else None
        result.append((_fold_index(index, size, fill_mode), weight, inside))
    return result


def affine_transform(images, transforms, interpolation="bilinear", fill_mode="reflect",
                     fill_value=0.0):
    """Resamples NCHW float `images` through one affine map per image.

    Args:
        images: `(N, C, H, W)` floating tensor.
        transforms: `(N, 6)` tensor of `(a0, a1, a2, b0, b1, b2)` (see the module docstring);
            further columns (Keras's projective terms) are ignored.
        interpolation: "nearest" or "bilinear".
        fill_mode: "reflect", "wrap", "constant" or "nearest".
        fill_value: the value of points outside the image when `fill_mode="constant"`.

    Returns:
        The resampled images, same shape and dtype as `images`.
    """
    n, c, h, w = images.shape
    device = images.device
    # Coordinates and weights in float32 at least: half precision cannot address pixels.
    work_dtype = torch.float64 if images.dtype == torch.float64 else torch.float32
    t = transforms.to(device=device, dtype=work_dtype)
    rows = torch.arange(h, device=device, dtype=work_dtype).view(1, h, 1)
    cols = torch.arange(w, device=device, dtype=work_dtype).view(1, 1, w)
    a0, a1, a2, b0, b1, b2 = (t[:, k].view(n, 1, 1) for k in range(6))
    src_y = (rows * b1 + cols * b0 + b2).reshape(n, h * w)
    src_x = (rows * a1 + cols * a0 + a2).reshape(n, h * w)

    flat = images.to(work_dtype).reshape(n, c, h * w)
    out = None
    for iy, wy, in_y in _taps(src_y, h, interpolation, fill_mode):
        for ix, wx, in_x in _taps(src_x, w, interpolation, fill_mode):
            index = (iy * w + ix).unsqueeze(1).expand(n, c, h * w)
            values = torch.gather(flat, 2, index)
            if fill_mode == "constant":
                values = torch.where((in_y & in_x).unsqueeze(1), values, float(fill_value))
            if wy is not None:
                values = values * (wy * wx).unsqueeze(1)
            out = values if out is None else out + values
    return out.reshape(n, c, h, w).to(images.dtype)


def rotation_transforms(angles, height, width):
    """Transforms rotating each image by `angles` (degrees, counter-clockwise) about its centre."""
    radians = angles * torch.tensor(math.pi / 180.0, dtype=angles.dtype, device=angles.device)
    cos, sin = torch.cos(radians), torch.sin(radians)
    cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
    a2 = cx - cx * cos + cy * sin
    b2 = cy - cx * sin - cy * cos
    return torch.stack([cos, -sin, a2, sin, cos, b2], dim=1)


def zoom_transforms(zoom_y, zoom_x, height, width):
    """Transforms scaling the sampled area about the centre (`zoom > 1` zooms out)."""
    zeros = torch.zeros_like(zoom_x)
    off_x = ((width - 1.0) / 2.0) * (1.0 - zoom_x)
    off_y = ((height - 1.0) / 2.0) * (1.0 - zoom_y)
    return torch.stack([zoom_x, zeros, off_x, zeros, zoom_y, off_y], dim=1)


def translation_transforms(shift_y, shift_x):
    """Transforms moving image content by `shift_x` pixels right and `shift_y` pixels down."""
    ones, zeros = torch.ones_like(shift_x), torch.zeros_like(shift_x)
    return torch.stack([ones, zeros, -shift_x, zeros, ones, -shift_y], dim=1)
