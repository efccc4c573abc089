"""Rematerialization (gradient checkpointing): Keras's `keras.remat` and `keras.RematScope`.

`remat(f)` runs `f` under `torch.utils.checkpoint.checkpoint(use_reentrant=False)`: its
intermediate activations are not kept for the backward pass but recomputed there. A
`RematScope` active when a layer is *created* records its mode on the layer
(`layer._remat_mode`); the layer's calls are then wrapped according to that mode (see
`Layer.rematerialized_call`).
"""

import threading
from collections import namedtuple

import torch
import torch.utils.checkpoint

_state = threading.local()

_MODES = ("full", "activations", "larger_than", "list_of_layers", None)

RematMode = namedtuple("RematMode", ["mode", "output_size_threshold", "layer_names"])


def _stack():
    stack = getattr(_state, "stack", None)
    if stack is None:
        stack = _state.stack = []
    return stack


class RematScope:
    """A context manager for enabling rematerialization.

    Rematerialization (gradient checkpointing) trades memory for computation by
    recomputing intermediate activations during the backward pass. The scope applies
    to layers *created* inside it; the rematerialization itself happens when they are
    called.

    Args:
        mode: Rematerialization mode to apply. One of:
            - `"full"`: rematerialize the whole call of every layer.
            - `"activations"`: rematerialize the activation of layers that have
              one (e.g. `Dense(..., activation="relu")`).
            - `"larger_than"`: rematerialize layers whose output size (number of
              elements) is larger than `output_size_threshold`.
            - `"list_of_layers"`: rematerialize the layers named in `layer_names`.
            - `None`: disable rematerialization.
        output_size_threshold: Output size threshold for the `"larger_than"` mode.
            Defaults to `1024`.
        layer_names: List of layer names for the `"list_of_layers"` mode.
            Defaults to an empty list.
    """

    def __init__(self, mode="full", output_size_threshold=1024, layer_names=None):
        if mode not in _MODES:
            raise ValueError(
                f"Invalid mode '{mode}'. Supported modes are: 'full', 'activations', "
                "'larger_than', 'list_of_layers', or  None.")
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = layer_names or []
        self._pop_on_exit = False

    def __enter__(self):
        _stack().append(self)
        self._pop_on_exit = True
        return self

    def __exit__(self, *args, **kwargs):
        if self._pop_on_exit:
            _stack().pop()
            self._pop_on_exit = False


def get_current_remat_mode():
    """The innermost active scope's `RematMode`, or None outside any scope.

    Returns:
        RematMode or None: The current rematerialization mode, or None if not set.
    """
    stack = getattr(_state, "stack", None)
    if not stack:
        return None
    scope = stack[-1]
    return RematMode(scope.mode, scope.output_size_threshold, scope.layer_names)


def remat(f):
    """Applies rematerialization to a function or layer for memory optimization.

    Instead of storing the intermediate results of `f` for backpropagation, they are
    recomputed during the backward pass (`torch.utils.checkpoint` without reentrance;
    the random number generator state is replayed, so dropout draws the same mask).
    The layer-call context (`training`, the inputs' device) is replayed as well, and
    losses added by layers during the recomputation are not added a second time.

    Args:
        f: A callable function, to which rematerialization is applied.

    Returns:
        A wrapped function that recomputes `f` on the backward pass.
    """
    if not callable(f):
        raise TypeError(f"`remat` expects a callable. Received: f={f!r} (of type {type(f)})")

    def wrapped(*args, **kwargs):
        if not torch.is_grad_enabled():
            return f(*args, **kwargs)
        from cornu.layers.layer import _replaying_call_context
        return torch.utils.checkpoint.checkpoint(
            _replaying_call_context(f), *args, use_reentrant=False, **kwargs)

    wrapped.__wrapped__ = f
    return wrapped
