"""The Keras 3 model format: `metadata.json`, `config.json` and `model.weights.h5`.

A `.keras` file is a zip archive of these three files (stored uncompressed, as Keras
writes them); the same three files in a folder are the unzipped form. Reading is bounded:
member count and uncompressed sizes are limited relative to the archive's size.
"""

import json
import os
import shutil
import tempfile
import time
import zipfile

import h5py

from cornu.saving import weights_layout
from cornu.saving.file_utils import atomic_directory, atomic_write, file_error
from cornu.saving.h5_io import open_h5

CONFIG_FILENAME = "config.json"
METADATA_FILENAME = "metadata.json"
WEIGHTS_FILENAME = "model.weights.h5"
# The Keras release whose file format cornu writes.
KERAS_VERSION = "3.15.1"

_MAX_MEMBERS = 10_000
_SIZE_FLOOR = 256 << 20  # archives may always expand to 256 MiB
_MAX_EXPANSION = 100  # ... or to 100 times their size on disk
_MAX_CONFIG_BYTES = 256 << 20


def metadata():
    """The content of `metadata.json`."""
    from cornu import __version__
    return {"keras_version": KERAS_VERSION, "cornu_version": __version__,
            "date_saved": time.strftime("%Y-%m-%d@%H:%M:%S")}


def model_config(model, include_compile=True):
    """The model's full serialized config (`config.json`), with build and compile configs."""
    from cornu.saving.serialization_lib import serialize_keras_object
    config = serialize_keras_object(model)
    if not include_compile:
        config.pop("compile_config", None)
    return config


def _write_weights(model, fileobj):
    with h5py.File(fileobj, "w") as h5:
        weights_layout.save_state(model, h5)


def save_model(model, filepath, zipped=True):
    """Writes `model` to a `.keras` archive (`zipped=True`) or a folder, atomically.

    Args:
        model: the model.
        filepath: the destination.
        zipped: write a zip archive; otherwise a folder with the three files.
    """
    config_json = json.dumps(model_config(model))
    metadata_json = json.dumps(metadata())
    if not zipped:
        with atomic_directory(filepath) as folder:
            with open(os.path.join(folder, METADATA_FILENAME), "w") as f:
                f.write(metadata_json)
            with open(os.path.join(folder, CONFIG_FILENAME), "w") as f:
                f.write(config_json)
            with open(os.path.join(folder, WEIGHTS_FILENAME), "w+b") as f:
                _write_weights(model, f)
        return
    folder = os.path.dirname(os.path.abspath(os.fspath(filepath)))
    with atomic_write(filepath) as out:
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr(METADATA_FILENAME, metadata_json)
            archive.writestr(CONFIG_FILENAME, config_json)
            with tempfile.TemporaryFile(dir=folder) as tmp:
                _write_weights(model, tmp)
                tmp.seek(0)
                with archive.open(WEIGHTS_FILENAME, "w", force_zip64=True) as dst:
                    shutil.copyfileobj(tmp, dst, 1 << 20)


# ---------------------------------------------------------------------- reading


class _Archive:
    """Bounded access to the members of a `.keras` zip archive."""

    def __init__(self, filepath):
        self.filepath = filepath
        self.zip = zipfile.ZipFile(filepath, "r")
        infos = self.zip.infolist()
        if len(infos) > _MAX_MEMBERS:
            raise file_error(filepath, f"the archive has {len(infos)} members (at most "
                                       f"{_MAX_MEMBERS} are allowed).")
        total = sum(i.file_size for i in infos)
        limit = max(_SIZE_FLOOR, _MAX_EXPANSION * os.path.getsize(filepath))
        if total > limit:
            raise file_error(filepath, f"the archive expands to {total} bytes, more than "
                                       f"{limit} allowed for its size; refusing a possible "
                                       "zip bomb.")
        self.names = {i.filename for i in infos}

    def read(self, name, limit):
        if name not in self.names:
            raise file_error(self.filepath, f"'{name}' is missing: this is not a Keras model "
                                            "archive.")
        with self.zip.open(name) as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            raise file_error(self.filepath, f"'{name}' is larger than {limit} bytes.")
        return data

    def extract(self, name, dst):
        if name not in self.names:
            raise file_error(self.filepath, f"'{name}' is missing: this is not a Keras model "
                                            "archive.")
        with self.zip.open(name) as src:
            shutil.copyfileobj(src, dst, 1 << 20)
        dst.seek(0)

    def close(self):
        self.zip.close()


