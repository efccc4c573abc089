"""`LSTMCell` and `LSTM`: long short-term memory with Keras's weights (gates i, f, c, o)."""

import torch

from cornu import activations, initializers
from cornu.layers.rnn import fused
from cornu.layers.rnn.cell_base import BaseRNNCell, is_sigmoid, is_tanh
from cornu.layers.rnn.rnn import OwnCellRNN, cell_property


class LSTMCell(BaseRNNCell):
    """Cell of an LSTM; states are `[h, c]`, the output is `h`.

    Args:
        units: size of the output and of each state.
        activation: activation of the candidate and of the output ("tanh").
        recurrent_activation: activation of the gates ("sigmoid").
        use_bias: whether to add a bias.
        unit_forget_bias: initialize the forget gate's bias to 1.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: regularizers.
        kernel_constraint, recurrent_constraint, bias_constraint: constraints.
        dropout: fraction of the inputs dropped in training.
        recurrent_dropout: fraction of the state `h` dropped in training.
        seed: int seed of the dropout masks.
    """

    gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(
            units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
            seed=seed, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = [units, units]

    def build(self, input_shape):
        bias_initializer = None
        if self.unit_forget_bias:
            def bias_initializer(shape, dtype=None):
                units = self.units
                return torch.cat([self.bias_initializer((units,), dtype=dtype),
                                  initializers.Ones()((units,), dtype=dtype),
                                  self.bias_initializer((2 * units,), dtype=dtype)])
        self._build_weights(input_shape, bias_initializer=bias_initializer)

    def call(self, inputs, states, training=False):
        h, c = states[0], states[1]
        z = (self._dropped_inputs(inputs, training) @ self.kernel
             + self._dropped_state(h, training) @ self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        i, f, g, o = z.chunk(4, dim=-1)
        gate = self.recurrent_activation
        c = gate(f) * c + gate(i) * self.activation(g)
        h = gate(o) * self.activation(c)
        return h, [h, c]

    def get_config(self):
        config = super().get_config()
        config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config["unit_forget_bias"] = self.unit_forget_bias
        return config


class LSTM(OwnCellRNN):
    """Long short-term memory layer (Hochreiter 1997).

    Runs on `torch.lstm` (cuDNN on GPU) with activation tanh and recurrent_activation
    sigmoid, `unroll=False`, no recurrent dropout in training and no mask or a right-padded
    one; otherwise on a step loop (see `RNN`).

    Args:
        units: size of the output and of each state.
        activation, recurrent_activation, use_bias, kernel_initializer, recurrent_initializer,
        bias_initializer, unit_forget_bias, kernel_regularizer, recurrent_regularizer,
        bias_regularizer, kernel_constraint, recurrent_constraint, bias_constraint, dropout,
        recurrent_dropout, seed: as in `LSTMCell`.
        activity_regularizer: regularizer of the output.
        return_sequences, return_state, go_backwards, stateful, unroll: as in `RNN`.
        use_cudnn: "auto" uses the fused kernel when possible, False never, True always
            (a call that cannot use it raises a ValueError).
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", **kwargs):
        kwargs.pop("implementation", None)
        cell = LSTMCell(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
            seed=seed, dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
            name="lstm_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self._set_use_cudnn(use_cudnn, "LSTM")

    def build(self, input_shape):
        super().build(input_shape)
        fused.weights_in_one_buffer(self.cell)

    def _fused_spec(self, dtype):
        cell = self.cell
        if (self.use_cudnn is False or not is_tanh(cell.activation)
                or not is_sigmoid(cell.recurrent_activation)):
            return None
        return fused.lstm_spec(cell, dtype)

    units = cell_property("units")
    recurrent_activation = cell_property("recurrent_activation")
    unit_forget_bias = cell_property("unit_forget_bias")
