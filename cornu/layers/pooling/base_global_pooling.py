"""`BaseGlobalPooling`: a reduction over every spatial dim at once."""

from cornu.backend.config import standardize_data_format
from cornu.layers.convolutional import conv_utils
from cornu.layers.layer import Layer


class BaseGlobalPooling(Layer):
    """Shared base of the `GlobalMaxPooling*` and `GlobalAveragePooling*` layers.

    Args:
        rank: number of spatial dimensions.
        data_format: "channels_last" or "channels_first"; the global default when None.
        keepdims: keep the spatial dims (with length 1) instead of dropping them.
    """

    def __init__(self, rank, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.data_format = standardize_data_format(data_format)
        self.keepdims = bool(keepdims)
        first = 1 if self.data_format == "channels_last" else 2
        self._axes = tuple(range(first, first + rank))

    def _check(self, shape):
        conv_utils.check_input_rank(self, shape, self.rank)

    def build(self, input_shape):
        self._check(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        channels = input_shape[conv_utils.channel_axis(self.data_format)]
        if not self.keepdims:
            return (input_shape[0], channels)
        return conv_utils.with_spatial(input_shape, (1,) * self.rank, channels,
                                       self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config
