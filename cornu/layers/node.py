"""`Node`: one call of a layer on symbolic tensors, the edge of a Functional graph."""

from cornu.backend.keras_tensor import KerasTensor
from cornu.utils import tree


class Node:
    """Records `outputs = layer(*call_args, **call_kwargs)` on KerasTensors.

    Args:
        layer: the layer that was called.
        call_args: positional arguments (may hold KerasTensors in nested structures).
        call_kwargs: keyword arguments.
        outputs: the KerasTensor outputs (nested structure).
    """

    def __init__(self, layer, call_args=(), call_kwargs=None, outputs=None):
        self.layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs or {}
        self.outputs = outputs
        self.input_tensors = [x for x in tree.flatten((call_args, self.call_kwargs))
                              if isinstance(x, KerasTensor)]
        self.output_tensors = [x for x in tree.flatten(outputs) if isinstance(x, KerasTensor)]
        self.is_input = not self.input_tensors
        layer._inbound_nodes.append(self)
        node_index = len(layer._inbound_nodes) - 1
        for i, tensor in enumerate(self.output_tensors):
            tensor._keras_history = (layer, node_index, i)

    @property
    def parent_nodes(self):
        """The nodes that produced this node's inputs."""
        parents = []
        for x in self.input_tensors:
            layer, node_index, _ = x._keras_history
            parents.append(layer._inbound_nodes[node_index])
        return parents

    def __repr__(self):
        return f"<Node layer={self.layer.name} inputs={len(self.input_tensors)}>"


def get_source_inputs(tensor):
    """The `Input` tensors a symbolic tensor is computed from, in first-seen order.

    Args:
        tensor: a KerasTensor (an `Input` gives itself).

    Returns:
        A list of KerasTensors.
    """
    history = getattr(tensor, "_keras_history", None)
    if history is None:
        return [tensor]
    layer, node_index, _ = history
    node = layer._inbound_nodes[node_index]
    if node.is_input:
        return [tensor]
    sources = []
    for x in node.input_tensors:
        for source in get_source_inputs(x):
            if not any(source is seen for seen in sources):
                sources.append(source)
    return sources
