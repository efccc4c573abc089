"""`ConvLSTM1D/2D/3D`: LSTMs whose input and recurrent transforms are convolutions."""

import torch
import torch.nn.functional as F

from cornu import activations
from cornu.backend.config import standardize_data_format
from cornu.layers.convolutional import conv_utils
from cornu.layers.rnn.lstm import LSTMCell
from cornu.layers.rnn.rnn import OwnCellRNN, cell_property
from cornu.utils import naming


class ConvLSTMCell(LSTMCell):
    """Cell of a ConvLSTM: LSTM gates i, f, c, o computed by convolutions.

    Kernels have Keras's shapes: `kernel_size + (input_channels, 4 * filters)` and
    `kernel_size + (filters, 4 * filters)`; the recurrent convolution uses stride 1 and
    "same" padding. States `[h, c]` have the output's spatial shape.

    Args:
        rank: 1, 2 or 3 spatial dimensions.
        filters: number of output channels.
        kernel_size: int or tuple of `rank` ints.
        strides: int or tuple of `rank` ints.
        padding: "valid" or "same".
        data_format: "channels_last" or "channels_first" (default: the global setting).
        dilation_rate: int or tuple of `rank` ints.
        Other arguments: as in `LSTMCell`.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, **kwargs):
        super().__init__(filters, **kwargs)
        if rank not in (1, 2, 3):
            raise ValueError(f"Layer '{self.name}' (ConvLSTMCell) supports rank 1, 2 or 3. "
                             f"Received: rank={rank!r}")
        self.rank = rank
        self.filters = filters
        cls = type(self)
        self.kernel_size = conv_utils.standardize_tuple(cls, kernel_size, rank, "kernel_size")
        self.strides = conv_utils.standardize_tuple(cls, strides, rank, "strides")
        self.padding = conv_utils.standardize_padding(cls, padding)
        self.data_format = standardize_data_format(data_format)
        self.dilation_rate = conv_utils.standardize_tuple(cls, dilation_rate, rank,
                                                          "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"Layer '{self.name}' (ConvLSTMCell) cannot combine strides > 1 "
                             f"with dilation_rate > 1. Received: strides={self.strides}, "
                             f"dilation_rate={self.dilation_rate}")
        self.state_size = [filters, filters]
        self.output_size = filters

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"Layer '{self.name}' (ConvLSTMCell) expects step inputs of rank "
                             f"{self.rank + 2}. Received: input_shape={input_shape}")
        self.spatial_dims = conv_utils.spatial_dims(input_shape, self.data_format)
        self.input_dim = input_shape[conv_utils.channel_axis(self.data_format)]
        if None in self.spatial_dims or self.input_dim is None:
            raise ValueError(f"Layer '{self.name}' (ConvLSTMCell) needs known spatial and "
                             f"channel dimensions. Received: input_shape={input_shape}")
        super().build(input_shape)
        # Keras's kernels are (k..., in, out); the conv kernels are their convolution-shaped
        # views, made in `call`.
        self._conv = conv_utils.conv_fn(self.rank)

    def _kernel_shapes(self, input_shape, width):
        return (self.kernel_size + (self.input_dim, width),
                self.kernel_size + (self.filters, width))

    def _torch_kernel(self, kernel):
        rank = self.rank
        return kernel.permute(rank + 1, rank, *range(rank))

    def _channels_first(self, x):
        return x if self.data_format == "channels_first" else x.movedim(-1, 1)

    def _keras_layout(self, x):
        return x if self.data_format == "channels_first" else x.movedim(1, -1)

    def _convolve(self, x, kernel, bias, strides, padding, dilation):
        spatial = x.shape[2:]
        if padding == "same":
            pad, extra = conv_utils.padding_args(spatial, self.kernel_size, strides, dilation)
            if extra is not None:
                x = F.pad(x, extra)
        else:
            pad = 0
        return self._conv(x, self._torch_kernel(kernel), bias, strides, pad, dilation)

    def call(self, inputs, states, training=False):
        h, c = states[0], states[1]
        x = self._channels_first(self._dropped_inputs(inputs, training))
        h_in = self._channels_first(self._dropped_state(h, training))
        z = (self._convolve(x, self.kernel, self.bias, self.strides, self.padding,
                            self.dilation_rate)
             + self._convolve(h_in, self.recurrent_kernel, None, (1,) * self.rank, "same",
                              (1,) * self.rank))
        i, f, g, o = z.chunk(4, dim=1)
        gate = self.recurrent_activation
        c = gate(f) * self._channels_first(c) + gate(i) * self.activation(g)
        h = gate(o) * self.activation(c)
        h, c = self._keras_layout(h), self._keras_layout(c)
        return h, [h, c]

    def state_shape(self, batch_size):
        """The shape of `h` and `c` for a batch."""
        spatial = [conv_utils.conv_output_length(n, k, s, self.padding, d) for n, k, s, d in
                   zip(self.spatial_dims, self.kernel_size, self.strides, self.dilation_rate)]
        return conv_utils.with_spatial((batch_size,), spatial, self.filters, self.data_format)

    def get_initial_state(self, batch_size=None):
        shape = self.state_shape(batch_size)
        return [torch.zeros(shape, dtype=self._compute_torch_dtype, device=self.kernel.device)
                for _ in range(2)]

    def get_config(self):
        config = super().get_config()
        config.pop("units", None)
        config.update({"rank": self.rank, "filters": self.filters,
                       "kernel_size": self.kernel_size, "strides": self.strides,
                       "padding": self.padding, "data_format": self.data_format,
                       "dilation_rate": self.dilation_rate})
        return config


class ConvLSTM(OwnCellRNN):
    """Base of ConvLSTM1D/2D/3D: a convolutional LSTM over `(batch, time, *spatial, channels)`
    (channels first with `data_format="channels_first"`). Runs on the step loop.

    Args:
        rank: number of spatial dimensions.
        filters, kernel_size, strides, padding, data_format, dilation_rate: as in
            `ConvLSTMCell`.
        activation, recurrent_activation, use_bias, kernel_initializer, recurrent_initializer,
        bias_initializer, unit_forget_bias, kernel_regularizer, recurrent_regularizer,
        bias_regularizer, kernel_constraint, recurrent_constraint, bias_constraint, dropout,
        recurrent_dropout, seed: as in `LSTMCell`.
        activity_regularizer: regularizer of the output.
        return_sequences, return_state, go_backwards, stateful: as in `RNN`.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        cell = ConvLSTMCell(
            rank, filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
            name="conv_lstm_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 3:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) expects inputs of rank "
                f"{self.rank + 3} (batch, time, spatial..., channels). Received: "
                f"input_shape={input_shape}")
        super().build(input_shape)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        if not self.cell.built:
            self.cell.build((batch,) + tuple(sequences_shape[2:]))
        state = self.cell.state_shape(batch)
        output = (batch, steps) + state[1:] if self.return_sequences else state
        return [output, state, state] if self.return_state else output

    filters = cell_property("filters")
    kernel_size = cell_property("kernel_size")
    strides = cell_property("strides")
    padding = cell_property("padding")
    data_format = cell_property("data_format")
    dilation_rate = cell_property("dilation_rate")
    recurrent_activation = cell_property("recurrent_activation")
    unit_forget_bias = cell_property("unit_forget_bias")

    def get_config(self):
        config = super().get_config()
        config.pop("rank", None)
        return config


def _conv_lstm(rank):
    class ConvLSTMND(ConvLSTM):
        def __init__(self, filters, kernel_size, **kwargs):
            if kwargs.get("name") is None:  # Keras's default name: conv_lstm2d, not conv_lst_m2d
                kwargs["name"] = naming.uniquify(f"conv_lstm{rank}d")
            super().__init__(rank, filters, kernel_size, **kwargs)

    return ConvLSTMND


class ConvLSTM1D(_conv_lstm(1)):
    """1D convolutional LSTM over `(batch, time, steps, channels)`; see `ConvLSTM`."""


class ConvLSTM2D(_conv_lstm(2)):
    """2D convolutional LSTM over `(batch, time, rows, cols, channels)`; see `ConvLSTM`."""


class ConvLSTM3D(_conv_lstm(3)):
    """3D convolutional LSTM over `(batch, time, depth, rows, cols, channels)`; see `ConvLSTM`."""
