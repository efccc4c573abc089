"""`GRUCell` and `GRU`: gated recurrent unit with Keras's weights (gates z, r, h)."""

from cornu import activations
from cornu.layers.rnn import fused
from cornu.layers.rnn.cell_base import BaseRNNCell, is_sigmoid, is_tanh
from cornu.layers.rnn.rnn import OwnCellRNN, cell_property


class GRUCell(BaseRNNCell):
    """Cell of a GRU: `h = z * h_prev + (1 - z) * candidate`.

    Args:
        units: size of the output and state.
        activation: activation of the candidate ("tanh").
        recurrent_activation: activation of the gates ("sigmoid").
        use_bias: whether to add biases.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: regularizers.
        kernel_constraint, recurrent_constraint, bias_constraint: constraints.
        dropout: fraction of the inputs dropped in training.
        recurrent_dropout: fraction of the state dropped in training.
        reset_after: apply the reset gate after the recurrent matmul (True, with separate
            input and recurrent biases: bias shape `(2, 3 * units)`) or before it (False,
            bias shape `(3 * units,)`).
        seed: int seed of the dropout masks.
    """

    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True,
                 seed=None, **kwargs):
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
        self.reset_after = bool(reset_after)

    def build(self, input_shape):
        width = 3 * self.units
        self._build_weights(input_shape, bias_shape=(2, width) if self.reset_after else (width,))

    def call(self, inputs, states, training=False):
        h = self._first_state(states)
        units = self.units
        x = self._dropped_inputs(inputs, training) @ self.kernel
        h_in = self._dropped_state(h, training)
        if self.reset_after:
            inner = h_in @ self.recurrent_kernel
            if self.bias is not None:
                x = x + self.bias[0]
                inner = inner + self.bias[1]
        else:
            if self.bias is not None:
                x = x + self.bias
            inner = h_in @ self.recurrent_kernel[:, :2 * units]
        x_z, x_r, x_h = x.split(units, dim=-1)
        z = self.recurrent_activation(x_z + inner[:, :units])
        r = self.recurrent_activation(x_r + inner[:, units:2 * units])
        if self.reset_after:
            recurrent_h = r * inner[:, 2 * units:]
        else:
            recurrent_h = (r * h_in) @ self.recurrent_kernel[:, 2 * units:]
        candidate = self.activation(x_h + recurrent_h)
        h = z * h + (1 - z) * candidate
        return h, [h] if isinstance(states, (list, tuple)) else h

    def get_config(self):
        config = super().get_config()
        config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config["reset_after"] = self.reset_after
        return config


class GRU(OwnCellRNN):
    """Gated recurrent unit layer (Cho et al. 2014).

    Runs on `torch.gru` (cuDNN on GPU) with `reset_after=True`, activation tanh and
    recurrent_activation sigmoid, `unroll=False`, no recurrent dropout in training and no
    mask or a right-padded one; otherwise on a step loop (see `RNN`).

    Args:
        units: size of the output and state.
        activation, recurrent_activation, use_bias, kernel_initializer, recurrent_initializer,
        bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
        kernel_constraint, recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
        reset_after, seed: as in `GRUCell`.
        activity_regularizer: regularizer of the output.
        return_sequences, return_state, go_backwards, stateful, unroll: as in `RNN`.
        use_cudnn: "auto" uses the fused kernel when possible, False never, True always
            (a call that cannot use it raises a ValueError).
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True,
                 use_cudnn="auto", **kwargs):
        kwargs.pop("implementation", None)
        cell = GRUCell(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, reset_after=reset_after,
            seed=seed, dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
            name="gru_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self._set_use_cudnn(use_cudnn, "GRU")

    def _fused_spec(self, dtype):
        cell = self.cell
        if (self.use_cudnn is False or not cell.reset_after or not is_tanh(cell.activation)
                or not is_sigmoid(cell.recurrent_activation)):
            return None
        return fused.gru_spec(cell.kernel, cell.recurrent_kernel, cell.bias, dtype)

    units = cell_property("units")
    recurrent_activation = cell_property("recurrent_activation")
    reset_after = cell_property("reset_after")
