"""Careful HDF5 access: no links out of the file, no shape bombs, shapes checked before reading.

`VarsStore` is the dict-like object passed to `save_own_variables(store)` and
`load_own_variables(store)`: keys "0", "1", ... in a `<path>/vars` group, as Keras writes.
"""

import math

import h5py
import numpy as np
import torch

from cornu.saving.file_utils import file_error

# A dataset declaring more than this many bytes must store at least 1/_MAX_EXPANSION of
# them on disk; a few bytes claiming gigabytes is a shape / decompression bomb.
_BOMB_FLOOR_BYTES = 1 << 28
_MAX_EXPANSION = 1000


def open_h5(source, filename):
    """Opens an HDF5 file (path or binary file object) for reading.

    Args:
        source: a path or a seekable binary file object.
        filename: the name to put in error messages.
    """
    try:
        return h5py.File(source, mode="r")
    except FileNotFoundError:
        raise
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as e:
        raise file_error(filename, f"it is not a readable HDF5 file ({e}).") from e


def _check_link(parent, name, filename):
    link = parent.get(name, default=None, getclass=True, getlink=True)
    if link in (h5py.ExternalLink, h5py.SoftLink):
        raise file_error(filename, f"it contains a {link.__name__} at '{name}' "
                                   "(links are not allowed in weight files).")


def get_group(parent, path, filename):
    """The group at `path` under `parent` (a "/"-separated path), or None if absent."""
    current = parent
    for part in [p for p in path.split("/") if p]:
        if not isinstance(current, h5py.Group) or part not in current:
            return None
        _check_link(current, part, filename)
        current = current[part]
    if not isinstance(current, h5py.Group):
        raise file_error(filename, f"'{path}' should be a group but is a "
                                   f"{type(current).__name__}.")
    return current


def get_dataset(group, key, filename):
    """The dataset `key` of `group`, checked for links, external storage and bombs."""
    if "/" in key:
        parent, key = key.rsplit("/", 1)
        group = get_group(group, parent, filename)
        if group is None:
            raise file_error(filename, f"the dataset '{parent}/{key}' is missing.")
    if key not in group:
        raise file_error(filename, f"the dataset '{group.name}/{key}' is missing.")
    _check_link(group, key, filename)
    ds = group[key]
    if not isinstance(ds, h5py.Dataset):
        raise file_error(filename, f"'{ds.name}' should be a dataset but is a group.")
    if ds.external or ds.is_virtual:
        raise file_error(filename, f"the dataset '{ds.name}' refers to data outside the file.")
    declared = math.prod(ds.shape or ()) * ds.dtype.itemsize
    stored = ds.id.get_storage_size()
    if declared > _BOMB_FLOOR_BYTES and declared > _MAX_EXPANSION * stored:
        raise file_error(filename, f"the dataset '{ds.name}' declares {declared} bytes but "
                                   f"stores only {stored}; refusing a possible shape bomb.")
    return ds


def read_dataset(ds, filename, expected_shape=None):
    """Reads a dataset into a NumPy array (a torch tensor for bfloat16).

    Args:
        ds: the dataset (from `get_dataset`).
        filename: the name to put in error messages.
        expected_shape: if given, the dataset's shape is checked before any data is read.
    """
    if expected_shape is not None and tuple(ds.shape) != tuple(expected_shape):
        raise file_error(filename, f"the dataset '{ds.name}' has shape {tuple(ds.shape)}, "
                                   f"but the model's variable has shape {tuple(expected_shape)}.")
    if ds.shape is None:
        raise file_error(filename, f"the dataset '{ds.name}' is empty (no shape).")
    if ds.attrs.get("dtype", None) in ("bfloat16", b"bfloat16"):
        raw = np.asarray(ds[()]).tobytes()
        bits = np.frombuffer(raw, dtype=np.int16).reshape(ds.shape)
        return torch.from_numpy(bits.copy()).view(torch.bfloat16)
    if ds.dtype.kind not in "biuf":
        raise file_error(filename, f"the dataset '{ds.name}' has the non-numeric dtype "
                                   f"{ds.dtype}.")
    return np.asarray(ds[()])


def to_storable(value):
    """A NumPy array to write for `value` (a tensor, Variable or array); bfloat16 as raw bits."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        if value.dtype == torch.bfloat16:
            bits = value.contiguous().view(torch.int16).numpy()
            return bits.view("V2"), "bfloat16"
        return value.numpy(), None
    return np.asarray(value), None


def write_dataset(group, key, value):
    """Writes `value` as dataset `key` of `group` (bfloat16 tagged as Keras does)."""
    array, tag = to_storable(value)
    ds = group.create_dataset(key, data=array)
    if tag:
        ds.attrs["dtype"] = tag
    return ds


class VarsStore:
    """The variables of one object: a dict-like view on its `<path>/vars` group.

    Args:
        group: the h5py group (None when reading an object with no saved group).
        filename: the file's name, for error messages.
        path: the object's path in the file, for error messages.
    """

    def __init__(self, group, filename, path):
        self.group = group
        self.filename = filename
        self.path = path or "/"

    def keys(self):
        return list(self.group.keys()) if self.group is not None else []

    def __len__(self):
        return len(self.keys())

    def __contains__(self, key):
        return self.group is not None and key in self.group

    def __iter__(self):
        return iter(self.keys())

    def dataset(self, key):
        if self.group is None or key not in self.group:
            raise file_error(self.filename, f"variable '{key}' of '{self.path}' is missing.")
        return get_dataset(self.group, key, self.filename)

    def read(self, key, expected_shape=None):
        """Reads variable `key`, checking its shape first when `expected_shape` is given."""
        return read_dataset(self.dataset(key), self.filename, expected_shape)

    def __getitem__(self, key):
        return self.read(key)

    def __setitem__(self, key, value):
        write_dataset(self.group, key, value)


def make_vars_group(h5file, path, name=None):
    """Creates `<path>/vars` (or `vars` at the root) with a `name` attribute, as Keras does."""
    parent = h5file.require_group(path) if path else h5file
    group = parent.create_group("vars")
    if isinstance(name, str):
        group.attrs["name"] = name
    return group
