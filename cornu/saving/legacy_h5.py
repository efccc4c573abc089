"""The legacy Keras HDF5 format (`.h5`): one file with config attributes and weights by layer.

Layout: attributes `model_config`, `training_config`, `keras_version`, `backend`; group
`model_weights` with attribute `layer_names` and one group per layer (attribute
`weight_names`, datasets at each weight's path); group `optimizer_weights` with attribute
`weight_names`. Lists of names too long for one HDF5 attribute are split into `name0`,
`name1`, ... as Keras does.
"""

import json
import warnings

import h5py
import numpy as np
import torch

from cornu.saving import compile_config
from cornu.saving.file_utils import atomic_write, file_error
from cornu.saving.h5_io import get_dataset, get_group, open_h5, read_dataset, write_dataset
from cornu.saving.keras_archive import KERAS_VERSION

_ATTR_LIMIT = 64512  # bytes HDF5 allows in one object header


def _write_name_list(group, name, names):
    data = np.array([n.encode("utf8") for n in names], dtype=object) if names else \
        np.array([], dtype="S1")
    chunks = 1
    while chunks < max(1, len(names)) and sum(len(n) for n in names) / chunks > _ATTR_LIMIT:
        chunks += 1
    if chunks == 1:
        group.attrs[name] = data
        return
    for i, part in enumerate(np.array_split(data, chunks)):
        group.attrs[f"{name}{i}"] = part


def read_name_list(group, name):
    """Reads a list of names written by `_write_name_list` (chunked or not)."""
    def decode(values):
        if isinstance(values, (bytes, str)):
            values = [values]
        return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in np.ravel(values)]

    if name in group.attrs:
        return decode(group.attrs[name])
    out, i = [], 0
    while f"{name}{i}" in group.attrs:
        out.extend(decode(group.attrs[f"{name}{i}"]))
        i += 1
    return out


def legacy_weights(layer):
    """A layer's weights in the legacy order: trainable, then non-trainable."""
    return layer.trainable_weights + layer.non_trainable_weights


def _weight_names(weights, owner):
    names, used = [], set()
    for i, w in enumerate(weights):
        name = getattr(w, "path", None) or f"{owner}/param_{i}"
        base, k = name, 1
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        names.append(name)
    return names


def _write_weight_group(group, weights, owner):
    names = _weight_names(weights, owner)
    _write_name_list(group, "weight_names", names)
    for name, w in zip(names, weights):
        write_dataset(group, name, w)


def save_weights_to_group(group, model):
    """Writes `model`'s weights layer by layer into `group` (legacy layout)."""
    layers = list(model.layers)
    _write_name_list(group, "layer_names", [layer.name for layer in layers])
    group.attrs["backend"] = "torch"
    group.attrs["keras_version"] = KERAS_VERSION
    for layer in sorted(layers, key=lambda l: l.name):
        _write_weight_group(group.create_group(layer.name), legacy_weights(layer), layer.name)
    own = model._own_trainable() + model._own_non_trainable()
    _write_weight_group(group.create_group("top_level_model_weights"), own, model.name)


def legacy_model_config(model):
    """`{"class_name", "config"}` of the model, as the legacy format stores it."""
    from cornu.saving.object_registration import _GLOBAL_CUSTOM_NAMES
    cls = type(model)
    config = {"class_name": _GLOBAL_CUSTOM_NAMES.get(cls, cls.__name__),
              "config": model.get_config()}
    build_config = model.get_build_config()
    if build_config:  # lets a subclassed model be rebuilt before its weights are loaded
        config["build_config"] = build_config
    return config


def save_model(model, filepath, include_optimizer=True):
    """Writes `model` to a legacy `.h5` file, atomically."""
    config_json = json.dumps(legacy_model_config(model))
    training = compile_config.training_config(model) if include_optimizer else None
    with atomic_write(filepath) as f:
        with h5py.File(f, "w") as h5:
            h5.attrs["backend"] = "torch"
            h5.attrs["keras_version"] = KERAS_VERSION
            h5.attrs["model_config"] = config_json
            if training:
                h5.attrs["training_config"] = json.dumps(training)
            save_weights_to_group(h5.create_group("model_weights"), model)
            optimizer = getattr(model, "optimizer", None)
            if include_optimizer and optimizer is not None and optimizer.variables:
                group = h5.create_group("optimizer_weights")
                _write_weight_group(group, optimizer.variables, optimizer.name)


# ---------------------------------------------------------------------- loading


def _datasets(group, filename):
    """The datasets named by `group`'s `weight_names` attribute, in order (nothing read yet)."""
    return [get_dataset(group, n, filename) for n in read_name_list(group, "weight_names")]


def _assign(weights, datasets, filename, where, skip_mismatch):
    for w, ds in zip(weights, datasets):
        if tuple(ds.shape or ()) != tuple(w.shape):
            message = (f"{where}: weight '{getattr(w, 'path', '?')}' has shape "
                       f"{tuple(w.shape)}, but the file holds shape {tuple(ds.shape or ())}.")
            if skip_mismatch:
                warnings.warn(f"Skipping loading a weight from '{filename}': {message}",
                              stacklevel=4)
                continue
            raise file_error(filename, message)
        value = torch.as_tensor(read_dataset(ds, filename, tuple(w.shape)))
        with torch.no_grad():
            w.copy_(value.to(dtype=w.dtype, device=w.device))


