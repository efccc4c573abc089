"""`KerasFileEditor`: inspect, edit and resave the weights of `.keras` / `.weights.h5` files.

The weights are read into a nested dict mirroring the file's object paths
(`{"layers": {"dense": {"0": kernel, "1": bias}}}`): an object's own variables (its
`vars` group) are its array leaves; the objects it holds are sub-dicts. Editing changes the
dict; `save` writes it back in Keras 3's layout, atomically. Reading goes through cornu's
guarded zip and HDF5 access (member count and expansion limits, no links, no shape bombs).
"""

import json
import math
import os
import shutil
import tempfile
import zipfile

import h5py
import numpy as np
import torch

from cornu.saving import keras_archive
from cornu.saving.file_utils import atomic_write, file_error
from cornu.saving.h5_io import _check_link, get_dataset, open_h5, read_dataset, write_dataset
from cornu.utils.io_utils import print_msg

_MAX_DATASET_BYTES = 1 << 32  # 4 GiB per weight, as Keras's editor allows
_MAX_RANK = 64
_WEIGHTS_HINT = ("Argument `weights` should be a dict where keys are weight names (usually "
                 "'0', '1', etc.) and values are NumPy arrays. ")


class KerasFileEditor:
    """Utility to inspect, edit, and resave Keras weights files.

    You will find this class useful when adapting an old saved weights file after having
    made architecture changes to a model.

    Args:
        filepath: The path to a local file to inspect and edit (`.keras` or
            `.weights.h5`).

    Examples:

    ```python
    editor = KerasFileEditor("my_model.weights.h5")
    # Displays current contents
    editor.summary()
    # Remove the weights of an existing layer
    editor.delete_object("layers/dense_2")
    # Add the weights of a new layer
    editor.add_object("layers/einsum_dense", weights={"0": ..., "1": ...})
    # Save the weights of the edited model
    editor.save("edited_model.weights.h5")
    ```
    """

    def __init__(self, filepath):
        filepath = os.fspath(filepath)
        self.filepath = filepath
        self.metadata = None
        self.config = None
        self.model = None
        self._config_bytes = None
        self._metadata_bytes = None
        if filepath.endswith(".keras"):
            archive = keras_archive._Archive(filepath)
            try:
                self._config_bytes = archive.read(keras_archive.CONFIG_FILENAME,
                                                  keras_archive._MAX_CONFIG_BYTES)
                self._metadata_bytes = archive.read(keras_archive.METADATA_FILENAME,
                                                    keras_archive._MAX_CONFIG_BYTES)
                self.config = keras_archive.parse_config(self._config_bytes, filepath)
                try:
                    self.metadata = json.loads(self._metadata_bytes.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError) as e:
                    raise file_error(filepath, f"metadata.json is not valid JSON ({e}).") from e
                with tempfile.TemporaryFile() as tmp:
                    archive.extract(keras_archive.WEIGHTS_FILENAME, tmp)
                    with open_h5(tmp, filepath) as h5:
                        self.weights_dict, self.object_metadata = _extract(h5, filepath)
            finally:
                archive.close()
        elif filepath.endswith(".weights.h5"):
            with open_h5(filepath, filepath) as h5:
                self.weights_dict, self.object_metadata = _extract(h5, filepath)
        else:
            raise ValueError("Invalid filename: expected a `.keras` `.weights.h5` extension. "
                             f"Received: filepath={filepath}")
        print_msg(f"Keras model file '{self.filepath}'")
        if isinstance(self.metadata, dict):
            print_msg(f"Saved with Keras {self.metadata.get('keras_version')} - date: "
                      f"{self.metadata.get('date_saved')}")

    # ------------------------------------------------------------------ inspecting

    def summary(self):
        """Prints the weight structure of the opened file."""
        self.weights_summary()

    def weights_summary(self):
        """Prints the tree of objects and weights (name, shape, dtype) in the file."""
        print_msg("Weights structure")
        for line in self._structure_lines(self.weights_dict, prefix="  ", inner_path=""):
            print_msg(line)

    def _structure_lines(self, weights_dict, prefix, inner_path, is_first=True):
        lines = []
        items = list(weights_dict.items())
        for idx, (key, value) in enumerate(items):
            path = f"{inner_path}/{key}" if inner_path else key
            is_last = idx == len(items) - 1
            if is_first:
                is_first = False
                connector = "> "
            elif is_last:
                connector = "└─ "
            else:
                connector = "├─ "
            if isinstance(value, dict):
                label = f"{prefix}{connector}{key}"
                name = self.object_metadata.get(path, {}).get("name")
                if name is not None:
                    label += f" ('{name}')"
                lines.append(label)
                lines.extend(self._structure_lines(
                    value, prefix + ("    " if is_last else "│   "), path, is_first=is_first))
            else:
                lines.append(f"{prefix}{connector}{key}: shape={tuple(value.shape)}, "
                             f"dtype={_dtype_name(value)}")
        return lines

    def compare(self, reference_model):
        """Compares the opened file to a reference model.

        This method will list all mismatches between the currently opened file and the
        provided reference model.

        Args:
            reference_model: Model instance to compare to.

        Returns:
            Dict with the following keys: `'status'`, `'error_count'`, `'match_count'`.
            Status can be `'success'` or `'error'`. `'error_count'` is the number of
            mismatches found. `'match_count'` is the number of matching weights found.
        """
        print_msg("Running comparison")
        ref_spec = weight_spec_of(reference_model)
        checked = set()
        errors, matches = _compare(self.weights_dict, ref_spec, "", "saved file",
                                   "reference model", checked)
        more, _ = _compare(ref_spec, self.weights_dict, "", "reference model", "saved file",
                           checked)
        errors += more
        print_msg("─────────────────────")
        if errors == 0:
            status = "success"
            print_msg("Comparison successful: saved file is compatible with the reference "
                      "model")
            print_msg(f"    Found {matches} matching weight{'' if matches == 1 else 's'}")
        else:
            status = "error"
            print_msg(f"Found {errors} error{'' if errors == 1 else 's'}: saved file is not "
                      "compatible with the reference model")
        return {"status": status, "error_count": errors, "match_count": matches}

    # ------------------------------------------------------------------ editing

    def _edit_object(self, edit_fn, source_name, target_name=None):
        if target_name is not None and "/" in target_name:
            raise ValueError("Argument `target_name` should be a leaf name, not a full path "
                             f"name. Received: target_name='{target_name}'")
        if "/" in source_name:
            elements = source_name.split("/")
            weights_dict = self.weights_dict
            for e in elements[:-1]:
                if not isinstance(weights_dict, dict) or e not in weights_dict:
                    raise ValueError(f"Path '{source_name}' not found in model.")
                weights_dict = weights_dict[e]
            if not isinstance(weights_dict, dict) or elements[-1] not in weights_dict:
                raise ValueError(f"Path '{source_name}' not found in model.")
            edit_fn(weights_dict, source_name=elements[-1], target_name=target_name)
            return
        holders = []
        stack = [self.weights_dict]
        while stack:
            d = stack.pop()
            if source_name in d:
                holders.append(d)
            stack.extend(v for v in d.values() if isinstance(v, dict))
        if len(holders) > 1:
            raise ValueError(f"Name '{source_name}' occurs more than once in the model; try "
                             "passing a complete path")
        if not holders:
            raise ValueError(f"Source name '{source_name}' does not appear in the model. Use "
                             "`editor.weights_summary()` to list all objects.")
        edit_fn(holders[0], source_name=source_name, target_name=target_name)

    def rename_object(self, object_name, new_name):
        """Rename an object in the file (e.g. a layer).

        Args:
            object_name: String, name or path of the object to rename (e.g. `"dense_2"`
                or `"layers/dense_2"`).
            new_name: String, new name of the object.
        """
        def rename_fn(weights_dict, source_name, target_name):
            # Keep the object's position (Keras's order is the file's order).
            items = [(target_name if k == source_name else k, v)
                     for k, v in weights_dict.items()]
            weights_dict.clear()
            weights_dict.update(items)

        self._edit_object(rename_fn, object_name, new_name)

    def delete_object(self, object_name):
        """Removes an object from the file (e.g. a layer).

        Args:
            object_name: String, name or path of the object to delete (e.g. `"dense_2"`
                or `"layers/dense_2"`).
        """
        def delete_fn(weights_dict, source_name, target_name=None):
            weights_dict.pop(source_name)

        self._edit_object(delete_fn, object_name)

    def add_object(self, object_path, weights):
        """Add a new object to the file (e.g. a layer).

        Args:
            object_path: String, full path of the object to add (e.g.
                `"layers/dense_2"`).
            weights: Dict mapping weight names to weight values (arrays),
                e.g. `{"0": kernel_value, "1": bias_value}`.
        """
        if not isinstance(weights, dict):
            raise ValueError(_WEIGHTS_HINT + f"Received: type(weights)={type(weights)}")
        weights = _as_arrays(weights)
        elements = object_path.split("/")
        weights_dict = self.weights_dict
        for e in elements[:-1]:
            if not isinstance(weights_dict, dict) or e not in weights_dict:
                raise ValueError(f"Path '{'/'.join(elements[:-1])}' not found in model.")
            weights_dict = weights_dict[e]
        weights_dict[elements[-1]] = weights

    def delete_weight(self, object_name, weight_name):
        """Removes a weight from an existing object.

        Args:
            object_name: String, name or path of the object from which to remove the
                weight (e.g. `"dense_2"` or `"layers/dense_2"`).
            weight_name: String, name of the weight to delete (e.g. `"0"`).
        """
        def delete_weight_fn(weights_dict, source_name, target_name=None):
            obj = weights_dict[source_name]
            if not isinstance(obj, dict) or weight_name not in obj:
                found = list(obj.keys()) if isinstance(obj, dict) else []
                raise ValueError(f"Weight {weight_name} not found in object {object_name}. "
                                 f"Weights found: {found}")
            obj.pop(weight_name)

        self._edit_object(delete_weight_fn, object_name)

    def add_weights(self, object_name, weights):
        """Add one or more new weights to an existing object.

        Args:
            object_name: String, name or path of the object to add the weights to
                (e.g. `"dense_2"` or `"layers/dense_2"`).
            weights: Dict mapping weight names to weight values (arrays),
                e.g. `{"0": kernel_value, "1": bias_value}`.
        """
        if not isinstance(weights, dict):
            raise ValueError(_WEIGHTS_HINT + f"Received: type(weights)={type(weights)}")
        weights = _as_arrays(weights)

        def add_weight_fn(weights_dict, source_name, target_name=None):
            if not isinstance(weights_dict[source_name], dict):
                raise ValueError(f"'{object_name}' is a weight, not an object; weights can "
                                 "only be added to objects.")
            weights_dict[source_name].update(weights)

        self._edit_object(add_weight_fn, object_name)

    # ------------------------------------------------------------------ saving

    def save(self, filepath):
        """Save the edited weights file.

        Args:
            filepath: Path to save the file to: a `.weights.h5` file (as in Keras), or,
                for a file opened from a `.keras` archive, a `.keras` archive holding the
                original config and metadata with the edited weights.
        """
        filepath = os.fspath(filepath)
        if filepath.endswith(".keras"):
            if self._config_bytes is None:
                raise ValueError("Invalid `filepath` argument: a `.keras` file can only be "
                                 "written by an editor opened on a `.keras` file; expected a "
                                 f"`.weights.h5` extension. Received: filepath={filepath}")
            folder = os.path.dirname(os.path.abspath(filepath))
            with atomic_write(filepath) as out:
                with zipfile.ZipFile(out, "w") as archive:
                    archive.writestr(keras_archive.METADATA_FILENAME, self._metadata_bytes)
                    archive.writestr(keras_archive.CONFIG_FILENAME, self._config_bytes)
                    with tempfile.TemporaryFile(dir=folder) as tmp:
                        with h5py.File(tmp, "w") as h5:
                            self._write(h5)
                        tmp.seek(0)
                        with archive.open(keras_archive.WEIGHTS_FILENAME, "w",
                                          force_zip64=True) as dst:
                            shutil.copyfileobj(tmp, dst, 1 << 20)
            return
        if not filepath.endswith(".weights.h5"):
            raise ValueError("Invalid `filepath` argument: expected a `.weights.h5` extension. "
                             f"Received: filepath={filepath}")
        with atomic_write(filepath) as f:
            with h5py.File(f, "w") as h5:
                self._write(h5)

    def resave_weights(self, filepath):
        """Same as `save`."""
        self.save(filepath)

    def _write(self, h5):
        def write(weights_dict, group, path):
            leaves = {k: v for k, v in weights_dict.items() if not isinstance(v, dict)}
            if leaves:
                vars_group = group.create_group("vars")
                for k, v in self.object_metadata.get(path, {}).items():
                    vars_group.attrs[k] = v
                for name, value in leaves.items():
                    write_dataset(vars_group, name, value)
            for name, value in weights_dict.items():
                if isinstance(value, dict) and value:
                    write(value, group.require_group(name), f"{path}/{name}" if path else name)

        write(self.weights_dict, h5, "")


