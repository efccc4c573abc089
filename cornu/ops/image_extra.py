"""More of `cornu.ops.image`: blurs, warps, resampling, edges, SSIM and 3-D patches.

Split from `cornu.ops.image` (which re-exports everything here) to keep modules short.
"""

import math

import torch
import torch.nn.functional as F

from cornu.backend.config import floatx, standardize_data_format
from cornu.ops.image import (_FILL_MODES, _fold_index, _from_nchw, _images, _restore_dtype,
                             _sample, _to_nchw)
from cornu.ops.promotion import tensor
from cornu.ops.symbolic_dispatch import symbolic_op
from cornu.utils.dtypes import to_torch_dtype

__all__ = ["gaussian_blur", "perspective_transform", "elastic_transform", "map_coordinates",
           "scale_and_translate", "sobel_edges", "ssim", "extract_patches_3d"]

_INTERPOLATION_ORDERS = {"nearest": 0, "bilinear": 1}


def _work_dtype(x):
    return x.dtype if x.is_floating_point() else to_torch_dtype(floatx())


def _check_interpolation(interpolation):
    if interpolation not in _INTERPOLATION_ORDERS:
        raise ValueError("`interpolation` must be 'nearest' or 'bilinear'. "
                         f"Received: interpolation={interpolation!r}")


def _gaussian_kernel1d(size, sigma, dtype, device):
    x = torch.arange(size, dtype=dtype, device=device) - (size - 1) / 2
    kernel = torch.exp(-0.5 * (x / sigma) ** 2)
    return kernel / kernel.sum()


