"""`GlobalMaxPooling1D`, `GlobalMaxPooling2D`, `GlobalMaxPooling3D`: the maximum over all
spatial positions, per channel."""

from cornu.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalMaxPooling(BaseGlobalPooling):
    """Global max pooling over `rank` spatial dims (base of the 1D/2D/3D layers)."""

    def call(self, inputs):
        if inputs.dim() != self.rank + 2:
            self._check(tuple(inputs.shape))
        return inputs.amax(dim=self._axes, keepdim=self.keepdims)


class GlobalMaxPooling1D(GlobalMaxPooling):
    """Global max pooling over `(batch, steps, channels)` (or channels-first) inputs.

    Args:
        data_format: "channels_last" or "channels_first"; the global default when None.
        keepdims: keep the steps dim (with length 1).
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, data_format, keepdims, **kwargs)


class GlobalMaxPooling2D(GlobalMaxPooling):
    """Global max pooling over `(batch, height, width, channels)` (or channels-first) inputs.

    Args:
        data_format: "channels_last" or "channels_first"; the global default when None.
        keepdims: keep the spatial dims (with length 1).
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(2, data_format, keepdims, **kwargs)


class GlobalMaxPooling3D(GlobalMaxPooling):
    """Global max pooling over `(batch, depth, height, width, channels)` (or channels-first)
    inputs.

    Args:
        data_format: "channels_last" or "channels_first"; the global default when None.
        keepdims: keep the spatial dims (with length 1).
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(3, data_format, keepdims, **kwargs)
