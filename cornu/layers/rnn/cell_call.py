"""How an RNN builds and calls its cell, whatever kind of cell it is."""

from cornu.layers.layer import Layer


def cell_step(cell, inputs, states, training):
    """One step of `cell`; returns `(output, new_states)` with `new_states` a list.

    cornu's own cells are called through `call` directly (no per-step `__call__` overhead);
    other Layer cells through `__call__`, and plain objects through their `call`.
    """
    if getattr(type(cell), "_direct_step", False):
        output, new_states = cell.call(inputs, states, training=training)
    elif isinstance(cell, Layer):
        kwargs = {"training": training} if cell._signature.has_training else {}
        output, new_states = cell(inputs, states, **kwargs)
    else:
        output, new_states = cell.call(inputs, states)
    if not isinstance(new_states, (list, tuple)):
        new_states = [new_states]
    return output, list(new_states)
