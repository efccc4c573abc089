"""`Bidirectional`: runs a recurrent layer forwards and backwards and merges the outputs."""

import torch

from cornu.layers.layer import Layer
from cornu.layers.nested_layers import build_sublayer, serialize_layer
from cornu.saving.serialization_lib import deserialize_keras_object

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _renamed_copy(layer, prefix, go_backwards=None):
    config = serialize_layer(layer)
    name = layer.name[len(prefix):] if layer.name.startswith(prefix) else layer.name
    config["config"]["name"] = prefix + name
    if go_backwards is not None:
        config["config"]["go_backwards"] = go_backwards
    return deserialize_keras_object(config)


class Bidirectional(Layer):
    """Bidirectional wrapper of an RNN layer.

    The forward layer is a fresh copy of `layer` (named `forward_<name>`); the backward
    layer is `backward_layer`, or a copy of `layer` with `go_backwards=True`. With
    `return_sequences`, the backward outputs are flipped back to the input's time order
    before merging, and masked steps output zeros.

    Args:
        layer: an `RNN` instance (LSTM, GRU, ...), used as a template.
        merge_mode: how outputs are combined: "concat", "sum", "mul", "ave", or None for a
            list of the two outputs.
        weights: optional initial weights (forward's then backward's).
        backward_layer: optional `RNN` instance for the backward direction.
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        for arg, value in (("layer", layer), ("backward_layer", backward_layer)):
            if value is not None and not (isinstance(value, Layer)
                                          and hasattr(value, "go_backwards")):
                raise ValueError(f"Layer '{self.name}' (Bidirectional) expects `{arg}` to be "
                                 f"an RNN layer instance. Received: {arg}={value!r}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Layer '{self.name}' (Bidirectional) expects `merge_mode` in "
                             f"{_MERGE_MODES}. Received: merge_mode={merge_mode!r}")
        self.forward_layer = _renamed_copy(layer, "forward_")
        if backward_layer is None:
            backward_layer = _renamed_copy(layer, "backward_", go_backwards=True)
        self.backward_layer = backward_layer
        for sub in (self.forward_layer, self.backward_layer):
            if hasattr(layer, "use_cudnn"):
                sub.use_cudnn = layer.use_cudnn
            if hasattr(sub, "zero_output_for_mask"):
                sub.zero_output_for_mask = sub.return_sequences
        self._check_pair()
        self.merge_mode = merge_mode
        self._initial_weights = weights
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True

    def _check_pair(self):
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(
                f"Layer '{self.name}' (Bidirectional) expects forward and backward layers with "
                f"different `go_backwards`. Received: {forward.go_backwards} for both.")
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(forward, attr) != getattr(backward, attr):
                raise ValueError(
                    f"Layer '{self.name}' (Bidirectional) expects forward and backward layers "
                    f"with the same `{attr}`. Received: {getattr(forward, attr)} (forward) and "
                    f"{getattr(backward, attr)} (backward).")

    def build(self, input_shape):
        build_sublayer(self.forward_layer, input_shape, self)
        build_sublayer(self.backward_layer, input_shape, self)
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def _run(self, layer, sequences, initial_state, mask, training):
        kwargs = {}
        if initial_state is not None:
            kwargs["initial_state"] = initial_state
        if mask is not None and layer._signature.has_mask:
            kwargs["mask"] = mask
        if training is not None:
            kwargs["training"] = training
        return layer(sequences, **kwargs)

    def call(self, sequences, initial_state=None, mask=None, training=None):
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self._run(self.forward_layer, sequences, forward_state, mask, training)
        y_rev = self._run(self.backward_layer, sequences, backward_state, mask, training)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = y_rev.flip(1)
        if self.merge_mode == "concat":
            output = (torch.cat([y, y_rev], dim=-1),)
        elif self.merge_mode == "sum":
            output = (y + y_rev,)
        elif self.merge_mode == "ave":
            output = ((y + y_rev) / 2,)
        elif self.merge_mode == "mul":
            output = (y * y_rev,)
        else:
            output = (y, y_rev)
        if not self.return_state and self.merge_mode is not None:
            return output[0]
        return output + states

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        state_shapes = []
        if self.return_state:
            shape, state_shapes = shape[0], list(shape[1:])
        if self.merge_mode == "concat":
            outputs = [tuple(shape[:-1]) + (None if shape[-1] is None else 2 * shape[-1],)]
        elif self.merge_mode is None:
            outputs = [tuple(shape), tuple(shape)]
        else:
            outputs = [tuple(shape)]
        if not self.return_state and self.merge_mode is not None:
            return outputs[0]
        return outputs + state_shapes + state_shapes

    def compute_mask(self, inputs, mask):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        masks = [output_mask] if self.merge_mode is not None else [output_mask, output_mask]
        if self.return_state:
            masks += [None] * (2 * len(self.forward_layer.state_size))
        elif self.merge_mode is not None:
            return output_mask
        return masks

    @property
    def states(self):
        forward, backward = self.forward_layer.states, self.backward_layer.states
        if forward is not None and backward is not None:
            return tuple(forward) + tuple(backward)
        return None

    def reset_state(self):
        """Zeroes the states of both directions (stateful layers only)."""
        if not self.stateful:
            raise AttributeError(f"Layer '{self.name}' (Bidirectional) must be stateful to "
                                 "reset its states.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    def reset_states(self):
        """Same as `reset_state()`."""
        self.reset_state()

    def get_config(self):
        config = super().get_config()
        config.update({"merge_mode": self.merge_mode,
                       "layer": serialize_layer(self.forward_layer),
                       "backward_layer": serialize_layer(self.backward_layer)})
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = deserialize_keras_object(config["layer"], custom_objects=custom_objects)
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_keras_object(
                config["backward_layer"], custom_objects=custom_objects)
        return super().from_config(config)