# ---------------------------------------------------------------------- helpers


def _dtype_name(value):
    return str(value.dtype).replace("torch.", "")


def _as_arrays(weights):
    out = {}
    for name, value in weights.items():
        if not isinstance(name, str) or "/" in name:
            raise ValueError(f"Weight names should be strings without '/'. Received: {name!r}")
        if isinstance(value, dict):
            out[name] = _as_arrays(value)
        elif isinstance(value, torch.Tensor):  # kept as a tensor: bfloat16 has no NumPy dtype
            out[name] = value.detach().cpu()
        else:
            out[name] = np.asarray(value)
    return out


def _extract(group, filename, path="", metadata=None):
    """The nested weights dict of an HDF5 group, and {object path: attributes}."""
    metadata = {} if metadata is None else metadata
    attrs = {k: v for k, v in group.attrs.items()}
    if attrs:
        metadata[path] = attrs
    result = {}
    for key in group.keys():
        _check_link(group, key, filename)
        value = group[key]
        child_path = f"{path}/{key}" if path else key
        if isinstance(value, h5py.Group):
            if key == "vars":
                # The object's own variables become leaves of the object's dict.
                vars_attrs = {k: v for k, v in value.attrs.items()}
                if vars_attrs:
                    metadata[path] = vars_attrs
                for name in value.keys():
                    ds = get_dataset(value, name, filename)
                    _check_weight(ds, filename)
                    result[name] = read_dataset(ds, filename)
                continue
            sub, metadata = _extract(value, filename, child_path, metadata)
            if sub:
                result[key] = sub
            continue
        if isinstance(value, h5py.Dataset):  # a dataset outside any `vars` group
            ds = get_dataset(group, key, filename)
            _check_weight(ds, filename)
            result[key] = read_dataset(ds, filename)
    return result, metadata