def _blur_nchw(x, kernel_size, sigma):
    """Depthwise Gaussian blur of float NCHW `x`, zero-padded to keep the size ("same")."""
    kh, kw = kernel_size
    c = x.shape[1]
    kernel = torch.outer(_gaussian_kernel1d(kh, sigma[0], x.dtype, x.device),
                         _gaussian_kernel1d(kw, sigma[1], x.dtype, x.device))
    # "same" padding as TensorFlow and JAX pad: any odd pixel goes after.
    x = F.pad(x, [(kw - 1) // 2, kw // 2, (kh - 1) // 2, kh // 2])
    return F.conv2d(x, kernel.expand(c, 1, kh, kw), groups=c)


def _pair(value, name, cast):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return cast(value), cast(value)
    value = tuple(value.tolist() if isinstance(value, torch.Tensor) else value)
    if len(value) != 2:
        raise ValueError(f"`{name}` must be a number or a pair of numbers. Received: {value!r}")
    return cast(value[0]), cast(value[1])


@symbolic_op(name="image.gaussian_blur", options_as_keywords=True)
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Applies a Gaussian blur to the image(s).

    Args:
        images: Input image or batch of images. Must be 3D or 4D.
        kernel_size: A tuple of two integers, the height and width of the Gaussian kernel.
        sigma: A tuple of two floats, the kernel's standard deviation along height and width.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.

    Returns:
        Blurred image or batch of images (zero padding keeps the size).
    """
    data_format = standardize_data_format(data_format)
    images = _images(images, "gaussian_blur")
    kernel_size = _pair(kernel_size, "kernel_size", int)
    sigma = _pair(sigma, "sigma", float)
    if min(kernel_size) < 1:
        raise ValueError(f"`kernel_size` must be positive. Received: {kernel_size}")
    dtype = images.dtype
    x, unbatched = _to_nchw(images, data_format)
    out = _blur_nchw(x.to(_work_dtype(x)), kernel_size, sigma)
    return _restore_dtype(_from_nchw(out, data_format, unbatched), dtype)


def _homography(start_points, end_points):
    """(N, 8) projective transforms sending output `end_points` to input `start_points`."""
    rows, target = [], []
    for i in range(4):
        sx, sy = start_points[:, i, 0], start_points[:, i, 1]
        ex, ey = end_points[:, i, 0], end_points[:, i, 1]
        one, zero = torch.ones_like(ex), torch.zeros_like(ex)
        rows.append(torch.stack([ex, ey, one, zero, zero, zero, -sx * ex, -sx * ey], -1))
        rows.append(torch.stack([zero, zero, zero, ex, ey, one, -sy * ex, -sy * ey], -1))
        target += [sx, sy]
    matrix = torch.stack(rows, dim=1)
    return torch.linalg.solve(matrix, torch.stack(target, -1).unsqueeze(-1)).squeeze(-1)


def _points(points, name, dtype, device):
    points = tensor(points, dtype, device)
    if points.ndim not in (2, 3) or tuple(points.shape[-2:]) != (4, 2):
        raise ValueError(f"`{name}` must have shape (4, 2) for a single image or (N, 4, 2) "
                         f"for a batch. Received: {name}.shape={tuple(points.shape)}")
    return points if points.ndim == 3 else points.unsqueeze(0)


@symbolic_op(name="image.perspective_transform", options_as_keywords=True)
def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format=None):
    """Applies a perspective transformation to the image(s).

    Args:
        images: Input image or batch of images. Must be 3D or 4D.
        start_points: A tensor of shape `(N, 4, 2)` or `(4, 2)`, the source points
            `(x, y)` in the original image.
        end_points: A tensor of the same shape, where those points land in the output.
        interpolation: `"nearest"` or `"bilinear"`. Defaults to `"bilinear"`.
        fill_value: Value for points read from outside the input. Defaults to `0`.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.

    Returns:
        The transformed image or batch of images.
    """
    _check_interpolation(interpolation)
    data_format = standardize_data_format(data_format)
    images = _images(images, "perspective_transform")
    dtype = images.dtype
    x, unbatched = _to_nchw(images, data_format)
    x = x.to(_work_dtype(x))
    work = torch.float64 if x.dtype == torch.float64 else torch.float32
    start = _points(start_points, "start_points", work, x.device)
    end = _points(end_points, "end_points", work, x.device)
    if start.shape != end.shape:
        raise ValueError("`start_points` and `end_points` must have the same shape. Received: "
                         f"{tuple(start.shape)} and {tuple(end.shape)}")
    n, _, h, w = x.shape
    transform = _homography(start, end).expand(n, 8)
    ys, xs = torch.meshgrid(torch.arange(h, dtype=work, device=x.device),
                            torch.arange(w, dtype=work, device=x.device), indexing="ij")
    a = [transform[:, i].reshape(n, 1, 1) for i in range(8)]
    k = a[6] * xs + a[7] * ys + 1
    cols = (a[0] * xs + a[1] * ys + a[2]) / k
    rows = (a[3] * xs + a[4] * ys + a[5]) / k
    out = _sample(x, rows, cols, interpolation, "constant", fill_value)
    return _restore_dtype(_from_nchw(out, data_format, unbatched), dtype)


@symbolic_op(name="image.map_coordinates", options_as_keywords=True)
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """Maps the input array to new coordinates by interpolation.

    Near the boundaries this differs from SciPy as Keras does (SciPy issue 2640 fixed).

    Args:
        inputs: The input array.
        coordinates: The coordinates at which `inputs` is evaluated: one array per axis
            of `inputs` (a leading axis of size `inputs.ndim`).
        order: The spline order, `0` (nearest neighbour) or `1` (linear).
        fill_mode: `"constant"`, `"nearest"`, `"wrap"`, `"mirror"` or `"reflect"`: how
            points outside the input are filled. Defaults to `"constant"`.
        fill_value: Value for points outside the input when `fill_mode="constant"`.
            Defaults to `0`.

    Returns:
        The interpolated values, shaped as `coordinates[0]`, of `inputs`'s dtype.
    """
    inputs = tensor(inputs)
    if isinstance(coordinates, torch.Tensor) or not isinstance(coordinates, (list, tuple)):
        coordinates = list(tensor(coordinates, device=inputs.device).unbind(0))
    else:
        coordinates = [tensor(c, device=inputs.device) for c in coordinates]
    if len(coordinates) != inputs.ndim:
        raise ValueError("The first axis of `coordinates` must be the rank of `inputs`. "
                         f"Received inputs.shape={tuple(inputs.shape)} and "
                         f"{len(coordinates)} coordinate arrays")
    if coordinates[0].ndim < 1:
        raise ValueError("`coordinates` must have rank >= 2. Received: "
                         f"shape={(len(coordinates),) + tuple(coordinates[0].shape)}")
    if fill_mode not in _FILL_MODES:
        raise ValueError(f"`fill_mode` must be one of {_FILL_MODES}. Received: {fill_mode!r}")
    if order not in (0, 1):
        raise NotImplementedError(f"`map_coordinates` supports order 0 or 1. Received: {order}")
    integer = not inputs.is_floating_point() and not inputs.is_complex()
    if integer and isinstance(fill_value, float):
        fill_value = int(fill_value)
    per_axis = []  # for each axis: [(index, in bounds, weight)]
    for coordinate, size in zip(coordinates, inputs.shape):
        if order == 0:
            c = coordinate if not coordinate.is_floating_point() else torch.round(coordinate)
            nodes = [(c.long(), 1)]
        else:
            c = coordinate if coordinate.is_floating_point() else coordinate.to(torch.float32)
            lower = torch.floor(c)
            upper = c - lower
            nodes = [(lower.long(), 1 - upper), (lower.long() + 1, upper)]
        per_axis.append([(_fold_index(i, size, fill_mode), (i >= 0) & (i < size), wt)
                         for i, wt in nodes])
    result = 0
    for corner in _product(per_axis):
        indices, inside, weight = zip(*corner)
        values = inputs[indices]
        if fill_mode == "constant":
            valid = inside[0]
            for v in inside[1:]:
                valid = valid & v
            values = torch.where(valid, values, torch.as_tensor(fill_value, dtype=values.dtype,
                                                                device=values.device))
        for wt in weight:
            values = values * wt
        result = result + values
    if integer and result.is_floating_point():
        result = torch.round(result)
    return result.to(inputs.dtype)


def _product(lists):
    if not lists:
        yield ()
        return
    for item in lists[0]:
        for rest in _product(lists[1:]):
            yield (item,) + rest


@symbolic_op(name="image.elastic_transform", options_as_keywords=True)
def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None, data_format=None):
    """Applies elastic deformation to the image(s).

    Each pixel moves by `alpha` times a random normal displacement field of standard
    deviation `sigma`, smoothed by a Gaussian of the same `sigma` (kernel size
    `int(6 * sigma) | 1`).

    Args:
        images: Input image or batch of images. Must be 3D or 4D.
        alpha: Scaling factor that controls the intensity of the deformation.
        sigma: Standard deviation of the Gaussian filter smoothing the displacements.
        interpolation: `"nearest"` or `"bilinear"`. Defaults to `"bilinear"`.
        fill_mode: `"constant"`, `"nearest"`, `"wrap"`, `"mirror"` or `"reflect"`.
            Defaults to `"reflect"`.
        fill_value: Value for points outside the input when `fill_mode="constant"`.
        seed: A Python int, a `keras.random.SeedGenerator` or `None`.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.

    Returns:
        The deformed image or batch of images.
    """
    from cornu import random
    _check_interpolation(interpolation)
    if fill_mode not in _FILL_MODES:
        raise ValueError(f"`fill_mode` must be one of {_FILL_MODES}. Received: {fill_mode!r}")
    data_format = standardize_data_format(data_format)
    images = _images(images, "elastic_transform")
    x, _ = _to_nchw(images, data_format)
    n, _, h, w = x.shape
    work = _work_dtype(x)
    noise = random.normal((2, n, h, w), dtype=work, seed=seed).to(x.device)
    return _elastic_warp(images, noise, alpha, sigma, interpolation, fill_mode, fill_value,
                         data_format)


def _elastic_warp(images, noise, alpha, sigma, interpolation, fill_mode, fill_value,
                  data_format):
    """`elastic_transform` with its standard normal draws `noise` (2, N, H, W) given."""
    images = tensor(images)
    dtype = images.dtype
    x, unbatched = _to_nchw(images, data_format)
    x = x.to(_work_dtype(x))
    sigma, alpha = float(sigma), float(alpha)
    size = int(6 * sigma) | 1
    n, _, h, w = x.shape
    field = _blur_nchw(noise.to(x.dtype).reshape(2 * n, 1, h, w) * sigma, (size, size),
                       (sigma, sigma)).reshape(2, n, h, w)
    ys, xs = torch.meshgrid(torch.arange(h, dtype=x.dtype, device=x.device),
                            torch.arange(w, dtype=x.dtype, device=x.device), indexing="ij")
    cols, rows = xs + alpha * field[0], ys + alpha * field[1]
    out = _sample(x, rows, cols, interpolation, fill_mode, fill_value)
    return _restore_dtype(_from_nchw(out, data_format, unbatched), dtype)


_SCALE_METHODS = ("linear", "bilinear", "trilinear", "triangle", "cubic", "bicubic",
                  "tricubic", "lanczos3", "lanczos5")


def _triangle(x):
    return torch.clamp(1 - torch.abs(x), min=0)


def _keys_cubic(x):
    out = ((1.5 * x - 2.5) * x) * x + 1.0
    out = torch.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
    return torch.where(x >= 2.0, torch.zeros_like(x), out)


def _lanczos(radius):
    def kernel(x):
        y = radius * torch.sin(math.pi * x) * torch.sin(math.pi * x / radius)
        safe = torch.where(x != 0, math.pi ** 2 * x ** 2, torch.ones_like(x))
        out = torch.where(x > 1e-3, y / safe, torch.ones_like(x))
        return torch.where(x > radius, torch.zeros_like(x), out)
    return kernel


def _scale_kernel(method):
    if method in ("linear", "bilinear", "trilinear", "triangle"):
        return _triangle
    if method in ("cubic", "bicubic", "tricubic"):
        return _keys_cubic
    return _lanczos(3.0 if method == "lanczos3" else 5.0)


def _weight_matrix(in_size, out_size, scale, translation, kernel, antialias):
    """(in_size, out_size) resampling weights along one axis, as JAX's scale_and_translate."""
    inv_scale = 1.0 / scale
    kernel_scale = torch.clamp(inv_scale, min=1.0) if antialias else 1.0
    sample = ((torch.arange(out_size, dtype=scale.dtype, device=scale.device) + 0.5)
              * inv_scale - translation * inv_scale - 0.5)
    grid = torch.arange(in_size, dtype=scale.dtype, device=scale.device)
    weights = kernel(torch.abs(sample[None, :] - grid[:, None]) / kernel_scale)
    total = weights.sum(dim=0, keepdim=True)
    eps = 1000.0 * torch.finfo(torch.float32).eps
    weights = torch.where(total.abs() > eps,
                          weights / torch.where(total != 0, total, torch.ones_like(total)),
                          torch.zeros_like(weights))
    inside = (sample >= -0.5) & (sample <= in_size - 0.5)
    return torch.where(inside[None, :], weights, torch.zeros_like(weights))


@symbolic_op(name="image.scale_and_translate")
def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    """Applies a scale and translation to the images.

    Along each of `spatial_dims`, input location `x` goes to output location
    `x * scale[i] + translation[i]`, with half-centered pixels (pixel `i` lies at
    `i + 0.5`); output samples that fall outside the input are zero.

    Args:
        images: The input array.
        output_shape: The output shape, a sequence of `images.ndim` integers.
        scale: A [K] array, the scale along each of `spatial_dims`.
        translation: A [K] array, the translation along each of `spatial_dims`.
        spatial_dims: A length K tuple of the axes that are scaled and translated.
        method: `"linear"`, `"bilinear"`, `"trilinear"`, `"triangle"`, `"cubic"`,
            `"bicubic"`, `"tricubic"`, `"lanczos3"` or `"lanczos5"`.
        antialias: Whether to widen the filter when downsampling. Defaults to `True`.

    Returns:
        The scaled and translated images.
    """
    if method not in _SCALE_METHODS:
        raise ValueError(f"`method` must be one of {_SCALE_METHODS}. Received: {method!r}")
    images = tensor(images)
    scale, translation = tensor(scale), tensor(translation)
    work = torch.promote_types(scale.dtype, translation.dtype)
    if not work.is_floating_point:
        work = to_torch_dtype(floatx())
    scale = scale.to(device=images.device, dtype=work).reshape(-1)
    translation = translation.to(device=images.device, dtype=work).reshape(-1)
    # Only the sizes of `spatial_dims` are read: others (such as an unknown batch size of a
    # symbolic call) may be None.
    output_shape = list(output_shape)
    if len(output_shape) != images.ndim:
        raise ValueError("`output_shape` must have one entry per axis of `images`. Received: "
                         f"output_shape={output_shape}, images.shape={tuple(images.shape)}")
    spatial_dims = list(spatial_dims)
    if len(scale) != len(spatial_dims) or len(translation) != len(spatial_dims):
        raise ValueError("`scale` and `translation` need one value per spatial dim. Received: "
                         f"{len(scale)}, {len(translation)} for spatial_dims={spatial_dims}")
    if not spatial_dims:
        return images
    integer = not images.is_floating_point()
    out = images.to(torch.float32) if integer else images
    kernel = _scale_kernel(method)
    for i, d in enumerate(spatial_dims):
        d = d % images.ndim
        weights = _weight_matrix(images.shape[d], int(output_shape[d]), scale[i], translation[i],
                                 kernel, antialias).to(out.dtype)
        out = torch.moveaxis(torch.tensordot(out, weights, dims=([d], [0])), -1, d)
    if integer:
        out = torch.clamp(torch.round(out), images.min(), images.max()).to(images.dtype)
    return out


@symbolic_op(name="image.sobel_edges", options_as_keywords=True)
def sobel_edges(images, data_format=None):
    """Computes Sobel edges of a batch of images.

    Args:
        images: A 4D batch, `(batch, height, width, channels)` for `"channels_last"` or
            `(batch, channels, height, width)` for `"channels_first"`.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.

    Returns:
        The gradients with a last axis of 2 holding `[dy, dx]`: `(batch, height, width,
        channels, 2)` for `"channels_last"`, `(batch, channels, height, width, 2)` for
        `"channels_first"` (zero padding at the borders).
    """
    data_format = standardize_data_format(data_format)
    images = tensor(images)
    if images.ndim != 4:
        raise ValueError("`sobel_edges` expects a batch of images of rank 4. Received: "
                         f"images.shape={tuple(images.shape)}")
    x, _ = _to_nchw(images, data_format)
    dtype = images.dtype
    x = x.to(_work_dtype(x))
    c = x.shape[1]
    sobel_x = torch.tensor([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=x.dtype, device=x.device)
    kernels = torch.stack([sobel_x.T, sobel_x]).unsqueeze(1).repeat(c, 1, 1, 1)
    edges = F.conv2d(F.pad(x, [1, 1, 1, 1]), kernels, groups=c)  # (N, 2C, H, W): dy, dx
    edges = edges.reshape(x.shape[0], c, 2, *x.shape[2:]).movedim(2, -1)
    if data_format == "channels_last":
        edges = edges.permute(0, 2, 3, 1, 4)
    return edges.to(dtype)


@symbolic_op(name="image.ssim", options_as_keywords=True)
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """Computes the Structural Similarity Index (SSIM) between two images.

    Args:
        image1: First image or batch of images. Must be 3D or 4D.
        image2: Second image or batch of images, of the same shape as `image1`.
        max_val: The dynamic range of the pixel values. Defaults to `1.0`.
        filter_size: Size of the Gaussian filter. Defaults to `11`.
        filter_sigma: Standard deviation of the Gaussian filter. Defaults to `1.5`.
        k1: First stabilization constant. Defaults to `0.01`.
        k2: Second stabilization constant. Defaults to `0.03`.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.

    Returns:
        One SSIM value per image pair (a scalar for single images): the mean over channels
        of the SSIM map over the filter's valid positions.
    """
    data_format = standardize_data_format(data_format)
    image1 = _images(image1, "ssim")
    image2 = _images(image2, "ssim")
    if image1.shape != image2.shape:
        raise ValueError("`image1` and `image2` must have the same shape. Received: "
                         f"{tuple(image1.shape)} and {tuple(image2.shape)}")
    dtype = image1.dtype
    a, unbatched = _to_nchw(image1, data_format)
    b, _ = _to_nchw(image2, data_format)
    work = _work_dtype(a)
    n, c, h, w = a.shape
    a, b = a.to(work).reshape(n * c, 1, h, w), b.to(work).reshape(n * c, 1, h, w)
    g = _gaussian_kernel1d(int(filter_size), float(filter_sigma), work, a.device)
    kernel = torch.outer(g, g)[None, None]

    def mean(t):
        return F.conv2d(t, kernel)

    mu1, mu2 = mean(a), mean(b)
    var1 = mean(a * a) - mu1 * mu1
    var2 = mean(b * b) - mu2 * mu2
    cov = mean(a * b) - mu1 * mu2
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    ssim_map = ((2 * mu1 * mu2 + c1) * (2 * cov + c2)
                / ((mu1 * mu1 + mu2 * mu2 + c1) * (var1 + var2 + c2)))
    result = ssim_map.mean(dim=(1, 2, 3)).reshape(n, c).mean(dim=-1)
    result = result[0] if unbatched else result
    return result.to(dtype)  # as Keras: back to the images' dtype


def _triple_arg(v, name):
    if isinstance(v, int):
        return v, v, v
    if len(v) != 3:
        raise ValueError(f"`{name}` must be an int or a tuple of 3 ints. Received: {v!r}")
    return tuple(int(i) for i in v)


def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    """Extracts patches from the volume(s).

    Args:
        volumes: Input volume or batch of volumes. Must be 4D or 5D.
        size: Patch size, an int or `(patch_depth, patch_height, patch_width)`.
        strides: Strides along depth, height and width; default to `size`.
        dilation_rate: How far apart two consecutive patch samples lie in the input.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` (`(batch, depth, height, width, channels)`) or
            `"channels_first"` (`(batch, channels, depth, height, width)`); defaults to
            `keras.config.image_data_format()`.

    Returns:
        The patches as channels, each flattened depth, row, column, then channel: 4D (if not
        batched) or 5D (if batched).
    """
    if isinstance(size, int):
        size = (size, size, size)
    return _extract_patches_3d(volumes, size, strides, dilation_rate, padding, data_format)


# Keras records 3-D patches as its `ExtractPatches` operation with a size of three ints,
# which `extract_patches` hands back here.
@symbolic_op(name="image.extract_patches", options_as_keywords=True)
def _extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                        data_format=None):
    data_format = standardize_data_format(data_format)
    volumes = tensor(volumes)
    if isinstance(size, int):
        size = (size, size, size)
    if volumes.ndim not in (4, 5):
        raise ValueError("`extract_patches_3d`: expected volumes of rank 4 (single volume) or 5 "
                         f"(batch). Received: volumes.shape={tuple(volumes.shape)}")
    kd, kh, kw = _triple_arg(size, "size")
    strides = (kd, kh, kw) if strides is None else _triple_arg(strides, "strides")
    dilation = _triple_arg(dilation_rate, "dilation_rate")
    if padding not in ("valid", "same"):
        raise ValueError(f"`padding` must be 'valid' or 'same'. Received: {padding!r}")
    unbatched = volumes.ndim == 4
    x = volumes.unsqueeze(0) if unbatched else volumes
    if data_format == "channels_last":
        x = x.permute(0, 4, 1, 2, 3)
    dtype = x.dtype
    work = dtype if dtype.is_floating_point else torch.float64
    x = x.to(work)
    c = x.shape[1]
    if padding == "same":
        pads = []
        for length, k, s, d in reversed(list(zip(x.shape[2:], (kd, kh, kw), strides,
                                                 dilation))):
            total = max((-(-length // s) - 1) * s + (k - 1) * d + 1 - length, 0)
            pads += [total // 2, total - total // 2]
        x = F.pad(x, pads)
    out_dim = kd * kh * kw * c
    # An identity kernel: output channel ((d * kh + h) * kw + w) * C + c reads x[c, d, h, w].
    kernel = torch.eye(out_dim, dtype=work, device=x.device).reshape(kd, kh, kw, c, out_dim)
    kernel = kernel.permute(4, 3, 0, 1, 2)
    out = F.conv3d(x, kernel, stride=strides, dilation=dilation).to(dtype)
    if data_format == "channels_last":
        out = out.permute(0, 2, 3, 4, 1)
    return out.squeeze(0) if unbatched else out
