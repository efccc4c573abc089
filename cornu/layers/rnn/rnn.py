"""`RNN`: runs a cell over the time axis, with masks, initial and carried-over states."""

import numpy as np
import torch

from cornu import regularizers
from cornu.layers.layer import Layer
from cornu.layers.rnn import fused
from cornu.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from cornu.layers.nested_layers import build_sublayer, serialize_layer
from cornu.layers.rnn.cell_call import cell_step
from cornu.layers.rnn.stacked_rnn_cells import StackedRNNCells
from cornu.layers.rnn.step_loop import run_steps
from cornu.saving.serialization_lib import deserialize_keras_object
from cornu.utils import tree

_RNN_FLAGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll",
              "zero_output_for_mask")


def cell_property(name):
    """A read-only layer attribute that reads the cell's attribute `name`."""
    return property(lambda self: getattr(self.cell, name), doc=f"The cell's `{name}`.")


def _dropout_cells(cell):
    if isinstance(cell, StackedRNNCells):
        return [c for sub in cell.cells for c in _dropout_cells(sub)]
    return [cell] if isinstance(cell, DropoutRNNCell) else []


class RNN(Layer):
    """Base class of recurrent layers: applies `cell` to every step of `(batch, time, ...)`.

    A cell has `state_size` (an int or a list of ints, one per state), optionally
    `output_size`, and `call(inputs, states)` returning `(output, new_states)`; a list of
    cells is stacked with `StackedRNNCells`.

    LSTM, GRU (`reset_after=True`) and SimpleRNN (tanh or relu) run on torch's fused kernels
    when their activations allow it, `unroll=False`, there is no recurrent dropout in
    training and any mask is right-padded; otherwise, and for every other cell, a step
    loop calls the cell once per time step. `last_call_fused` tells which path ran.

    Args:
        cell: an RNN cell instance, or a list of them.
        return_sequences: return the outputs of every step, not only the last one.
        return_state: also return the final states.
        go_backwards: process the sequence backwards (outputs are in processing order).
        stateful: the final states of a batch are the initial states of the next one.
        unroll: kept for Keras compatibility; always runs the step loop.
        zero_output_for_mask: masked steps output zeros instead of the previous output.
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        super().__init__(**kwargs)
        if not callable(getattr(cell, "call", None)):
            raise ValueError(f"Layer '{self.name}' (RNN) expects a `cell` with a `call` method. "
                             f"Received: cell={cell!r}")
        state_size = getattr(cell, "state_size", None)
        if not isinstance(state_size, (int, list, tuple)) or isinstance(state_size, bool):
            raise ValueError(f"Layer '{self.name}' (RNN) expects a `cell` whose `state_size` is "
                             f"an int or a list of ints. Received: state_size={state_size!r}")
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.single_state = isinstance(state_size, int)
        self.state_size = [state_size] if self.single_state else list(state_size)
        self.supports_masking = True
        self.states = None
        self.last_call_fused = None

    # ------------------------------------------------------------------ build and states

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 3:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) expects inputs of "
                             f"shape (batch, time, features). Received: input_shape={input_shape}")
        if isinstance(self.cell, Layer):
            build_sublayer(self.cell, (input_shape[0],) + input_shape[2:], self)
        if self.stateful and input_shape[0] is not None and self.states is None:
            self.states = self.get_initial_state(input_shape[0])
        self.built = True

    def get_initial_state(self, batch_size):
        """Zero states for a batch, in the cell's state structure."""
        make = getattr(self.cell, "get_initial_state", None)
        if make is not None:
            states = make(batch_size=batch_size)
            return list(states) if isinstance(states, (list, tuple)) else [states]
        device = self._weights_device()
        return [torch.zeros((batch_size, s), dtype=self._compute_torch_dtype, device=device)
                for s in self.state_size]

    def reset_state(self):
        """Zeroes the states of a stateful layer."""
        if self.states is not None:
            self.states = tree.map_structure(torch.zeros_like, self.states)

    def reset_states(self):
        """Same as `reset_state()`."""
        self.reset_state()

    def _initial_states(self, sequences, initial_state):
        batch = sequences.shape[0]
        if initial_state is None:
            if not self.stateful:
                return self.get_initial_state(batch)
            if self.states is None:
                self.states = self.get_initial_state(batch)
            found = tree.flatten(self.states)[0].shape[0]
            if found != batch:
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}) is stateful with batch size "
                    f"{found}, but received inputs of batch size {batch}. Call `reset_states()` "
                    f"or keep the batch size fixed. Received: input shape {tuple(sequences.shape)}")
            return list(self.states)
        given = tree.flatten(initial_state)
        expected = tree.flatten(self.state_size)
        if len(given) != len(expected):
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) expects `initial_state` to hold "
                f"{len(expected)} tensor(s) (state_size={self.state_size}), but received "
                f"{len(given)}.")
        converted = []
        for value, size in zip(given, expected):
            value = torch.as_tensor(np.asarray(value) if not isinstance(value, torch.Tensor)
                                    else value, device=sequences.device).to(sequences.dtype)
            if isinstance(size, int) and value.ndim == 2 and tuple(value.shape) != (batch, size):
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}) expects each `initial_state` "
                    f"tensor of shape {(batch, size)}. Received: shape {tuple(value.shape)}")
            converted.append(value)
        return tree.pack_as(self.state_size, converted)

    # ------------------------------------------------------------------ call

    def _fused_spec(self, dtype):
        """A `fused.FusedSpec` when the cell maps onto a torch kernel, else None."""
        return None

    def _prepare_mask(self, mask, sequences):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if mask is None or sequences.is_meta:
            return None
        mask = torch.as_tensor(mask, device=sequences.device)
        if tuple(mask.shape) != tuple(sequences.shape[:2]):
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) expects a mask of shape "
                f"(batch, time) = {tuple(sequences.shape[:2])}. Received: mask shape "
                f"{tuple(mask.shape)}")
        return mask if mask.dtype == torch.bool else mask.bool()

    def call(self, sequences, initial_state=None, mask=None, training=None):
        if sequences.ndim < 3:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) expects inputs of "
                             f"shape (batch, time, features). Received: shape "
                             f"{tuple(sequences.shape)}")
        if sequences.shape[1] == 0:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) received a sequence "
                             f"with no time steps: shape {tuple(sequences.shape)}")
        training = bool(training)
        mask = self._prepare_mask(mask, sequences)
        states = self._initial_states(sequences, initial_state)
        cells = _dropout_cells(self.cell)
        for c in cells:
            c.reset_dropout_mask()
            c.reset_recurrent_dropout_mask()
        try:
            last, outputs, states = self._run(sequences, states, mask, training)
        finally:
            for c in cells:
                c.reset_dropout_mask()
                c.reset_recurrent_dropout_mask()
        dtype = self._compute_torch_dtype
        last, outputs, states = tree.map_structure(
            lambda t: t if t is None or t.dtype == dtype else t.to(dtype), (last, outputs, states))
        if self.stateful and not sequences.is_meta:
            self.states = tree.map_structure(lambda s: s.detach(), list(states))
        output = outputs if self.return_sequences else last
        if self.return_state:
            return (output, *states)
        return output

    def _run(self, sequences, states, mask, training):
        spec = None
        dtype = fused.run_dtype(sequences)
        if not self.unroll and not (training and getattr(self.cell, "recurrent_dropout", 0)):
            spec = self._fused_spec(dtype)
        lengths = None
        if spec is not None and mask is not None:
            lengths = fused.right_padded_lengths(mask)
            if lengths is None:
                spec = None
            elif bool((lengths == sequences.shape[1]).all()):
                lengths = None
        if spec is None and getattr(self, "use_cudnn", "auto") is True:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) was given use_cudnn=True, but this "
                "call cannot run on the fused kernel (activations, unroll, recurrent dropout in "
                "training or a mask that is not right-padded). Pass use_cudnn='auto'.")
        self.last_call_fused = spec is not None
        if spec is not None:
            if training and 0.0 < self.cell.dropout < 1.0:
                sequences = sequences * self.cell.get_dropout_mask(sequences[:, 0])[:, None]
            outputs, states = self._run_fused(sequences.to(dtype), [s.to(dtype) for s in states],
                                              lengths, dtype)
            return outputs[:, -1], outputs, states
        return run_steps(lambda x, s: cell_step(self.cell, x, s, training), sequences, states,
                         mask, self.go_backwards, self.zero_output_for_mask,
                         self.return_sequences)

    @torch.compiler.disable
    def _run_fused(self, sequences, states, lengths, dtype):
        # Outside torch.compile graphs: inductor fails on the CPU kernel (mkldnn_rnn_layer,
        # torch 2.13), and eagerly the weights are handed over without a copy.
        spec = self._fused_spec(dtype)
        return fused.run(spec, sequences, states, lengths, self.go_backwards,
                         self.zero_output_for_mask)

    # ------------------------------------------------------------------ shapes and masks

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, length = sequences_shape[0], sequences_shape[1]
        output_size = getattr(self.cell, "output_size", None)
        if output_size is None:
            output_size = tree.flatten(self.state_size)[0]
        output_size = tuple(output_size) if isinstance(output_size, (list, tuple)) else (
            output_size,)
        if self.return_sequences:
            output_shape = (batch, length) + output_size
        else:
            output_shape = (batch,) + output_size
        if not self.return_state:
            return output_shape
        states = [tree.map_structure(lambda s: (batch, s), size) if isinstance(size, list)
                  else (batch, size) for size in self.state_size]
        return [output_shape] + states

    def compute_mask(self, inputs, mask):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    # ------------------------------------------------------------------ config

    def _flags_config(self):
        config = Layer.get_config(self)
        config.update({flag: getattr(self, flag) for flag in _RNN_FLAGS})
        return config

    def get_config(self):
        config = self._flags_config()
        config["cell"] = serialize_layer(self.cell)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if "cell" in config:  # LSTM, GRU, ... build their own cell from their arguments
            config["cell"] = deserialize_keras_object(config["cell"],
                                                      custom_objects=custom_objects)
        return super().from_config(config)


