"""`StackedRNNCells`: several cells acting as one, each feeding the next."""

import torch

from cornu.layers.layer import Layer
from cornu.layers.nested_layers import build_sublayer
from cornu.layers.rnn.cell_call import cell_step
from cornu.saving.serialization_lib import deserialize_keras_object, serialize_keras_object


def _output_size(cell):
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    state_size = cell.state_size
    return state_size[0] if isinstance(state_size, (list, tuple)) else state_size


class StackedRNNCells(Layer):
    """Wraps a list of cells so that an `RNN` runs them as one deep cell.

    The states are one entry per cell: a tensor for a cell with an int `state_size`, a
    list for a cell with several states.

    Args:
        cells: list of RNN cells, applied in order.
    """

    _direct_step = True

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        cells = list(cells)
        if not cells:
            raise ValueError(f"Layer '{self.name}' (StackedRNNCells) expects a non-empty list "
                             f"of cells. Received: cells={cells!r}")
        for cell in cells:
            if not callable(getattr(cell, "call", None)) or not hasattr(cell, "state_size"):
                raise ValueError(
                    f"Layer '{self.name}' (StackedRNNCells) expects cells with a `call` method "
                    f"and a `state_size` attribute. Received: {cell!r}")
        self.cells = cells

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        return _output_size(self.cells[-1])

    def build(self, input_shape):
        batch = tuple(input_shape)[0]
        for cell in self.cells:
            if isinstance(cell, Layer):
                build_sublayer(cell, input_shape, self)
            input_shape = (batch, _output_size(cell))
        self.built = True

    def get_initial_state(self, batch_size=None):
        states = []
        for cell in self.cells:
            make = getattr(cell, "get_initial_state", None)
            if make is not None:
                state = make(batch_size=batch_size)
            else:
                sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [
                    cell.state_size]
                state = [torch.zeros((batch_size, s), dtype=self._compute_torch_dtype)
                         for s in sizes]
            if isinstance(cell.state_size, int) and isinstance(state, (list, tuple)):
                state = state[0]
            states.append(state)
        return states

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, state in zip(self.cells, states):
            as_list = isinstance(state, (list, tuple))
            inputs, state = cell_step(cell, inputs, list(state) if as_list else [state], training)
            new_states.append(state if as_list or len(state) != 1 else state[0])
        return inputs, new_states

    def get_config(self):
        config = super().get_config()
        config["cells"] = [serialize_keras_object(c) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["cells"] = [deserialize_keras_object(c, custom_objects=custom_objects)
                           for c in config["cells"]]
        return super().from_config(config)
