"""`AveragePooling1D`, `AveragePooling2D`, `AveragePooling3D`: the mean over each window
(with "same", the mean of the window's real elements: padding is not counted)."""

from cornu.layers.pooling.base_pooling import BasePooling


class AveragePooling1D(BasePooling):
    """Average pooling over `(batch, steps, channels)` (or channels-first) inputs.

    Args:
        pool_size: int, the window size.
        strides: int, the window step; `pool_size` when None.
        padding: "valid" or "same" (output length `ceil(steps / strides)`).
        data_format: "channels_last" or "channels_first"; the global default when None.
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, 1, "average", padding, data_format, name=name,
                         **kwargs)


class AveragePooling2D(BasePooling):
    """Average pooling over `(batch, height, width, channels)` (or channels-first) inputs.

    Args:
        pool_size: int or tuple of 2 ints, the window size.
        strides: int or tuple of 2 ints, the window step; `pool_size` when None.
        padding: "valid" or "same" (output size `ceil(input / strides)`).
        data_format: "channels_last" or "channels_first"; the global default when None.
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, 2, "average", padding, data_format, name=name,
                         **kwargs)


class AveragePooling3D(BasePooling):
    """Average pooling over `(batch, depth, height, width, channels)` (or channels-first)
    inputs.

    Args:
        pool_size: int or tuple of 3 ints, the window size.
        strides: int or tuple of 3 ints, the window step; `pool_size` when None.
        padding: "valid" or "same" (output size `ceil(input / strides)`).
        data_format: "channels_last" or "channels_first"; the global default when None.
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, 3, "average", padding, data_format, name=name,
                         **kwargs)
