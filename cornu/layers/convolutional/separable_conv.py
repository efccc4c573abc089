"""`SeparableConv1D`, `SeparableConv2D`: a depthwise convolution (kernel
`kernel_size + (input_channels, depth_multiplier)`) followed by a pointwise one (kernel
`(1,) * rank + (input_channels * depth_multiplier, filters)`), then the bias."""

from cornu import constraints, initializers, regularizers
from cornu.layers.convolutional import conv_utils
from cornu.layers.convolutional.base_conv import BaseConv
from cornu.layers.convolutional.depthwise_conv import depthwise_weight


class SeparableConv(BaseConv):
    """N-D depthwise-separable convolution (base of `SeparableConv1D` and `SeparableConv2D`).

    Args:
        rank: number of spatial dimensions.
        depth_multiplier: number of depthwise output channels per input channel.
        filters: number of output channels (of the pointwise step).
        kernel_size: int or tuple of `rank` ints, the depthwise window size.
        strides: int or tuple of ints, the step of the depthwise window.
        padding: "valid" or "same" (TensorFlow's: extra padding at the end).
        data_format: "channels_last" or "channels_first"; the global default when None.
        dilation_rate: int or tuple of ints, the spacing of the depthwise window's taps.
        activation: activation name or function; None means linear.
        use_bias: whether to add a bias vector.
        depthwise_initializer: initializer of the depthwise kernel ("glorot_uniform").
        pointwise_initializer: initializer of the pointwise kernel ("glorot_uniform").
        bias_initializer: initializer of the bias ("zeros").
        depthwise_regularizer: regularizer of the depthwise kernel.
        pointwise_regularizer: regularizer of the pointwise kernel.
        bias_regularizer: regularizer of the bias.
        activity_regularizer: regularizer of the output.
        depthwise_constraint: constraint of the depthwise kernel.
        pointwise_constraint: constraint of the pointwise kernel.
        bias_constraint: constraint of the bias.
    """

    def __init__(self, rank, depth_multiplier, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(rank, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         bias_constraint=bias_constraint, **kwargs)
        conv_utils.check_positive_int(type(self), depth_multiplier, "depth_multiplier")
        conv_utils.check_positive_int(type(self), filters, "filters")
        self.depth_multiplier = depth_multiplier
        self.filters = filters
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self._ones = (1,) * (2 if self._lift else rank)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self._output_spatial(input_shape)
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self._add_bias(self.filters)
        self._in_channels = channels
        self.built = True

    def call(self, inputs):
        x, padding = self._prepare(inputs)
        conv = conv_utils.conv_fn(x.dim() - 2)
        depthwise = depthwise_weight(self._weight(self.depthwise_kernel, x), self._lift)
        y = conv(x, depthwise, None, self._t_strides, padding, self._t_dilation,
                 self._in_channels)
        pointwise = self._weight(self.pointwise_kernel, x).reshape(-1, self.filters)
        pointwise = pointwise.t().reshape((self.filters, -1) + self._ones)  # (out, in, 1...)
        y = conv(y, pointwise, self._bias(x))
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        self._input_channels(input_shape)
        return conv_utils.with_spatial(input_shape, self._output_spatial(input_shape),
                                       self.filters, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"depth_multiplier": self.depth_multiplier, "filters": self.filters,
                       **self._base_config(), **self._weights_config("depthwise", "pointwise")})
        return config


class SeparableConv1D(SeparableConv):
    """1D separable convolution over `(batch, steps, channels)` (or channels-first) inputs.

    Args:
        filters, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier,
        activation, use_bias, depthwise_initializer, pointwise_initializer, bias_initializer,
        depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer,
        depthwise_constraint, pointwise_constraint, bias_constraint: as in `SeparableConv`.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(1, depth_multiplier, filters, kernel_size, strides, padding,
                         data_format, dilation_rate, activation, use_bias,
                         depthwise_initializer, pointwise_initializer, bias_initializer,
                         depthwise_regularizer, pointwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, pointwise_constraint,
                         bias_constraint, **kwargs)


class SeparableConv2D(SeparableConv):
    """2D separable convolution over `(batch, height, width, channels)` inputs.

    Args:
        filters, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier,
        activation, use_bias, depthwise_initializer, pointwise_initializer, bias_initializer,
        depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer,
        depthwise_constraint, pointwise_constraint, bias_constraint: as in `SeparableConv`.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(2, depth_multiplier, filters, kernel_size, strides, padding,
                         data_format, dilation_rate, activation, use_bias,
                         depthwise_initializer, pointwise_initializer, bias_initializer,
                         depthwise_regularizer, pointwise_regularizer, bias_regularizer,
                         activity_regularizer, depthwise_constraint, pointwise_constraint,
                         bias_constraint, **kwargs)