def _read_text(path, limit):
    if not os.path.isfile(path):
        raise file_error(os.path.dirname(path), f"'{os.path.basename(path)}' is missing: "
                                                "this is not a Keras model folder.")
    if os.path.getsize(path) > limit:
        raise file_error(path, f"the file is larger than {limit} bytes.")
    with open(path, "rb") as f:
        return f.read()


def parse_config(data, filepath):
    """Decodes `config.json`'s bytes into a dict."""
    try:
        config = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise file_error(filepath, f"config.json is not valid JSON ({e}).") from e
    if not isinstance(config, dict) or "class_name" not in config:
        raise file_error(filepath, "config.json does not describe a Keras object (no "
                                   "'class_name').")
    return config


_SIZE_KEYS = ("units", "filters", "dim", "shape", "size", "length", "heads", "tokens")
_MAX_SIZE = 1 << 31


def check_sizes(config, filepath):
    """Rejects absurd sizes (e.g. `units=10**12`) before any layer allocates its weights."""
    stack = [(None, config)]
    while stack:
        key, value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.items())
        elif isinstance(value, list):
            stack.extend((key, v) for v in value)
        elif isinstance(value, int) and not isinstance(value, bool) and isinstance(key, str) \
                and key.endswith(_SIZE_KEYS) and abs(value) > _MAX_SIZE:
            raise file_error(filepath, f"the configuration sets '{key}' to {value}, an absurd "
                                       "size; refusing to allocate it.")


def model_from_config(config, filepath, custom_objects=None, compile=True, safe_mode=True):
    """Creates (and compiles, if asked) the model described by a `config.json` dict."""
    from cornu.layers.layer import Layer
    from cornu.saving.serialization_lib import deserialize_keras_object

    config = dict(config)
    if not compile:
        config.pop("compile_config", None)
    check_sizes(config, filepath)
    model = deserialize_keras_object(config, custom_objects, safe_mode=safe_mode)
    if not isinstance(model, Layer):
        raise file_error(filepath, f"config.json describes a {type(model).__name__}, not a "
                                   "model.")
    return model


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model from a `.keras` archive or a model folder.

    Args:
        filepath: the archive or folder.
        custom_objects: extra classes and functions by name.
        compile: compile the model from its saved compile configuration.
        safe_mode: refuse to run Python bytecode found in the file (Lambda layers).
    """
    if os.path.isdir(filepath):
        config = parse_config(_read_text(os.path.join(filepath, CONFIG_FILENAME),
                                         _MAX_CONFIG_BYTES), filepath)
        weights_path = os.path.join(filepath, WEIGHTS_FILENAME)
        if not os.path.isfile(weights_path):
            raise file_error(filepath, f"'{WEIGHTS_FILENAME}' is missing.")
        model = model_from_config(config, filepath, custom_objects, compile, safe_mode)
        with open_h5(weights_path, weights_path) as h5:
            weights_layout.load_state(model, h5, filename=weights_path)
        return model
    archive = _Archive(filepath)
    try:
        config = parse_config(archive.read(CONFIG_FILENAME, _MAX_CONFIG_BYTES), filepath)
        with tempfile.TemporaryFile() as tmp:
            archive.extract(WEIGHTS_FILENAME, tmp)
            model = model_from_config(config, filepath, custom_objects, compile, safe_mode)
            with open_h5(tmp, filepath) as h5:
                weights_layout.load_state(model, h5, filename=f"{filepath}/{WEIGHTS_FILENAME}")
    finally:
        archive.close()
    return model


def open_weights(filepath):
    """Opens the weights of a `.keras` archive for `load_weights`; returns (h5 file, closer)."""
    archive = _Archive(filepath)
    tmp = tempfile.TemporaryFile()
    try:
        archive.extract(WEIGHTS_FILENAME, tmp)
    finally:
        archive.close()
    try:
        h5 = open_h5(tmp, filepath)
    except BaseException:
        tmp.close()
        raise

    def close():
        h5.close()
        tmp.close()
    return h5, close