def load_weights_from_group(group, model, filename, skip_mismatch=False):
    """Loads weights by order: the n-th layer with weights gets the n-th saved layer's."""
    layers = [l for l in model.layers if legacy_weights(l)]
    saved = []
    for name in read_name_list(group, "layer_names"):
        layer_group = get_group(group, name, filename)
        if layer_group is None:
            raise file_error(filename, f"the group of layer '{name}' is missing.")
        if read_name_list(layer_group, "weight_names"):
            saved.append((name, layer_group))
    if len(saved) != len(layers):
        raise file_error(filename, f"the model has {len(layers)} layers with weights, but the "
                                   f"file holds weights for {len(saved)} layers.")
    for k, ((name, layer_group), layer) in enumerate(zip(saved, layers)):
        weights = legacy_weights(layer)
        datasets = _datasets(layer_group, filename)
        if len(datasets) != len(weights):
            raise file_error(filename, f"layer #{k} ('{layer.name}' in the model, '{name}' in "
                                       f"the file) expects {len(weights)} weights, but the file "
                                       f"holds {len(datasets)}.")
        _assign(weights, datasets, filename, f"layer '{layer.name}'", skip_mismatch)
    _load_top_level(group, model, filename, skip_mismatch)


def load_weights_from_group_by_name(group, model, filename, skip_mismatch=False):
    """Loads weights into the layers whose names match the saved layers' names."""
    index = {}
    for layer in model.layers:
        index.setdefault(layer.name, []).append(layer)
    for name in read_name_list(group, "layer_names"):
        layer_group = get_group(group, name, filename)
        if layer_group is None:
            raise file_error(filename, f"the group of layer '{name}' is missing.")
        for layer in index.get(name, []):
            weights = legacy_weights(layer)
            datasets = _datasets(layer_group, filename)
            if len(datasets) != len(weights):
                message = (f"layer '{name}' expects {len(weights)} weights, but the file "
                           f"holds {len(datasets)}.")
                if skip_mismatch:
                    warnings.warn(f"Skipping loading weights from '{filename}': {message}",
                                  stacklevel=3)
                    continue
                raise file_error(filename, message)
            _assign(weights, datasets, filename, f"layer '{name}'", skip_mismatch)
    _load_top_level(group, model, filename, skip_mismatch)


def _load_top_level(group, model, filename, skip_mismatch):
    top = get_group(group, "top_level_model_weights", filename)
    if top is None:
        return
    weights = model._own_trainable() + model._own_non_trainable()
    datasets = _datasets(top, filename)
    if len(datasets) != len(weights):
        message = (f"the model has {len(weights)} top-level weights, but the file holds "
                   f"{len(datasets)}.")
        if skip_mismatch:
            warnings.warn(f"Skipping top-level weights of '{filename}': {message}", stacklevel=3)
            return
        raise file_error(filename, message)
    _assign(weights, datasets, filename, "top-level model", skip_mismatch)


def weights_group(h5):
    """The group holding layer weights: `model_weights` in model files, the root otherwise."""
    if "layer_names" not in h5.attrs and "model_weights" in h5:
        return get_group(h5, "model_weights", h5.filename)
    if "layer_names" not in h5.attrs and "layer_names0" not in h5.attrs:
        raise file_error(h5.filename, "it holds no legacy Keras weights ('layer_names' is "
                                      "missing).")
    return h5


def _attr_json(h5, name, filename):
    value = h5.attrs.get(name)
    if value is None:
        return None
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value.item()
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    if not isinstance(value, str):
        raise file_error(filename, f"the '{name}' attribute is not a JSON string.")
    try:
        return json.loads(value)
    except (json.JSONDecodeError, RecursionError) as e:
        raise file_error(filename, f"the '{name}' attribute is not valid JSON ({e}).") from e


def _load_optimizer_weights(h5, model, filename):
    optimizer = model.optimizer
    group = get_group(h5, "optimizer_weights", filename)
    datasets = _datasets(group, filename)
    variables = optimizer.variables
    shapes_match = len(datasets) == len(variables) and all(
        tuple(ds.shape or ()) == tuple(v.shape) for ds, v in zip(datasets, variables))
    if not shapes_match:
        warnings.warn(f"The optimizer state in '{filename}' does not match optimizer "
                      f"'{optimizer.name}' ({len(datasets)} saved values for "
                      f"{len(variables)} variables); the optimizer starts fresh.", stacklevel=3)
        return
    _assign(variables, datasets, filename, f"optimizer '{optimizer.name}'", False)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model from a legacy `.h5` file (Keras 2 or Keras 3)."""
    from cornu.saving.keras_archive import model_from_config

    with open_h5(filepath, filepath) as h5:
        config = _attr_json(h5, "model_config", filepath)
        if not isinstance(config, dict) or "class_name" not in config:
            raise file_error(filepath, "no model configuration found ('model_config' "
                                       "attribute); use `load_weights` for weight files.")
        model = model_from_config(config, filepath, custom_objects, compile=False,
                                  safe_mode=safe_mode)
        group = get_group(h5, "model_weights", filepath)
        if group is None:
            raise file_error(filepath, "the 'model_weights' group is missing.")
        load_weights_from_group(group, model, filepath)
        if not compile:
            return model
        training = _attr_json(h5, "training_config", filepath)
        if training is None:
            warnings.warn(f"No training configuration found in '{filepath}', so the model "
                          "was *not* compiled. Compile it manually.", stacklevel=3)
            return model
        model.compile(**compile_config.compile_args_from_training_config(training,
                                                                         custom_objects))
        compile_config.build_optimizer(model)
        if "optimizer_weights" in h5:
            _load_optimizer_weights(h5, model, filepath)
    return model
