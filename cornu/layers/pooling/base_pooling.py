"""`BasePooling`: windowed max or average pooling over 1, 2 or 3 spatial dims.

"same" follows Keras (TensorFlow): the output length is `ceil(input / strides)`, the odd
padding element goes at the end, max pooling never picks padding, and average pooling
divides by the number of real (unpadded) elements in each window.
"""

import torch
import torch.nn.functional as F

from cornu.backend.config import standardize_data_format
from cornu.layers.convolutional import conv_utils
from cornu.layers.layer import Layer


class BasePooling(Layer):
    """Shared base of the `MaxPooling*` and `AveragePooling*` layers.

    Args:
        pool_size: int or tuple of `rank` ints, the window size.
        strides: int or tuple of `rank` ints, the window step; `pool_size` when None.
        rank: number of spatial dimensions.
        pool_mode: "max" or "average".
        padding: "valid" or "same".
        data_format: "channels_last" or "channels_first"; the global default when None.
    """

    def __init__(self, pool_size, strides, rank, pool_mode="max", padding="valid",
                 data_format=None, **kwargs):
        super().__init__(**kwargs)
        cls = type(self)
        self.rank = rank
        self.pool_mode = pool_mode
        self.pool_size = conv_utils.standardize_tuple(cls, pool_size, rank, "pool_size")
        self.strides = conv_utils.standardize_tuple(
            cls, self.pool_size if strides is None else strides, rank, "strides")
        self.padding = conv_utils.standardize_padding(cls, padding)
        self.data_format = standardize_data_format(data_format)
        lift = conv_utils.lifted(rank, self.data_format)
        self._t_pool = conv_utils.torch_tuple(self.pool_size, lift, 1)
        self._t_strides = conv_utils.torch_tuple(self.strides, lift, 1)
        self._t_ones = (1,) * len(self._t_pool)
        self._window = 1
        for k in self.pool_size:
            self._window *= k

    def _check(self, shape):
        conv_utils.check_input_rank(self, shape, self.rank)

    def call(self, inputs):
        if inputs.dim() != self.rank + 2:
            self._check(tuple(inputs.shape))
        x = conv_utils.to_torch_layout(inputs, self.rank, self.data_format)
        n = x.dim() - 2
        padding, pad = 0, None
        if self.padding == "same":
            padding, pad = conv_utils.padding_args(x.shape[2:], self._t_pool, self._t_strides,
                                                   self._t_ones)
        if self.pool_mode == "max":
            if pad is not None:
                x = F.pad(x, pad, value=float("-inf"))
            y = conv_utils.max_pool_fn(n)(x, self._t_pool, self._t_strides, padding)
        elif pad is None:
            y = conv_utils.avg_pool_fn(n)(x, self._t_pool, self._t_strides, padding,
                                          count_include_pad=False)
        else:
            spatial = x.shape[2:]
            y = conv_utils.avg_pool_fn(n)(F.pad(x, pad), self._t_pool, self._t_strides)
            y = y * (self._window / self._window_counts(spatial, pad, y))
        return conv_utils.to_keras_layout(y, self.rank, self.data_format)

    def _window_counts(self, spatial, pad, y):
        """How many real elements each output window covers, broadcastable to `y`."""
        counts = None
        lefts = pad[::2][::-1]
        for i, (length, k, s, left) in enumerate(zip(spatial, self._t_pool, self._t_strides,
                                                     lefts)):
            starts = torch.arange(y.shape[2 + i], device=y.device) * s - left
            count = (starts + k).clamp(max=length) - starts.clamp(min=0)
            shape = [1] * y.dim()
            shape[2 + i] = -1
            count = count.to(y.dtype).reshape(shape)
            counts = count if counts is None else counts * count
        return counts

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        out = []
        for n, k, s in zip(conv_utils.spatial_dims(input_shape, self.data_format),
                           self.pool_size, self.strides):
            length = conv_utils.conv_output_length(n, k, s, self.padding)
            if length is not None and length <= 0:
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}): the output size would be "
                    f"zero or negative. Received: input_shape={tuple(input_shape)}, "
                    f"pool_size={self.pool_size}, strides={self.strides}, "
                    f"padding={self.padding!r}.")
            out.append(length)
        channels = input_shape[conv_utils.channel_axis(self.data_format)]
        return conv_utils.with_spatial(input_shape, out, channels, self.data_format)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        self.built = True

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding,
                       "strides": self.strides, "data_format": self.data_format})
        return config
