"""`DepthwiseConv1D`, `DepthwiseConv2D`: one filter bank per input channel, with a kernel of
shape `kernel_size + (input_channels, depth_multiplier)`.

Output channel `c * depth_multiplier + m` comes from input channel `c` (Keras's order), which
is torch's grouped convolution with `groups = input_channels`.
"""

from cornu import constraints, initializers, regularizers
from cornu.layers.convolutional import conv_utils
from cornu.layers.convolutional.base_conv import BaseConv


def depthwise_weight(kernel, lift):
    """torch's grouped weight `(in * multiplier, 1, k...)` from Keras's `(k..., in, mult)`."""
    rank = kernel.dim() - 2
    weight = kernel.flatten(rank).unsqueeze(rank)  # (k..., 1, in * mult), a view
    weight = weight.permute((rank + 1, rank) + tuple(range(rank)))
    return weight.unsqueeze(2) if lift else weight


class DepthwiseConv(BaseConv):
    """N-D depthwise convolution (base of `DepthwiseConv1D` and `DepthwiseConv2D`).

    Args:
        rank: number of spatial dimensions.
        kernel_size: int or tuple of `rank` ints, the window size.
        strides: int or tuple of ints, the step of the window.
        padding: "valid" or "same" (TensorFlow's: extra padding at the end).
        depth_multiplier: number of output channels per input channel.
        data_format: "channels_last" or "channels_first"; the global default when None.
        dilation_rate: int or tuple of ints, the spacing of the window's taps.
        activation: activation name or function; None means linear.
        use_bias: whether to add a bias vector.
        depthwise_initializer: initializer of the kernel ("glorot_uniform").
        bias_initializer: initializer of the bias ("zeros").
        depthwise_regularizer: regularizer of the kernel.
        bias_regularizer: regularizer of the bias.
        activity_regularizer: regularizer of the output.
        depthwise_constraint: constraint of the kernel.
        bias_constraint: constraint of the bias.
    """

    def __init__(self, rank, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         bias_constraint=bias_constraint, **kwargs)
        conv_utils.check_positive_int(type(self), depth_multiplier, "depth_multiplier")
        self.depth_multiplier = depth_multiplier
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self._output_spatial(input_shape)
        self.kernel = self.add_weight(name="kernel",
                                      shape=self.kernel_size + (channels, self.depth_multiplier),
                                      initializer=self.depthwise_initializer,
                                      regularizer=self.depthwise_regularizer,
                                      constraint=self.depthwise_constraint)
        self._add_bias(channels * self.depth_multiplier)
        self._in_channels = channels
        self.built = True

    def call(self, inputs):
        x, padding = self._prepare(inputs)
        weight = depthwise_weight(self._weight(self.kernel, x), self._lift)
        y = conv_utils.conv_fn(x.dim() - 2)(x, weight, self._bias(x), self._t_strides, padding,
                                            self._t_dilation, self._in_channels)
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        channels = self._input_channels(input_shape)
        return conv_utils.with_spatial(input_shape, self._output_spatial(input_shape),
                                       channels * self.depth_multiplier, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"depth_multiplier": self.depth_multiplier, **self._base_config(),
                       **self._weights_config("depthwise")})
        return config


class DepthwiseConv1D(DepthwiseConv):
    """1D depthwise convolution over `(batch, steps, channels)` (or channels-first) inputs.

    Args:
        kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate,
        activation, use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer,
        bias_regularizer, activity_regularizer, depthwise_constraint, bias_constraint:
            as in `DepthwiseConv`.
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, **kwargs)


class DepthwiseConv2D(DepthwiseConv):
    """2D depthwise convolution over `(batch, height, width, channels)` inputs.

    Args:
        kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate,
        activation, use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer,
        bias_regularizer, activity_regularizer, depthwise_constraint, bias_constraint:
            as in `DepthwiseConv`.
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer,
                         bias_initializer, depthwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, bias_constraint, **kwargs)
