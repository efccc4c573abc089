"""`SimpleRNNCell` and `SimpleRNN`: `h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)`."""

from cornu.layers.rnn import fused
from cornu.layers.rnn.cell_base import BaseRNNCell, is_relu, is_tanh
from cornu.layers.rnn.rnn import OwnCellRNN, cell_property


class SimpleRNNCell(BaseRNNCell):
    """Cell of a fully-connected RNN whose output is fed back as its state.

    Args:
        units: size of the output and state.
        activation: activation ("tanh"); None means linear.
        use_bias: whether to add a bias.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: regularizers.
        kernel_constraint, recurrent_constraint, bias_constraint: constraints.
        dropout: fraction of the inputs dropped in training.
        recurrent_dropout: fraction of the state dropped in training.
        seed: int seed of the dropout masks.
    """

    def call(self, inputs, states, training=False):
        h = self._first_state(states)
        x = self._dropped_inputs(inputs, training) @ self.kernel
        if self.bias is not None:
            x = x + self.bias
        output = self.activation(x + self._dropped_state(h, training) @ self.recurrent_kernel)
        return output, [output] if isinstance(states, (list, tuple)) else output


class SimpleRNN(OwnCellRNN):
    """Fully-connected RNN; runs on `torch.rnn_tanh` / `torch.rnn_relu` when the activation is
    tanh or relu (see `RNN` for when the fused kernel applies).

    Args:
        units: size of the output and state.
        activation: activation ("tanh").
        use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
        kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
        recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed: as in
            `SimpleRNNCell`.
        activity_regularizer: regularizer of the output.
        return_sequences, return_state, go_backwards, stateful, unroll: as in `RNN`.
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None, **kwargs):
        cell = SimpleRNNCell(
            units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
            seed=seed, dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
            name="simple_rnn_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)

    def build(self, input_shape):
        super().build(input_shape)
        fused.weights_in_one_buffer(self.cell)

    def _fused_spec(self, dtype):
        cell = self.cell
        if not (is_tanh(cell.activation) or is_relu(cell.activation)):
            return None
        return fused.simple_rnn_spec(cell, dtype, relu=is_relu(cell.activation))

    units = cell_property("units")
