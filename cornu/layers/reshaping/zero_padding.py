"""`ZeroPadding1D/2D/3D`: pad the spatial dims with zeros."""

import torch.nn.functional as F

from cornu.backend.config import standardize_data_format
from cornu.layers.layer import Layer
from cornu.layers.reshaping.reshape_utils import check_rank, int_tuple, pairs, spatial_axes


class _ZeroPadding(Layer):
    _rank = None

    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(**kwargs)
        n = self._rank - 2
        if n == 1:
            self.padding = int_tuple(self, padding, 2, "padding")
        else:
            self.padding = pairs(self, padding, n, "padding")
        self.data_format = standardize_data_format(data_format)
        self._axes = spatial_axes(self.data_format, n)
        pads = [self.padding] if n == 1 else list(self.padding)
        self._pads = dict(zip(self._axes, pads))
        # F.pad lists (before, after) pairs from the last dim backwards.
        self._torch_pad = []
        for axis in reversed(range(1, self._rank)):
            self._torch_pad += list(self._pads.get(axis, (0, 0)))
        self.built = True

    def call(self, inputs):
        check_rank(self, inputs, self._rank)
        return F.pad(inputs, self._torch_pad)

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, self._rank)
        shape = list(input_shape)
        for axis, (before, after) in self._pads.items():
            if shape[axis] is not None:
                shape[axis] += before + after
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        padding = list(self.padding) if self._rank == 3 else [list(p) for p in self.padding]
        config.update({"padding": padding, "data_format": self.data_format})
        return config


class ZeroPadding1D(_ZeroPadding):
    """Pads the steps axis with zeros.

    Args:
        padding: an int (both sides) or `(before, after)`.
        data_format: "channels_last" `(batch, steps, features)` or "channels_first".
    """

    _rank = 3

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    """Pads rows and columns with zeros.

    Args:
        padding: an int, `(rows, cols)` (symmetric) or `((top, bottom), (left, right))`.
        data_format: "channels_last" `(batch, rows, cols, channels)` or "channels_first".
    """

    _rank = 4

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Pads the three spatial dims with zeros.

    Args:
        padding: an int, 3 ints (symmetric) or 3 `(before, after)` pairs.
        data_format: "channels_last" `(batch, d1, d2, d3, channels)` or "channels_first".
    """

    _rank = 5

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)
