"""`BaseConv`: what every convolution layer shares (windows, padding, layout, bias, checks)."""

import torch.nn.functional as F

from cornu import activations, constraints, initializers, regularizers
from cornu.backend.config import standardize_data_format
from cornu.layers.convolutional import conv_utils
from cornu.layers.layer import Layer


class BaseConv(Layer):
    """Shared base of the convolution layers; subclasses create the kernels and call torch.

    Args:
        rank: number of spatial dimensions (1, 2 or 3).
        kernel_size: int or tuple of `rank` ints, the window size.
        strides: int or tuple of `rank` ints, the step of the window.
        padding: "valid" (no padding), "same" (output length `ceil(input / strides)`, extra
            padding at the end as in TensorFlow) or, in 1D only, "causal".
        data_format: "channels_last" or "channels_first"; the global default when None.
        dilation_rate: int or tuple of `rank` ints, the spacing of the window's taps.
        activation: activation name or function; None means linear.
        use_bias: whether to add a bias vector.
        bias_initializer: initializer of the bias ("zeros").
        bias_regularizer: regularizer of the bias.
        activity_regularizer: regularizer of the output.
        bias_constraint: constraint of the bias.
    """

    def __init__(self, rank, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, bias_initializer="zeros",
                 bias_regularizer=None, activity_regularizer=None, bias_constraint=None,
                 allow_causal=False, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        cls = type(self)
        self.rank = rank
        self.kernel_size = conv_utils.standardize_tuple(cls, kernel_size, rank, "kernel_size")
        self.strides = conv_utils.standardize_tuple(cls, strides, rank, "strides")
        self.dilation_rate = conv_utils.standardize_tuple(cls, dilation_rate, rank,
                                                          "dilation_rate")
        self.padding = conv_utils.standardize_padding(cls, padding, allow_causal=allow_causal)
        self.data_format = standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self._linear = self.activation is activations.linear
        self.use_bias = bool(use_bias)
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)
        self._lift = conv_utils.lifted(rank, self.data_format)
        self._t_strides = conv_utils.torch_tuple(self.strides, self._lift, 1)
        self._t_dilation = conv_utils.torch_tuple(self.dilation_rate, self._lift, 1)
        self._t_kernel = conv_utils.torch_tuple(self.kernel_size, self._lift, 1)
        self._in_channels = None

    def _check_strides_and_dilation(self):
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{type(self).__name__}: `strides > 1` is not supported together with "
                f"`dilation_rate > 1`. Received: strides={self.strides} and "
                f"dilation_rate={self.dilation_rate}")

    # ------------------------------------------------------------------ shapes

    def _input_channels(self, input_shape):
        """Checks the input shape and returns its (known) number of channels."""
        conv_utils.check_input_rank(self, input_shape, self.rank)
        channels = input_shape[conv_utils.channel_axis(self.data_format)]
        if channels is None:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) needs a known channel dimension "
                f"(axis {conv_utils.channel_axis(self.data_format)} with "
                f"data_format={self.data_format!r}). Received: input_shape={tuple(input_shape)}")
        if self._in_channels is not None and channels != self._in_channels:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) was built for inputs with "
                f"{self._in_channels} channels, but received an input with {channels} channels "
                f"(shape {tuple(input_shape)}).")
        return channels

    def _output_spatial(self, input_shape):
        """The spatial output dims of a (strided, dilated) window over the input."""
        out = []
        for n, k, s, d in zip(conv_utils.spatial_dims(input_shape, self.data_format),
                              self.kernel_size, self.strides, self.dilation_rate):
            length = conv_utils.conv_output_length(n, k, s, self.padding, d)
            if length is not None and length <= 0:
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}): the output size would be "
                    f"zero or negative. Received: input_shape={tuple(input_shape)}, "
                    f"kernel_size={self.kernel_size}, strides={self.strides}, "
                    f"dilation_rate={self.dilation_rate}, padding={self.padding!r}.")
            out.append(length)
        return out

    # ------------------------------------------------------------------ call helpers

    def _prepare(self, inputs):
        """Checks `inputs`, then returns its channels-first view (padded for "same"/"causal")
        and the torch `padding` argument."""
        if inputs.dim() != self.rank + 2 or (
                inputs.shape[conv_utils.channel_axis(self.data_format)] != self._in_channels):
            self._input_channels(tuple(inputs.shape))
        x = conv_utils.to_torch_layout(inputs, self.rank, self.data_format)
        if self.padding == "valid":
            return x, 0
        if self.padding == "causal":
            left = (self.kernel_size[0] - 1) * self.dilation_rate[0]
            return F.pad(x, (left, 0)), 0
        padding, pad = conv_utils.padding_args(x.shape[2:], self._t_kernel, self._t_strides,
                                               self._t_dilation)
        if pad is not None:
            x = F.pad(x, pad)
        return x, padding

    def _finish(self, y):
        """Back to the Keras layout, then the activation."""
        y = conv_utils.to_keras_layout(y, self.rank, self.data_format)
        return y if self._linear else self.activation(y)

    def _weight(self, kernel, x):
        return kernel if kernel.dtype == x.dtype else kernel.to(x.dtype)

    def _bias(self, x):
        bias = self.bias
        if bias is not None and bias.dtype != x.dtype:
            bias = bias.to(x.dtype)
        return bias

    def _add_bias(self, channels):
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(channels,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None

    def _base_config(self):
        return {
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
        }

    def _weights_config(self, *kernels):
        """The config entries of the kernels named (e.g. "kernel", or "depthwise" and
        "pointwise"): their initializers, then regularizers, then constraints, as Keras orders
        them; then the bias's and the activity regularizer."""
        config = {}
        for option, module in (("initializer", initializers), ("regularizer", regularizers),
                               ("constraint", constraints)):
            for kernel in kernels:
                key = f"{kernel}_{option}"
                config[key] = module.serialize(getattr(self, key))
        config.update({
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config
