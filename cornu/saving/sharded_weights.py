"""Sharded weights: `save_weights(path, max_shard_size=...)` and loading `*.weights.json`.

Keras 3's layout: `model.weights.json` is an index
`{"metadata": {"total_size": bytes}, "weight_map": {"/layers/dense/vars": "model_00000.weights.h5",
...}}` next to shards `model_00000.weights.h5`, `model_00001.weights.h5`, ... . Each shard is
a `.weights.h5` file holding some of the `<path>/vars` groups; variables go into the current
shard until the next one would push it past `max_shard_size` (in GB), so one object's group
can span shards (its weight_map entry is then a list). The shards are written to temporary
files and renamed into place first, the index last, so a failed save never leaves an index
pointing at shards that are not there.
"""

import contextlib
import json
import os
import pathlib
import re
import tempfile
import warnings

import h5py

from cornu.saving import weights_layout
from cornu.saving.file_utils import atomic_write, file_error
from cornu.saving.h5_io import VarsStore, get_dataset, get_group, open_h5, to_storable

# An index larger than this is not one Keras writes; refuse it before parsing.
_MAX_INDEX_BYTES = 64 << 20


def sharded_path(filepath):
    """The index path Keras uses for `filepath` (a `*.weights.h5` path becomes `.json`)."""
    path = pathlib.Path(filepath)
    if path.suffix != ".json":
        new_path = path.with_suffix(".json")
        warnings.warn(f"Saving sharded weights requires `*.json` as the extension. The "
                      f"original path: {path} will be renamed to {new_path}.", stacklevel=3)
        path = new_path
    return path


def _shard_name(base, index):
    return f"{base}_{index:05}.weights.h5"


def _readable_size(size):
    for unit in ["B", "KB", "MB", "GB", "TB"]:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


class _ShardWriteStore(VarsStore):
    """The store one object's `save_own_variables` writes into; values go to the writer."""

    def __init__(self, writer, path, filename):
        super().__init__(None, filename, path)
        self._writer = writer
        self._inner_path = path
        self._keys = []

    def keys(self):
        return list(self._keys)

    def __contains__(self, key):
        return key in self._keys

    def dataset(self, key):
        raise ValueError("A store being saved cannot be read.")

    def __setitem__(self, key, value):
        self._writer.write(self._inner_path, key, value)
        self._keys.append(key)


class _ShardedWriter:
    """Writes `<path>/vars` groups into shards of at most `max_shard_size` GB each.

    Args:
        index_path: the `*.weights.json` path (a `pathlib.Path`).
        max_shard_size: the largest shard, in GB.
    """

    def __init__(self, index_path, max_shard_size):
        self.index_path = index_path
        self.folder = index_path.parent
        self.base = index_path.stem.replace(".weights", "")
        self.max_bytes = float(max_shard_size) * 1024**3
        self.shards = []  # [name, temporary path, open h5py.File or None]
        self.weight_map = {}
        self.total_size = 0.0
        self.current_size = 0.0
        self._new_shard()

    def _new_shard(self):
        if self.shards and self.shards[-1][2] is not None:
            self.shards[-1][2].close()
            self.shards[-1][2] = None
        name = _shard_name(self.base, len(self.shards))
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.folder)
        os.close(fd)
        self.shards.append([name, tmp, None])
        self.shards[-1][2] = h5py.File(tmp, "w")
        self.current_size = 0.0

    @property
    def _h5(self):
        return self.shards[-1][2]

    def make_store(self, path, name):
        # Keras makes a named object's group in the shard that is current when it starts.
        parent = self._h5.require_group(path) if path else self._h5
        group = parent.create_group("vars")
        if isinstance(name, str):
            group.attrs["name"] = name
        return _ShardWriteStore(self, path, str(self.index_path))

    def write(self, path, key, value):
        array, tag = to_storable(value)
        bits = 1 if array.dtype == bool else array.dtype.itemsize * 8
        size = array.size * bits / 8
        self.total_size += size
        if size > self.max_bytes:
            raise ValueError(f"The size of {key} is {_readable_size(size)} which exceeds the "
                             f"maximum shard size {_readable_size(self.max_bytes)}. You can "
                             "increase the `max_shard_size` parameter to accommodate the size.")
        self.current_size += size
        if self.current_size > self.max_bytes:
            self._new_shard()
            self.current_size = size
        parent = self._h5.require_group(path) if path else self._h5
        group = parent.require_group("vars")
        ds = group.create_dataset(key, data=array)
        if tag:
            ds.attrs["dtype"] = tag
        shard = self.shards[-1][0]
        entry = self.weight_map.get(group.name)
        if entry is None:
            self.weight_map[group.name] = shard
        else:
            entry = entry if isinstance(entry, list) else [entry]
            if shard not in entry:
                entry.append(shard)
            self.weight_map[group.name] = entry

    def commit(self):
        """Renames the shards into place, then writes the index (atomically) last."""
        for shard in self.shards:
            if shard[2] is not None:
                shard[2].close()
                shard[2] = None
            with open(shard[1], "rb") as f:
                os.fsync(f.fileno())
        for name, tmp, _ in self.shards:
            os.replace(tmp, self.folder / name)
        config = {"metadata": {"total_size": self.total_size}, "weight_map": self.weight_map}
        with atomic_write(self.index_path, mode="w") as f:
            f.write(json.dumps(config, indent=4))

    def abort(self):
        for shard in self.shards:
            if shard[2] is not None:
                with contextlib.suppress(Exception):
                    shard[2].close()
            with contextlib.suppress(OSError):
                os.remove(shard[1])


