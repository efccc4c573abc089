"""`Cropping1D/2D/3D`: remove slices at the borders of the spatial dims."""

from cornu.backend.config import standardize_data_format
from cornu.layers.layer import Layer
from cornu.layers.reshaping.reshape_utils import check_rank, int_tuple, pairs, spatial_axes


class _Cropping(Layer):
    _rank = None

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        n = self._rank - 2
        if n == 1:
            self.cropping = int_tuple(self, cropping, 2, "cropping")
        else:
            self.cropping = pairs(self, cropping, n, "cropping")
        self.data_format = standardize_data_format(data_format)
        self._axes = spatial_axes(self.data_format, n)
        crops = [self.cropping] if n == 1 else list(self.cropping)
        self._crops = dict(zip(self._axes, crops))
        self.built = True

    def _check_size(self, shape):
        for axis, (before, after) in self._crops.items():
            if shape[axis] is not None and before + after >= shape[axis]:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': `cropping` must leave at least one "
                    f"element of each spatial dim. Received: cropping={self.cropping}, input "
                    f"shape={tuple(shape)}")

    def call(self, inputs):
        check_rank(self, inputs, self._rank)
        self._check_size(inputs.shape)
        index = [slice(None)] * inputs.dim()
        for axis, (before, after) in self._crops.items():
            index[axis] = slice(before, inputs.shape[axis] - after)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, self._rank)
        self._check_size(input_shape)
        shape = list(input_shape)
        for axis, (before, after) in self._crops.items():
            if shape[axis] is not None:
                shape[axis] -= before + after
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        cropping = list(self.cropping) if self._rank == 3 else [list(c) for c in self.cropping]
        config.update({"cropping": cropping, "data_format": self.data_format})
        return config


class Cropping1D(_Cropping):
    """Crops the steps axis of `(batch, steps, features)` inputs.

    Args:
        cropping: an int (both sides) or `(before, after)`.
    """

    _rank = 3

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, "channels_last", **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("data_format")
        return config


class Cropping2D(_Cropping):
    """Crops rows and columns.

    Args:
        cropping: an int, `(rows, cols)` (symmetric) or `((top, bottom), (left, right))`.
        data_format: "channels_last" `(batch, rows, cols, channels)` or "channels_first".
    """

    _rank = 4

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Crops the three spatial dims.

    Args:
        cropping: an int, 3 ints (symmetric) or 3 `(before, after)` pairs.
        data_format: "channels_last" `(batch, d1, d2, d3, channels)` or "channels_first".
    """

    _rank = 5

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
