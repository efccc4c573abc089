"""`AdaptiveAveragePooling1D/2D/3D`, `AdaptiveMaxPooling1D/2D/3D`: pooling to a fixed output
size, whatever the input size; window `i` of a dim of length `n` pooled to `m` covers
`[floor(i * n / m), ceil((i + 1) * n / m))` (PyTorch's rule, which Keras follows)."""

import torch.nn.functional as F

from cornu.backend.config import standardize_data_format
from cornu.layers.convolutional import conv_utils
from cornu.layers.layer import Layer

_FNS = {
    "average": {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d},
    "max": {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d},
}


class BaseAdaptivePooling(Layer):
    """Shared base of the adaptive pooling layers.

    Args:
        output_size: int or tuple of `rank` ints, the spatial output size.
        rank: number of spatial dimensions.
        pool_mode: "max" or "average".
        data_format: "channels_last" or "channels_first"; the global default when None.
    """

    def __init__(self, output_size, rank, pool_mode, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.pool_mode = pool_mode
        self.output_size = conv_utils.standardize_tuple(type(self), output_size, rank,
                                                        "output_size")
        self.data_format = standardize_data_format(data_format)
        lift = conv_utils.lifted(rank, self.data_format)
        self._t_size = conv_utils.torch_tuple(self.output_size, lift, 1)
        self._fn = _FNS[pool_mode][len(self._t_size)]

    def call(self, inputs):
        if inputs.dim() != self.rank + 2:
            conv_utils.check_input_rank(self, tuple(inputs.shape), self.rank)
        x = conv_utils.to_torch_layout(inputs, self.rank, self.data_format)
        return conv_utils.to_keras_layout(self._fn(x, self._t_size), self.rank,
                                          self.data_format)

    def compute_output_shape(self, input_shape):
        conv_utils.check_input_rank(self, input_shape, self.rank)
        channels = input_shape[conv_utils.channel_axis(self.data_format)]
        return conv_utils.with_spatial(input_shape, self.output_size, channels,
                                       self.data_format)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update({"output_size": self.output_size, "data_format": self.data_format})
        return config


class AdaptiveAveragePooling1D(BaseAdaptivePooling):
    """Adaptive average pooling of 1D data to a fixed spatial size.

    Args:
        output_size: int or tuple of 1 ints, the spatial output size.
        data_format: "channels_last" or "channels_first"; the global default when None.
    """

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, 1, "average", data_format, **kwargs)


class AdaptiveAveragePooling2D(BaseAdaptivePooling):
    """Adaptive average pooling of 2D data to a fixed spatial size.

    Args:
        output_size: int or tuple of 2 ints, the spatial output size.
        data_format: "channels_last" or "channels_first"; the global default when None.
    """

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, 2, "average", data_format, **kwargs)


class AdaptiveAveragePooling3D(BaseAdaptivePooling):
    """Adaptive average pooling of 3D data to a fixed spatial size.

    Args:
        output_size: int or tuple of 3 ints, the spatial output size.
        data_format: "channels_last" or "channels_first"; the global default when None.
    """

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, 3, "average", data_format, **kwargs)


class AdaptiveMaxPooling1D(BaseAdaptivePooling):
    """Adaptive max pooling of 1D data to a fixed spatial size.

    Args:
        output_size: int or tuple of 1 ints, the spatial output size.
        data_format: "channels_last" or "channels_first"; the global default when None.
    """

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, 1, "max", data_format, **kwargs)


class AdaptiveMaxPooling2D(BaseAdaptivePooling):
    """Adaptive max pooling of 2D data to a fixed spatial size.

    Args:
        output_size: int or tuple of 2 ints, the spatial output size.
        data_format: "channels_last" or "channels_first"; the global default when None.
    """

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, 2, "max", data_format, **kwargs)


class AdaptiveMaxPooling3D(BaseAdaptivePooling):
    """Adaptive max pooling of 3D data to a fixed spatial size.

    Args:
        output_size: int or tuple of 3 ints, the spatial output size.
        data_format: "channels_last" or "channels_first"; the global default when None.
    """

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, 3, "max", data_format, **kwargs)
