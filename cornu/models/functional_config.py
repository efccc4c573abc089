"""Functional models to and from Keras 3's config format (layers with their inbound nodes)."""

import numpy as np
import torch

from cornu.backend.keras_tensor import KerasTensor
from cornu.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from cornu.utils import tree


def _tensor_config(tensor):
    layer, node_index, tensor_index = tensor._keras_history
    return {"class_name": "__keras_tensor__",
            "config": {"shape": list(tensor.shape), "dtype": tensor.dtype,
                       "keras_history": [layer.name, node_index, tensor_index]}}


def _serialize_arg(x):
    if isinstance(x, KerasTensor):
        return _tensor_config(x)
    if isinstance(x, (list, tuple)):
        return [_serialize_arg(v) for v in x]
    if isinstance(x, dict):
        return {k: _serialize_arg(v) for k, v in x.items()}
    if isinstance(x, (np.ndarray, np.generic, torch.Tensor)):
        return _constant_config(x)
    return serialize_keras_object(x)


def _constant_config(x):
    """An array operand as Keras writes it (`__numpy__` / `__tensor__`; a scalar as a number)."""
    if isinstance(x, torch.Tensor):
        return {"class_name": "__tensor__", "config": {
            "value": x.detach().cpu().tolist(), "dtype": str(x.dtype).removeprefix("torch.")}}
    if isinstance(x, np.ndarray) and x.ndim > 0:
        return {"class_name": "__numpy__", "config": {"value": x.tolist(), "dtype": str(x.dtype)}}
    return x.item()


def _history_ref(tensor):
    layer, node_index, tensor_index = tensor._keras_history
    return [layer.name, node_index, tensor_index]


def functional_config(model):
    """Keras 3's `get_config()` of a Functional model."""
    node_ids = {id(n) for n in model._nodes}
    layers = []
    for layer in model.operations:
        entry = serialize_keras_object(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [
            {"args": _serialize_arg(list(node.call_args)), "kwargs": _serialize_arg(node.call_kwargs)}
            for node in layer._inbound_nodes if id(node) in node_ids and not node.is_input]
        layers.append(entry)
    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layers,
        "input_layers": tree.map_structure(_history_ref, model._input_structure),
        "output_layers": tree.map_structure(_history_ref, model._output_structure),
    }


def _is_history_ref(x):
    return (isinstance(x, (list, tuple)) and len(x) == 3 and isinstance(x[0], str)
            and isinstance(x[1], int) and isinstance(x[2], int))


def functional_from_config(cls, config, custom_objects=None):
    """Rebuilds a Functional model by creating its layers and replaying their calls in order."""
    created = {}
    pending = []  # (layer, node_data) in config order
    for layer_data in config["layers"]:
        layer = deserialize_keras_object(
            {k: v for k, v in layer_data.items() if k not in ("inbound_nodes", "name")},
            custom_objects)
        name = layer_data.get("name", layer.name)
        created[name] = layer
        for node_data in _node_list(layer_data.get("inbound_nodes", [])):
            pending.append((name, layer, node_data))

    produced = {}  # (layer name, node index) -> outputs
    for name, layer in created.items():
        if not layer._inbound_nodes:
            continue
        if getattr(layer, "_input_tensor", None) is not None:
            produced[(name, 0)] = layer.output
    node_counts = {name: (1 if (name, 0) in produced else 0) for name in created}

    while pending:
        progressed = False
        remaining = []
        for name, layer, node_data in pending:
            try:
                args, kwargs = _resolve(node_data, produced)
            except KeyError:
                remaining.append((name, layer, node_data))
                continue
            outputs = layer(*args, **kwargs)
            produced[(name, node_counts[name])] = outputs
            node_counts[name] += 1
            progressed = True
        if not progressed:
            raise ValueError(
                "Invalid Functional model configuration: the graph has loops or disconnected "
                f"nodes (layers waiting: {[n for n, _, _ in remaining]}).")
        pending = remaining

    def lookup(ref):
        name, node_index, tensor_index = ref
        outputs = produced.get((name, node_index))
        if outputs is None:
            raise ValueError(f"Invalid Functional model configuration: no layer output "
                             f"{ref} exists.")
        return tree.flatten(outputs)[tensor_index]

    inputs = _map_refs(config["input_layers"], lookup)
    outputs = _map_refs(config["output_layers"], lookup)
    return cls(inputs=inputs, outputs=outputs, name=config.get("name"),
               trainable=config.get("trainable", True))


def _map_refs(refs, lookup):
    if _is_history_ref(refs):
        return lookup(refs)
    if isinstance(refs, dict):
        return {k: _map_refs(v, lookup) for k, v in refs.items()}
    mapped = [_map_refs(r, lookup) for r in refs]
    return mapped


def _node_list(inbound_nodes):
    """Normalizes Keras 3 (`{"args", "kwargs"}`) and Keras 2 (`[[name, i, j, kwargs], ...]`) nodes."""
    nodes = []
    for node in inbound_nodes:
        if isinstance(node, dict):
            nodes.append(node)
        else:  # Keras 2: a list of [layer_name, node_index, tensor_index, kwargs]
            refs = [{"class_name": "__keras_tensor__",
                     "config": {"keras_history": [r[0], r[1], r[2]]}} for r in node]
            kwargs = node[0][3] if node and len(node[0]) > 3 else {}
            nodes.append({"args": [refs[0] if len(refs) == 1 else refs], "kwargs": kwargs or {}})
    return nodes


def _resolve(node_data, produced):
    def resolve(x):
        if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
            name, node_index, tensor_index = x["config"]["keras_history"]
            outputs = produced[(name, node_index)]
            return tree.flatten(outputs)[tensor_index]
        if isinstance(x, dict) and "class_name" in x and "config" in x:
            return deserialize_keras_object(x)
        if isinstance(x, list):
            return [resolve(v) for v in x]
        if isinstance(x, dict):
            return {k: resolve(v) for k, v in x.items()}
        return x

    args = resolve(node_data.get("args", []))
    kwargs = resolve(node_data.get("kwargs", {}))
    return args, kwargs
