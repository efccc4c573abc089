"""`Conv1D`, `Conv2D`, `Conv3D`: convolutions with a kernel of shape
`kernel_size + (input_channels // groups, filters)`."""

from cornu import constraints, initializers, regularizers
from cornu.layers.convolutional import conv_utils
from cornu.layers.convolutional.base_conv import BaseConv
from cornu.layers.core.lora import LoRAMixin


class Conv(LoRAMixin, BaseConv):
    """N-D convolution (base of `Conv1D`, `Conv2D` and `Conv3D`).

    Args:
        rank: number of spatial dimensions.
        filters: number of output channels.
        kernel_size: int or tuple of `rank` ints, the window size.
        strides: int or tuple of ints, the step of the window; `strides > 1` cannot be
            combined with `dilation_rate > 1`.
        padding: "valid", "same" (TensorFlow's: extra padding at the end) or, in 1D,
            "causal" (left padding only).
        data_format: "channels_last" or "channels_first"; the global default when None.
        dilation_rate: int or tuple of ints, the spacing of the window's taps.
        groups: number of groups the input channels and `filters` are split into.
        activation: activation name or function; None means linear.
        use_bias: whether to add a bias vector.
        kernel_initializer: initializer of the kernel ("glorot_uniform").
        bias_initializer: initializer of the bias ("zeros").
        kernel_regularizer: regularizer of the kernel.
        bias_regularizer: regularizer of the bias.
        activity_regularizer: regularizer of the output.
        kernel_constraint: constraint of the kernel.
        bias_constraint: constraint of the bias.
        lora_rank: if set, the layer is built with LoRA enabled at this rank (see
            `enable_lora`): the kernel is frozen and trainable low-rank factors are added.
        lora_alpha: LoRA's scale is `lora_alpha / lora_rank`; `lora_rank` when None.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 **kwargs):
        super().__init__(rank, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         bias_constraint=bias_constraint, allow_causal=rank == 1, **kwargs)
        name = type(self).__name__
        conv_utils.check_positive_int(type(self), filters, "filters")
        conv_utils.check_positive_int(type(self), groups, "groups")
        if filters % groups:
            raise ValueError(f"{name}: `filters` must be divisible by `groups`. "
                             f"Received: filters={filters}, groups={groups}")
        self._check_strides_and_dilation()
        self.filters = filters
        self.groups = groups
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        # (k..., in, out) -> (out, in, k...): a view taken in `call`.
        self._kernel_perm = (rank + 1, rank) + tuple(range(rank))
        self._init_lora(lora_rank, lora_alpha)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}): the number of input channels "
                f"must be divisible by `groups`. Received groups={self.groups} and an input "
                f"with {channels} channels (shape {tuple(input_shape)}).")
        self._output_spatial(input_shape)
        self.kernel = self.add_weight(name="kernel",
                                      shape=self.kernel_size + (channels // self.groups,
                                                                self.filters),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self._add_bias(self.filters)
        self._in_channels = channels
        self.built = True
        self._build_lora()

    def call(self, inputs):
        x, padding = self._prepare(inputs)
        weight = self._weight(self.kernel, x).permute(self._kernel_perm)
        if self._lift:
            weight = weight.unsqueeze(2)
        y = conv_utils.conv_fn(x.dim() - 2)(x, weight, self._bias(x), self._t_strides, padding,
                                            self._t_dilation, self.groups)
        return self._finish(y)

    def compute_output_shape(self, input_shape):
        self._input_channels(input_shape)
        return conv_utils.with_spatial(input_shape, self._output_spatial(input_shape),
                                       self.filters, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters, **self._base_config(), "groups": self.groups,
                       **self._weights_config("kernel"), **self._lora_config()})
        return config


class Conv1D(Conv):
    """1D convolution over `(batch, steps, channels)` (or channels-first) inputs.

    Args:
        filters, kernel_size, strides, padding, data_format, dilation_rate, groups,
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint:
            as in `Conv`; `padding` may also be "causal".
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)


class Conv2D(Conv):
    """2D convolution over `(batch, height, width, channels)` (or channels-first) inputs.

    Args:
        filters, kernel_size, strides, padding, data_format, dilation_rate, groups,
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint:
            as in `Conv`.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)


class Conv3D(Conv):
    """3D convolution over `(batch, depth, height, width, channels)` (or channels-first) inputs.

    Args:
        filters, kernel_size, strides, padding, data_format, dilation_rate, groups,
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint:
            as in `Conv`.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, **kwargs)
