"""`save_model`, `load_model`, `save_weights`, `load_weights` and `model_from_json`.

The format follows the path: `.keras` is Keras 3's zip archive, a path without extension
(or `zipped=False`) the same files in a folder, `.h5` / `.hdf5` the legacy HDF5 format, and
`.weights.h5` Keras 3's weights file (`.weights.json` its sharded form). Every write is
atomic; every read of a damaged or foreign file raises a `ValueError` (`InvalidFileError`)
or `OSError` naming the file.
"""

import json
import os
import zipfile

import h5py

from cornu.saving import keras_archive, legacy_h5, sharded_weights, weights_layout
from cornu.saving.file_utils import atomic_write, file_error, reading, split_extension
from cornu.saving.h5_io import open_h5


def _check_overwrite(filepath, overwrite):
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"Not saving to '{os.fspath(filepath)}': the file exists and "
                              "`overwrite=False`.")


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Saves a model (architecture, weights, compile configuration and optimizer state).

    Args:
        model: the model.
        filepath: `.keras` for a zip archive, `.h5` for the legacy HDF5 format, or a path
            with no extension for an unzipped model folder.
        overwrite: replace an existing file; if False and the file exists, raise
            `FileExistsError`.
        zipped: False writes the unzipped folder form whatever the extension.
        include_optimizer: (legacy `.h5` only) also save the optimizer's state.
    """
    include_optimizer = kwargs.pop("include_optimizer", True)
    kwargs.pop("save_format", None)
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs)}")
    filepath = os.fspath(filepath)
    ext = split_extension(filepath)
    _check_overwrite(filepath, overwrite)
    if zipped is False or (ext == "" and zipped is None):
        return keras_archive.save_model(model, filepath, zipped=False)
    if ext == ".keras":
        return keras_archive.save_model(model, filepath, zipped=True)
    if ext in (".h5", ".hdf5"):
        return legacy_h5.save_model(model, filepath, include_optimizer=include_optimizer)
    raise ValueError(f"Invalid filepath extension for saving: '{filepath}'. Use `.keras` for "
                     "the Keras format (recommended), `.h5` for the legacy HDF5 format, or a "
                     "path without extension for an unzipped model folder.")


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved by `save_model` (by cornu or by Keras).

    Args:
        filepath: a `.keras` archive, a model folder, or a legacy `.h5` file.
        custom_objects: dict of custom classes and functions by name.
        compile: compile the model as it was when saved (optimizer state included).
        safe_mode: refuse to run Python bytecode stored in the file (Lambda layers).

    Returns:
        The model.
    """
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No model file or folder at '{filepath}'.")
    with reading(filepath, "the model"):
        if os.path.isdir(filepath) or zipfile.is_zipfile(filepath):
            return keras_archive.load_model(filepath, custom_objects, compile, safe_mode)
        if split_extension(filepath) in (".h5", ".hdf5") or h5py.is_hdf5(filepath):
            return legacy_h5.load_model(filepath, custom_objects, compile, safe_mode)
    raise file_error(filepath, "the format is not supported: expected a `.keras` archive, a "
                               "model folder, or a legacy `.h5` file.")


def save_weights(model, filepath, overwrite=True, max_shard_size=None):
    """Saves the model's weights (and optimizer state) to a `.weights.h5` file.

    Args:
        model: a built model.
        filepath: a path ending in `.weights.h5`, or `.weights.json` with `max_shard_size`.
        overwrite: replace an existing file; if False and it exists, raise `FileExistsError`.
        max_shard_size: if given, the largest shard in GB (float): the weights go into
            `<name>_00000.weights.h5`, `<name>_00001.weights.h5`, ... with a
            `<name>.weights.json` index, as Keras writes them.
    """
    filepath = os.fspath(filepath)
    if max_shard_size is None and not filepath.endswith(".weights.h5"):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={filepath}")
    if max_shard_size is not None and not filepath.endswith(("weights.h5", "weights.json")):
        raise ValueError("The filename must end in `.weights.json` when `max_shard_size` is "
                         f"specified. Received: filepath={filepath}")
    if not model.built:
        raise ValueError("You are saving a model that has not yet been built. Try building the "
                         "model first by calling it on some data or by using `build()`.")
    if max_shard_size is not None:
        filepath = os.fspath(sharded_weights.sharded_path(filepath))
    _check_overwrite(filepath, overwrite)
    if max_shard_size is not None:
        return sharded_weights.save_weights(model, filepath, max_shard_size)
    with atomic_write(filepath) as f:
        with h5py.File(f, "w") as h5:
            weights_layout.save_state(model, h5)


def load_weights(model, filepath, skip_mismatch=False, by_name=None, **kwargs):
    """Loads weights saved by `save_weights` or `save_model` into a built model.

    Args:
        model: the model.
        filepath: a `.weights.h5`, `.keras` or sharded `.weights.json` file (Keras 3
            layout), or a legacy `.h5` file.
        skip_mismatch: warn about and skip weights whose count or shape does not match,
            instead of raising.
        by_name: (legacy `.h5` only) match layers by name instead of by order.
    """
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    filepath = os.fspath(filepath)
    ext = split_extension(filepath)
    if by_name is not None and ext not in (".h5", ".hdf5"):
        raise ValueError(f"`by_name` only supports loading legacy '.h5' or '.hdf5' files. "
                         f"Received: {filepath}")
    if ext not in (".keras", ".weights.h5", ".weights.json", ".h5", ".hdf5"):
        raise ValueError(f"File format not supported: filepath={filepath}. Expected a "
                         "`.weights.h5`, `.weights.json`, `.keras` or legacy `.h5` file.")
    if not model.built:
        raise ValueError("You are loading weights into a model that has not yet been built. "
                         "Try building the model first by calling it on some data or by using "
                         "`build()`.")
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No weights file at '{filepath}'.")
    with reading(filepath, "the weights"):
        if ext == ".weights.json":
            return sharded_weights.load_weights(model, filepath, skip_mismatch)
        if ext == ".keras":
            h5, close = keras_archive.open_weights(filepath)
            try:
                weights_layout.load_state(model, h5, skip_mismatch, filename=filepath)
            finally:
                close()
            return
        with open_h5(filepath, filepath) as h5:
            if ext == ".weights.h5":
                weights_layout.load_state(model, h5, skip_mismatch, filename=filepath)
            elif by_name:
                legacy_h5.load_weights_from_group_by_name(
                    legacy_h5.weights_group(h5), model, filepath, skip_mismatch)
            else:
                legacy_h5.load_weights_from_group(
                    legacy_h5.weights_group(h5), model, filepath, skip_mismatch)


def model_from_json(json_string, custom_objects=None):
    """Creates a model from the JSON string of `model.to_json()` (weights are not included).

    Args:
        json_string: the JSON text.
        custom_objects: dict of custom classes and functions by name.
    """
    from cornu.saving.serialization_lib import deserialize_keras_object
    try:
        config = json.loads(json_string)
    except (json.JSONDecodeError, RecursionError, TypeError) as e:
        raise ValueError(f"`model_from_json` received invalid JSON: {e}") from e
    return deserialize_keras_object(config, custom_objects=custom_objects)