def save_weights(model, filepath, max_shard_size):
    """Writes `model`'s variables as a `*.weights.json` index and its shards.

    Args:
        model: a built model.
        filepath: the index path (a `*.weights.h5` path is renamed to `.json`, with a
            warning, as Keras does).
        max_shard_size: the largest shard, in GB (float).
    """
    index_path = sharded_path(os.path.abspath(os.fspath(filepath)))
    os.makedirs(index_path.parent, exist_ok=True)
    old_shards = _listed_shards(index_path)
    writer = _ShardedWriter(index_path, max_shard_size)
    try:
        weights_layout.save_state(model, None, make_store=writer.make_store)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    # Shards of a previous, larger save under this name would otherwise linger; only
    # files named like this save's shards are removed.
    new = {name for name, _, _ in writer.shards}
    pattern = re.compile(re.escape(writer.base) + r"_\d{5}\.weights\.h5")
    for name in old_shards - new:
        if not pattern.fullmatch(name):
            continue
        with contextlib.suppress(OSError):
            os.remove(index_path.parent / name)


def _listed_shards(index_path):
    """The shard names an existing index at `index_path` lists (empty if unreadable)."""
    try:
        return set(_shard_names(_read_index(index_path)["weight_map"], index_path))
    except (OSError, ValueError):
        return set()


def _read_index(index_path):
    if os.path.getsize(index_path) > _MAX_INDEX_BYTES:
        raise file_error(index_path, f"the index is larger than {_MAX_INDEX_BYTES} bytes.")
    with open(index_path, "r", encoding="utf-8") as f:
        try:
            config = json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
            raise file_error(index_path, f"it is not a valid JSON index ({e}).") from e
    if not isinstance(config, dict) or not isinstance(config.get("weight_map"), dict):
        raise file_error(index_path, "it is not a sharded weights index: expected a JSON "
                                     "object with a `weight_map` object.")
    return config


def _shard_names(weight_map, index_path):
    """The shard file names of `weight_map` in order of first use, checked to be plain
    names in the index's folder."""
    names = []
    for key, entry in weight_map.items():
        entry = entry if isinstance(entry, list) else [entry]
        for name in entry:
            if (not isinstance(name, str) or not name or name in (".", "..")
                    or "/" in name or "\\" in name):
                raise file_error(index_path, f"the weight_map entry '{key}' names the shard "
                                             f"{name!r}; expected a file name in the index's "
                                             "folder.")
            if name not in names:
                names.append(name)
    return names


class _ShardReadStore(VarsStore):
    """One object's variables, read from its `vars` groups in one or more shards."""

    def __init__(self, groups, filename, path):
        super().__init__(groups[0][1] if groups else None, filename, path)
        self.groups = groups  # [(shard path, h5py group)]

    def keys(self):
        keys = []
        for _, group in self.groups:
            keys += [k for k in group.keys() if k not in keys]
        return keys

    def __contains__(self, key):
        return any(key in group for _, group in self.groups)

    def dataset(self, key):
        for shard_path, group in self.groups:
            if key in group:
                return get_dataset(group, key, shard_path)
        raise file_error(self.filename, f"variable '{key}' of '{self.path}' is missing.")


def load_weights(model, filepath, skip_mismatch=False):
    """Reads `model`'s variables from a `*.weights.json` index and its shards.

    Every shard the index lists is opened before any variable is assigned; a missing one
    raises `InvalidFileError` naming it.

    Args:
        model: a built model.
        filepath: the index path.
        skip_mismatch: warn about and skip objects whose variables do not match.
    """
    index_path = pathlib.Path(os.fspath(filepath))
    weight_map = _read_index(index_path)["weight_map"]
    with contextlib.ExitStack() as stack:
        shards = {}
        for name in _shard_names(weight_map, index_path):
            shard_path = index_path.parent / name
            if not os.path.isfile(shard_path):
                raise file_error(index_path, f"the shard '{name}' listed in its weight_map "
                                             f"is missing (expected at '{shard_path}').")
            shards[name] = (str(shard_path), stack.enter_context(open_h5(shard_path,
                                                                         shard_path)))

        def get_store(path):
            key = f"/{path}/vars" if path else "/vars"
            entry = weight_map.get(key, [])
            groups = []
            for name in entry if isinstance(entry, list) else [entry]:
                shard_path, h5 = shards[name]
                group = get_group(h5, key, shard_path)
                if group is None:
                    raise file_error(shard_path, f"the group '{key}' that the index "
                                                 f"'{index_path}' places in it is missing.")
                groups.append((shard_path, group))
            return _ShardReadStore(groups, str(index_path), path)

        weights_layout.load_state(model, None, skip_mismatch, filename=str(index_path),
                                  get_store=get_store)
