"""`Conv1DTranspose`, `Conv2DTranspose`, `Conv3DTranspose`: transposed convolutions with a
kernel of shape `kernel_size + (filters, input_channels)`.

The output matches Keras's definition (TensorFlow's `conv_transpose`): the full transposed
convolution is cut by `conv_utils.transpose_crops` on each side, or grown at the end.
"""

import torch.nn.functional as F

from cornu import constraints, initializers, regularizers
from cornu.layers.convolutional import conv_utils
from cornu.layers.convolutional.base_conv import BaseConv


def _torch_args(crop_left, crop_right, limit):
    """torch `padding` and `output_padding` for one dim, and what is left to cut (or grow)."""
    if 0 <= crop_left - crop_right < limit:
        return crop_left, crop_left - crop_right, 0, 0
    padding = max(min(crop_left, crop_right), 0)
    left, right = crop_left - padding, crop_right - padding
    if right < 0 and -right < limit:
        return padding, -right, left, 0
    return padding, 0, left, right


class ConvTranspose(BaseConv):
    """N-D transposed convolution (base of `Conv1DTranspose`, `Conv2DTranspose`, ...).

    Args:
        rank: number of spatial dimensions.
        filters: number of output channels.
        kernel_size: int or tuple of `rank` ints, the window size.
        strides: int or tuple of ints, the upsampling step; `strides > 1` cannot be combined
            with `dilation_rate > 1`.
        padding: "valid" or "same" (output length `input * strides`).
        output_padding: int or tuple of ints (each < its stride) added to the output length;
            None lets Keras's rule choose it.
        data_format: "channels_last" or "channels_first"; the global default when None.
        dilation_rate: int or tuple of ints, the spacing of the window's taps.
        activation: activation name or function; None means linear.
        use_bias: whether to add a bias vector.
        kernel_initializer: initializer of the kernel ("glorot_uniform").
        bias_initializer: initializer of the bias ("zeros").
        kernel_regularizer: regularizer of the kernel.
        bias_regularizer: regularizer of the bias.
        activity_regularizer: regularizer of the output.
        kernel_constraint: constraint of the kernel.
        bias_constraint: constraint of the bias.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         bias_constraint=bias_constraint, **kwargs)
        name = type(self).__name__
        conv_utils.check_positive_int(type(self), filters, "filters")
        self._check_strides_and_dilation()
        if output_padding is not None:
            output_padding = conv_utils.standardize_tuple(type(self), output_padding, rank,
                                                          "output_padding", allow_zero=True)
            for i, (op, s) in enumerate(zip(output_padding, self.strides)):
                if op >= s:
                    raise ValueError(
                        f"{name}: every value of `output_padding` must be < the matching "
                        f"stride. At dimension {i}, output_padding is {op} and strides is {s}. "
                        f"Received: output_padding={output_padding}, strides={self.strides}")
        self.output_padding = output_padding
        self.filters = filters
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        # (k..., out, in) -> (in, out, k...): torch's layout, a view taken in `call`.
        self._kernel_perm = (rank + 1, rank) + tuple(range(rank))
        self._plan()

    def _plan(self):
        """Precomputes torch's padding/output_padding and the leftover cut per dim."""
        pads, out_pads, cuts = [], [], []
        ops = self.output_padding or (None,) * self.rank
        for k, s, d, op in zip(self.kernel_size, self.strides, self.dilation_rate, ops):
            left, right = conv_utils.transpose_crops(k, s, self.padding, op, d)
            p, o, cut_left, cut_right = _torch_args(left, right, max(s, d))
            pads.append(p)
            out_pads.append(o)
            cuts.append((cut_left, cut_right))
        self._t_padding = conv_utils.torch_tuple(pads, self._lift, 0)
        self._t_output_padding = conv_utils.torch_tuple(out_pads, self._lift, 0)
        cuts = conv_utils.torch_tuple(cuts, self._lift, (0, 0))
        self._cuts = cuts if any(c != (0, 0) for c in cuts) else None
        self._grows = self._cuts is not None and any(r < 0 for _, r in cuts)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(name="kernel",
                                      shape=self.kernel_size + (self.filters, channels),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self._add_bias(self.filters)
        self._in_channels = channels
        self.built = True

    def call(self, inputs):
        if inputs.dim() != self.rank + 2 or (
                inputs.shape[conv_utils.channel_axis(self.data_format)] != self._in_channels):
            self._input_channels(tuple(inputs.shape))
        x = conv_utils.to_torch_layout(inputs, self.rank, self.data_format)
        weight = self._weight(self.kernel, x).permute(self._kernel_perm)
        if self._lift:
            weight = weight.unsqueeze(2)
        bias = self._bias(x)
        y = conv_utils.conv_transpose_fn(x.dim() - 2)(
            x, weight, None if self._grows else bias, self._t_strides, self._t_padding,
            self._t_output_padding, 1, self._t_dilation)
        if self._cuts is not None:
            y = self._cut(y)
            if self._grows and bias is not None:
                y = y + bias.reshape((-1,) + (1,) * (y.dim() - 2))
        return self._finish(y)

    def _cut(self, y):
        """Cuts the leftover amounts off each spatial dim (zero-pads where it must grow)."""
        index = [slice(None), slice(None)]
        grow = []
        for size, (left, right) in zip(y.shape[2:], self._cuts):
            index.append(slice(left, size - max(right, 0)))
            grow.append(max(-right, 0))
        y = y[tuple(index)]
        if any(grow):
            flat = []
            for g in reversed(grow):
                flat += [0, g]
            y = F.pad(y, flat)
        return y

    def compute_output_shape(self, input_shape):
        self._input_channels(input_shape)
        ops = self.output_padding or (None,) * self.rank
        spatial = [conv_utils.transpose_output_length(n, k, s, self.padding, op, d)
                   for n, k, s, op, d in zip(
                       conv_utils.spatial_dims(input_shape, self.data_format),
                       self.kernel_size, self.strides, ops, self.dilation_rate)]
        if any(n is not None and n <= 0 for n in spatial):
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}): the output size would be zero "
                f"or negative. Received: input_shape={tuple(input_shape)}, "
                f"kernel_size={self.kernel_size}, strides={self.strides}, "
                f"padding={self.padding!r}, output_padding={self.output_padding}.")
        return conv_utils.with_spatial(input_shape, spatial, self.filters, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters, **self._base_config(),
                       "output_padding": self.output_padding, **self._weights_config("kernel")})
        return config


class Conv1DTranspose(ConvTranspose):
    """1D transposed convolution over `(batch, steps, channels)` (or channels-first) inputs.

    Args:
        filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate,
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint:
            as in `ConvTranspose`.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class Conv2DTranspose(ConvTranspose):
    """2D transposed convolution over `(batch, height, width, channels)` inputs.

    Args:
        filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate,
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint:
            as in `ConvTranspose`.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1), activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class Conv3DTranspose(ConvTranspose):
    """3D transposed convolution over `(batch, depth, height, width, channels)` inputs.

    Note Keras's argument order here: `data_format` comes before `output_padding`.

    Args:
        filters, kernel_size, strides, padding, data_format, output_padding, dilation_rate,
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint:
            as in `ConvTranspose`.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, output_padding=None, dilation_rate=(1, 1, 1),
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)