def _check_weight(ds, filename):
    shape = ds.shape or ()
    if len(shape) > _MAX_RANK:
        raise file_error(filename, f"the dataset '{ds.name}' has rank {len(shape)}, more than "
                                   f"{_MAX_RANK}.")
    size = math.prod(shape) * ds.dtype.itemsize
    if size > _MAX_DATASET_BYTES:
        raise file_error(filename, f"the dataset '{ds.name}' holds {size} bytes; the limit "
                                   f"is {_MAX_DATASET_BYTES}.")


def weight_spec_of(model):
    """The weights dict `model`'s state would be saved as (shapes and dtypes, not values)."""
    from cornu.saving import weights_layout
    with h5py.File(f"spec-{id(model)}", "w", driver="core", backing_store=False) as h5:
        weights_layout.save_state(model, h5)
        spec, _ = _extract(h5, "<reference model>")
    return spec


def _compare(target, ref_spec, inner_path, target_name, ref_name, checked):
    errors = matches = 0
    for ref_key, ref_val in ref_spec.items():
        path = f"{inner_path}/{ref_key}"
        if path in checked:
            continue
        if ref_key not in target:
            errors += 1
            checked.add(path)
            if isinstance(ref_val, dict):
                print_msg(f"...Object {path} present in {ref_name}, missing from "
                          f"{target_name}")
                print_msg(f"    In {ref_name}, {path} contains the following keys: "
                          f"{list(ref_val.keys())}")
            else:
                print_msg(f"...Weight {path} present in {ref_name}, missing from "
                          f"{target_name}")
        elif isinstance(ref_val, dict) != isinstance(target[ref_key], dict):
            errors += 1
            checked.add(path)
            kinds = ("an object", "a weight")
            print_msg(f"...{path} is {kinds[not isinstance(ref_val, dict)]} in {ref_name} but "
                      f"{kinds[not isinstance(target[ref_key], dict)]} in {target_name}")
        elif isinstance(ref_val, dict):
            e, m = _compare(target[ref_key], ref_val, path, target_name, ref_name, checked)
            errors += e
            matches += m
        elif tuple(target[ref_key].shape) != tuple(ref_val.shape):
            errors += 1
            checked.add(path)
            print_msg(f"...Weight shape mismatch for {path}\n"
                      f"    In {ref_name}: shape={tuple(ref_val.shape)}\n"
                      f"    In {target_name}: shape={tuple(target[ref_key].shape)}")
        else:
            matches += 1
    return errors, matches
