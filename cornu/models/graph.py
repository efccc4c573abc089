"""Mapping a symbolic graph: which nodes and layers lie between inputs and outputs, in order.

Layers are ordered as Keras orders them (by depth from the outputs, then by first
traversal), so `model.layers` and `get_weights()` line up with Keras's for the same graph.
"""

import collections

from cornu.backend.keras_tensor import KerasTensor


def _node_of(tensor):
    if not isinstance(tensor, KerasTensor) or tensor._keras_history is None:
        raise ValueError(
            "Every output of a Functional model must be a symbolic tensor produced by a layer "
            f"(Input or a layer called on one). Received: {tensor!r}")
    layer, node_index, _ = tensor._keras_history
    return layer, layer._inbound_nodes[node_index]


def map_graph(inputs, outputs):
    """Returns `(nodes_in_execution_order, layers_in_keras_order)` for the graph.

    Args:
        inputs: flat list of input KerasTensors.
        outputs: flat list of output KerasTensors.
    """
    input_ids = {id(t) for t in inputs}
    finished, in_progress = set(), set()
    post_order = []
    layer_index = {}

    def start(tensor):
        layer, node = _node_of(tensor)
        if id(node) in finished:
            return None
        if not node.is_input and id(tensor) in input_ids:
            finished.add(id(node))
            return None
        if id(node) in in_progress:
            raise ValueError(f"Tensor {tensor} from layer '{layer.name}' is part of a cycle.")
        layer_index.setdefault(layer, len(layer_index))
        in_progress.add(id(node))
        return node

    def children(node):
        return iter([] if node.is_input else node.input_tensors)

    for output in outputs:
        node = start(output)
        if node is None:
            continue
        stack = [(node, children(node))]
        while stack:
            node, pending = stack[-1]
            tensor = next(pending, None)
            if tensor is None:
                stack.pop()
                finished.add(id(node))
                in_progress.discard(id(node))
                post_order.append(node)
                continue
            child = start(tensor)
            if child is not None:
                stack.append((child, children(child)))

    in_graph = {id(n) for n in post_order}
    node_depth, layer_depth = {}, {}
    for node in reversed(post_order):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(node.layer, 0))
        layer_depth[node.layer] = depth
        node_depth[id(node)] = depth
        if node.is_input:
            continue
        for parent in node.parent_nodes:
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))

    for tensor in inputs:  # inputs that reach no output still belong to the model
        layer, node = _node_of(tensor)
        if node.is_input and layer not in layer_depth:
            layer_depth[layer] = 0
            layer_index[layer] = -1

    layers_by_depth = collections.defaultdict(list)
    for layer, depth in layer_depth.items():
        layers_by_depth[depth].append(layer)
    layers = []
    for depth in sorted(layers_by_depth, reverse=True):
        layers.extend(sorted(layers_by_depth[depth], key=lambda l: layer_index[l]))

    order = {id(n): i for i, n in enumerate(post_order)}
    nodes = sorted(post_order, key=lambda n: (-node_depth[id(n)], order[id(n)]))
    _check_connected(inputs, nodes)
    _check_unique_names(layers)
    return nodes, layers


def _check_connected(inputs, nodes):
    computable = {id(t) for t in inputs}
    reached = []
    for node in nodes:
        if node.is_input:
            if not any(id(t) in computable for t in node.output_tensors):
                raise ValueError(
                    f"Graph disconnected: cannot obtain value for tensor {node.output_tensors[0]} "
                    f"at layer '{node.layer.name}'. The following previous layers were accessed "
                    f"without issue: {reached}")
            continue
        for tensor in node.input_tensors:
            if id(tensor) not in computable:
                raise ValueError(
                    f"Graph disconnected: cannot obtain value for tensor {tensor} at layer "
                    f"'{node.layer.name}'. The following previous layers were accessed without "
                    f"issue: {reached}")
        reached.append(node.layer.name)
        computable.update(id(t) for t in node.output_tensors)


def _check_unique_names(layers):
    seen = set()
    for layer in layers:
        if layer.name in seen:
            raise ValueError(
                f"The name '{layer.name}' is used {sum(l.name == layer.name for l in layers)} "
                "times in the model. All layer names should be unique.")
        seen.add(layer.name)
