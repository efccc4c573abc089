"""Keras 3's weights layout: where each layer's and the optimizer's variables go in the file.

Keras walks a model's attributes in sorted order (private ones last); each layer or
optimizer it meets for the first time gets a group `<path>/vars` holding its own variables
as datasets "0", "1", ... . Sequential and Functional models list `layers` first; items of
lists and dicts are named after their class in snake_case, made unique (`dense`,
`dense_1`, ...). So a Functional model's first Dense is at `layers/dense/vars`, a
subclassed model's `self.encoder` at `encoder/vars`, and the optimizer at `optimizer/vars`.
"""

import warnings

import numpy as np
import torch

from cornu.saving.file_utils import InvalidFileError, file_error
from cornu.saving.h5_io import VarsStore, get_group, make_vars_group
from cornu.utils import naming


def _is_layer(obj):
    from cornu.layers.layer import Layer
    return isinstance(obj, Layer)


def _is_optimizer(obj):
    from cornu.optimizers.base_optimizer import Optimizer
    return isinstance(obj, Optimizer)


def _is_saveable(obj):
    return _is_layer(obj) or _is_optimizer(obj)


def _is_container(obj):
    return isinstance(obj, (list, tuple, dict, torch.nn.ModuleList, torch.nn.ModuleDict))


def _items(container):
    if isinstance(container, (dict, torch.nn.ModuleDict)):
        return list(container.values())
    return list(container)


def _sort_key(name):
    return f"~{name}" if name.startswith("_") else name


def _holds_saveable(value):
    return _is_container(value) and any(
        _is_saveable(v) or _is_container(v) for v in _items(value))


def _children(obj):
    """The (attribute name, value) pairs Keras visits below `obj`, in Keras's order."""
    from cornu.models.functional import Functional
    from cornu.models.model import Model
    from cornu.models.sequential import Sequential

    first = []
    named = {}
    if _is_layer(obj):
        if isinstance(obj, (Sequential, Functional)):
            first.append(("layers", obj.layers))
        for name, module in obj._modules.items():
            if _is_saveable(module) or isinstance(module, (torch.nn.ModuleList,
                                                           torch.nn.ModuleDict)):
                named[name] = module
        for name, value in vars(obj).items():
            # `_modules` is torch's registry of the children named above, not an attribute.
            if (name not in named and not name.startswith("__") and name != "_modules"
                    and _holds_saveable(value)):
                named[name] = value
        if isinstance(obj, Model):
            named.setdefault("layers", obj.layers)
            if getattr(obj, "optimizer", None) is not None:
                named["optimizer"] = obj.optimizer
    elif _is_optimizer(obj):
        for name, value in vars(obj).items():
            if not name.startswith("_") and _is_optimizer(value):
                named[name] = value
        if isinstance(getattr(type(obj), "optimizers", None), property):
            named["optimizers"] = obj.optimizers  # MultiOptimizer's sub-optimizers
    return first + sorted(named.items(), key=lambda kv: _sort_key(kv[0]))


def walk(root):
    """Every layer and optimizer under `root` with its path, in Keras's order (first path wins)."""
    out = []
    visited = set()

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        out.append((path, obj))
        for attr, child in _children(obj):
            child_path = f"{path}/{attr}" if path else attr
            if _is_saveable(child):
                visit(child, child_path)
            elif _is_container(child):
                visit_container(child, child_path, set())

    def visit_container(container, path, seen):
        if id(container) in seen:
            return
        seen.add(id(container))
        used = {}
        for item in _items(container):
            if _is_saveable(item):
                visit(item, f"{path}/{_unique(naming.to_snake_case(type(item).__name__), used)}")
            elif _is_container(item):
                visit_container(item, f"{path}/{_unique('container', used)}", seen)

    visit(root, "")
    return out


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def own_variables(layer):
    """A layer's own variables in Keras's saving order: trainable, then non-trainable."""
    return layer._own_trainable() + layer._own_non_trainable() + layer._torch_module_params()


def _has_custom(optimizer, method):
    """Whether an optimizer defines its own `save_own_variables` / `load_own_variables`."""
    from cornu.optimizers.base_optimizer import Optimizer
    return getattr(type(optimizer), method) is not getattr(Optimizer, method)


