"""What SimpleRNNCell, LSTMCell and GRUCell share: arguments, weights and config."""

import torch

from cornu import activations, constraints, initializers, regularizers
from cornu.layers.layer import Layer
from cornu.layers.rnn.dropout_rnn_cell import DropoutRNNCell

_TANH = (activations.tanh, torch.tanh)
_SIGMOID = (activations.sigmoid, torch.sigmoid)
_RELU = (activations.relu, torch.relu)


def is_tanh(fn):
    return any(fn is f for f in _TANH)


def is_sigmoid(fn):
    return any(fn is f for f in _SIGMOID)


def is_relu(fn):
    return any(fn is f for f in _RELU)


class BaseRNNCell(DropoutRNNCell, Layer):
    """A cell with `kernel (input_dim, gates * units)`, `recurrent_kernel (units, gates * units)`
    and an optional bias; subclasses set `gates` and implement `call(inputs, states, training)`.

    Args:
        units: size of the state (and output).
        activation: activation of the candidate / output.
        use_bias: whether to add biases.
        kernel_initializer: initializer of `kernel` ("glorot_uniform").
        recurrent_initializer: initializer of `recurrent_kernel` ("orthogonal").
        bias_initializer: initializer of `bias` ("zeros").
        kernel_regularizer, recurrent_regularizer, bias_regularizer: weight regularizers.
        kernel_constraint, recurrent_constraint, bias_constraint: weight constraints.
        dropout: fraction of the inputs dropped in training (same mask at every step).
        recurrent_dropout: fraction of the recurrent state dropped in training.
        seed: int seed of the dropout masks.
    """

    gates = 1
    _direct_step = True

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) expects a positive int "
                             f"`units`. Received: units={units!r}")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._init_dropout(dropout, recurrent_dropout, seed)
        self.state_size = units
        self.output_size = units

    def _input_dim(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) expects step inputs of shape "
                f"(batch, features) with a known last dimension. Received: input_shape={input_shape}")
        return input_shape[-1]

    def _kernel_shapes(self, input_shape, width):
        """The shapes of `kernel` and `recurrent_kernel`, for `width = gates * units`."""
        return (self._input_dim(input_shape), width), (self.units, width)

    def _build_weights(self, input_shape, bias_shape=None, bias_initializer=None):
        width = self.gates * self.units
        kernel_shape, recurrent_shape = self._kernel_shapes(input_shape, width)
        self.kernel = self.add_weight(
            name="kernel", shape=kernel_shape,
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel", shape=recurrent_shape,
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=bias_shape or (width,),
                initializer=bias_initializer or self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def build(self, input_shape):
        self._build_weights(input_shape)

    @staticmethod
    def _first_state(states):
        return states[0] if isinstance(states, (list, tuple)) else states

    def _dropped_inputs(self, inputs, training):
        mask = self.get_dropout_mask(inputs) if training else None
        return inputs if mask is None else inputs * mask

    def _dropped_state(self, state, training):
        mask = self.get_recurrent_dropout_mask(state) if training else None
        return state if mask is None else state * mask

    def get_initial_state(self, batch_size=None):
        """Zero states, one `(batch_size, size)` tensor per entry of `state_size`."""
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        device = self.kernel.device if self.built else None
        return [torch.zeros((batch_size, s), dtype=self._compute_torch_dtype, device=device)
                for s in sizes]

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        })
        return config