class OwnCellRNN(RNN):
    """Base of the layers built around their own cell (SimpleRNN, GRU, LSTM, ConvLSTM): the
    cell's arguments read as layer attributes, and the config is the RNN flags plus the cell's
    arguments (no nested `cell`)."""

    activation = cell_property("activation")
    use_bias = cell_property("use_bias")
    kernel_initializer = cell_property("kernel_initializer")
    recurrent_initializer = cell_property("recurrent_initializer")
    bias_initializer = cell_property("bias_initializer")
    kernel_regularizer = cell_property("kernel_regularizer")
    recurrent_regularizer = cell_property("recurrent_regularizer")
    bias_regularizer = cell_property("bias_regularizer")
    kernel_constraint = cell_property("kernel_constraint")
    recurrent_constraint = cell_property("recurrent_constraint")
    bias_constraint = cell_property("bias_constraint")
    dropout = cell_property("dropout")
    recurrent_dropout = cell_property("recurrent_dropout")

    def _set_use_cudnn(self, use_cudnn, class_name):
        """Checks and sets `use_cudnn` (GRU and LSTM): whether to run on the fused kernel."""
        if use_cudnn not in ("auto", True, False):
            raise ValueError(f"Layer '{self.name}' ({class_name}) expects `use_cudnn` in "
                             f"('auto', True, False). Received: use_cudnn={use_cudnn!r}")
        self.use_cudnn = use_cudnn

    def get_config(self):
        config = self._flags_config()
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        config.update(cell_config)
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config