def save_state(root, h5file, make_store=None):
    """Writes the variables of `root` (model, optimizer included) into an open HDF5 file.

    Args:
        root: the model (or layer).
        h5file: the open h5py File (None when `make_store` is given).
        make_store: optional `make_store(path, name)` returning the store one object's
            variables are written to (the sharded writer's); default: `<path>/vars` of
            `h5file`.
    """
    for path, obj in walk(root):
        if make_store is not None:
            store = make_store(path, getattr(obj, "name", None))
        else:
            group = make_vars_group(h5file, path, getattr(obj, "name", None))
            store = VarsStore(group, h5file.filename, path)
        if _is_optimizer(obj) and not _has_custom(obj, "save_own_variables"):
            for i, variable in enumerate(obj.variables):
                store[str(i)] = variable
        else:
            obj.save_own_variables(store)


def load_layer_variables(layer, store):
    """Assigns a layer's own variables from `store` (a `VarsStore` or a plain dict of
    arrays keyed "0", "1", ...), checking their number and shapes first."""
    variables = own_variables(layer)
    filename = getattr(store, "filename", None)
    if len(store) != len(variables):
        path = getattr(store, "path", "/")
        where = f"at '{path}'" if path != "/" else "at the root"
        message = (f"layer '{layer.name}' ({where}) has {len(variables)} variables, but "
                   f"the file holds {len(store)} for it.")
        raise file_error(filename, message) if filename else ValueError(
            f"Layer '{layer.name}' expected {len(variables)} variables, but received "
            f"{len(store)}.")
    values = [_read(store, str(i), tuple(v.shape), layer) for i, v in enumerate(variables)]
    with torch.no_grad():
        for variable, value in zip(variables, values):
            value = torch.as_tensor(value)
            variable.copy_(value.to(dtype=variable.dtype, device=variable.device))


def _read(store, key, shape, layer):
    if isinstance(store, VarsStore):
        return store.read(key, shape)
    value = np.asarray(store[key])
    if tuple(value.shape) != shape:
        raise ValueError(f"Layer '{layer.name}' variable {key} has shape {shape}, but "
                         f"received a value of shape {tuple(value.shape)}.")
    return value


def _load_optimizer(optimizer, store, filename, path):
    variables = optimizer.variables
    if len(store) != len(variables):
        warnings.warn(f"Skipping loading the state of optimizer '{optimizer.name}' from "
                      f"'{filename}': it has {len(variables)} variables but the file holds "
                      f"{len(store)}" + (" (the optimizer is not built yet)."
                                         if not optimizer.built else "."), stacklevel=3)
        return
    values = [store.read(str(i), tuple(v.shape)) for i, v in enumerate(variables)]
    with torch.no_grad():
        for variable, value in zip(variables, values):
            variable.copy_(torch.as_tensor(value).to(dtype=variable.dtype,
                                                     device=variable.device))


def load_state(root, h5file, skip_mismatch=False, filename=None, get_store=None):
    """Reads the variables of `root` from an open HDF5 file in Keras 3's layout.

    Args:
        root: the model (or layer).
        h5file: the open h5py File (None when `get_store` is given).
        skip_mismatch: warn and skip objects whose variables do not match, instead of
            raising.
        filename: the file's name for error messages.
        get_store: optional `get_store(path)` returning the store holding one object's
            variables (the sharded reader's); default: `<path>/vars` of `h5file`.
    """
    filename = filename or h5file.filename
    if (h5file is not None and "model_weights" in h5file and "vars" not in h5file
            and "layers" not in h5file):
        raise file_error(filename, "it is a legacy Keras HDF5 file, not a Keras 3 weights "
                                   "file; load it from a path ending in '.h5'.")
    failures = []
    for path, obj in walk(root):
        if get_store is not None:
            store = get_store(path)
        else:
            parent = get_group(h5file, path, filename) if path else h5file
            group = get_group(parent, "vars", filename) if parent is not None else None
            store = VarsStore(group, filename, path)
        try:
            if _is_optimizer(obj) and not _has_custom(obj, "load_own_variables"):
                if not obj.built and len(store) and obj is getattr(root, "optimizer", None):
                    from cornu.saving.compile_config import build_optimizer
                    build_optimizer(root)  # so that saved slots have somewhere to go
                _load_optimizer(obj, store, filename, path)
            else:
                obj.load_own_variables(store)
        except (InvalidFileError, ValueError) as e:
            if not skip_mismatch:
                raise e if isinstance(e, InvalidFileError) else file_error(filename, str(e))
            failures.append(f"{path or '/'}: {e}")
    if failures:
        warnings.warn(f"Skipped loading {len(failures)} object(s) from '{filename}' because "
                      "they do not match the model:\n" + "\n".join(failures), stacklevel=3)
