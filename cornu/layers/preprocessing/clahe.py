"""`ContrastLimitedAdaptiveHistogramEqualization` (CLAHE): histogram equalization per tile,
with clipped histograms, blended bilinearly between tiles."""

import torch

from cornu.layers.preprocessing import color_utils, image_utils
from cornu.layers.preprocessing.base_augmentation import (BaseRandomImageLayer,
                                                          check_number, check_value_range,
                                                          is_number)


class ContrastLimitedAdaptiveHistogramEqualization(BaseRandomImageLayer):
    """Contrast Limited Adaptive Histogram Equalization, in training and at inference.

    As in Keras, each image is padded at the bottom and right (NumPy's "symmetric"
    padding) to `tile_grid_size` tiles of equal size; each tile
    and channel gets a 256-bin histogram of the values (rescaled from `value_range` to
    `[0, 255]` and truncated to ints), clipped at `clip_limit * tile_pixels / 256` with the
    excess spread evenly over the bins, whose normalized cumulative sum maps values to
    `[0, 255]`. Each pixel blends the maps of its four nearest tile centres bilinearly.
    Outputs are rescaled to `value_range` and cast back to the input dtype (floating inputs
    are first cast to the compute dtype). In a dict input, bounding boxes, labels and
    segmentation masks pass through unchanged (Keras 3.15 refuses them).

    Args:
        value_range: `(low, high)`, the range of the input values; default `(0, 255)`.
        clip_limit: the histogram clip limit, relative to a flat histogram; 0 or less
            disables clipping. Defaults to 4.0.
        tile_grid_size: `(rows, columns)` of tiles. Defaults to `(8, 8)`.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    _PIXEL_VALUES_ONLY = True

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8),
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        check_value_range(self._label, value_range)
        check_number(self._label, "clip_limit", clip_limit)
        if (not isinstance(tile_grid_size, (tuple, list)) or len(tile_grid_size) != 2
                or not all(is_number(v) and int(v) == v and v >= 1 for v in tile_grid_size)):
            raise ValueError(f"{self._label}: `tile_grid_size` must be two positive ints "
                             f"(rows, columns). Received: tile_grid_size={tile_grid_size!r}")
        self.value_range = value_range
        self.clip_limit = clip_limit
        self.tile_grid_size = tile_grid_size

    def transform_images(self, images, transformation=None, training=True):
        if not isinstance(images, torch.Tensor):
            images = torch.as_tensor(images)
        if images.is_floating_point():
            images = images.to(self._compute_torch_dtype)
        x, unbatched = image_utils.to_nchw(images, self.data_format)
        values = color_utils.rescale(x, self.value_range, (0, 255))
        if values.is_floating_point():
            values = values.to(torch.float32)
        out = self._equalize(values)
        out = color_utils.rescale(out, (0, 255), self.value_range).to(images.dtype)
        return image_utils.from_nchw(out, self.data_format, unbatched)

    def _equalize(self, images):
        """CLAHE of `(N, C, H, W)` values in `[0, 255]`; float32 results of the same shape."""
        n, c, height, width = images.shape
        grid_h, grid_w = (int(v) for v in self.tile_grid_size)
        tile_h, tile_w = -(-height // grid_h), -(-width // grid_w)
        device = images.device
        rows = _symmetric_indices(height, tile_h * grid_h, device)
        cols = _symmetric_indices(width, tile_w * grid_w, device)
        # Truncated like Keras's int cast, then clipped; NaN goes to 0.
        levels = images.to(torch.int32).clamp(0, 255).long()
        padded = levels.index_select(2, rows).index_select(3, cols)

        # 256-bin histograms of every (image, channel, tile row, tile column).
        tile_row = (torch.arange(tile_h * grid_h, device=device) // tile_h).view(1, 1, -1, 1)
        tile_col = (torch.arange(tile_w * grid_w, device=device) // tile_w).view(1, 1, 1, -1)
        plane = torch.arange(n * c, device=device).view(n, c, 1, 1)
        bins = ((plane * grid_h + tile_row) * grid_w + tile_col) * 256 + padded
        hists = torch.bincount(bins.reshape(-1), minlength=n * c * grid_h * grid_w * 256)
        hists = hists.to(torch.float32).view(n, c, grid_h, grid_w, 256)

        pixels_per_tile = tile_h * tile_w
        if self.clip_limit > 0:
            # Keras casts the limit to float32 before clipping.
            limit = float(torch.tensor(self.clip_limit * pixels_per_tile / 256.0,
                                       dtype=torch.float32))
            clipped = hists.clamp(0, limit)
            excess = (hists - clipped).sum(-1, keepdim=True)
            hists = clipped + excess / 256.0
        cdf = hists.cumsum(-1)
        cdf_min = cdf.amin(-1, keepdim=True)
        denominator = float(pixels_per_tile) - cdf_min
        denominator = torch.where(denominator == 0, torch.ones_like(denominator), denominator)
        lut = ((cdf - cdf_min) * 255.0 / denominator).clamp(0, 255)
        # Edge tiles repeated once around the grid, so border pixels blend with themselves.
        lut = torch.cat([lut[:, :, :1], lut, lut[:, :, -1:]], dim=2)
        lut = torch.cat([lut[:, :, :, :1], lut, lut[:, :, :, -1:]], dim=3)

        # Only the unpadded pixels are needed: Keras crops them out of its result.
        y0, y1, wy = _neighbours(height, tile_h, grid_h, device)
        x0, x1, wx = _neighbours(width, tile_w, grid_w, device)
        n_idx = torch.arange(n, device=device).view(n, 1, 1, 1)
        c_idx = torch.arange(c, device=device).view(1, c, 1, 1)
        y0, y1, wy = y0.view(1, 1, -1, 1), y1.view(1, 1, -1, 1), wy.view(1, 1, -1, 1)
        x0, x1, wx = x0.view(1, 1, 1, -1), x1.view(1, 1, 1, -1), wx.view(1, 1, 1, -1)
        nw = lut[n_idx, c_idx, y0, x0, levels]
        ne = lut[n_idx, c_idx, y0, x1, levels]
        sw = lut[n_idx, c_idx, y1, x0, levels]
        se = lut[n_idx, c_idx, y1, x1, levels]
        top = nw * (1.0 - wx) + ne * wx
        bottom = sw * (1.0 - wx) + se * wx
        return top * (1.0 - wy) + bottom * wy

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range, "clip_limit": self.clip_limit,
                       "tile_grid_size": self.tile_grid_size})
        return config


def _symmetric_indices(size, padded_size, device):
    """Source indices of NumPy's "symmetric" padding of `size` items at the end up to
    `padded_size` (the edge item repeated, then the items mirrored)."""
    index = torch.arange(padded_size, device=device) % (2 * size)
    return torch.where(index >= size, 2 * size - 1 - index, index)


def _neighbours(size, tile, grid, device):
    """For each pixel along one axis: the two tile rows (or columns) of the edge-padded grid
    it blends, and the weight of the second."""
    coord = (torch.arange(size, dtype=torch.float32, device=device) - tile / 2.0) / tile + 1.0
    low = torch.floor(coord)
    weight = coord - low
    high = (low + 1.0).clamp(0, grid + 1).long()
    return low.clamp(0, grid + 1).long(), high, weight
