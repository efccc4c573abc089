"""Atomic writes and clean, file-naming errors for everything that reads or writes models.

Every file cornu writes goes to a temporary file in the destination's folder, is flushed
and fsync'ed, then renamed over the destination with `os.replace`: a crash mid-save leaves
the previous file untouched. Damaged or foreign files raise `InvalidFileError` (a
`ValueError`) naming the file and what is wrong.
"""

import contextlib
import json
import os
import shutil
import struct
import tempfile
import zipfile
import zlib


class InvalidFileError(ValueError):
    """A saved file is truncated, corrupted, foreign, or does not match the model."""


def file_error(path, message):
    """Returns an `InvalidFileError` saying what is wrong with the file at `path`."""
    return InvalidFileError(f"Cannot load '{os.fspath(path)}': {message}")


# Low-level exceptions that libraries raise on damaged input; they are re-raised as
# `InvalidFileError`s naming the file.
_DAMAGE_ERRORS = (KeyError, IndexError, TypeError, AttributeError, RuntimeError, EOFError,
                  OverflowError, struct.error, zlib.error, zipfile.BadZipFile,
                  zipfile.LargeZipFile, json.JSONDecodeError, UnicodeDecodeError,
                  NotImplementedError, RecursionError)


@contextlib.contextmanager
def reading(path, what="the file"):
    """Turns low-level errors raised while reading `path` into `InvalidFileError`s.

    Args:
        path: the file being read (named in the error).
        what: what is being read, for the message (e.g. "the weights").
    """
    try:
        yield
    except InvalidFileError:
        raise
    except FileNotFoundError:
        raise
    except _DAMAGE_ERRORS as e:
        raise file_error(path, f"{what} could not be read ({type(e).__name__}: {e}). "
                               "The file may be truncated, corrupted or not a Keras file."
                         ) from e
    except OSError as e:  # h5py reports damaged HDF5 structures as OSError
        if isinstance(e, (PermissionError, IsADirectoryError)):
            raise
        raise file_error(path, f"{what} could not be read ({e}). The file may be "
                               "truncated, corrupted or not a Keras file.") from e
    except ValueError as e:
        raise file_error(path, f"{what} is invalid: {e}") from e


def _fsync_dir(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path, mode="w+b"):
    """Context manager yielding a file object whose content replaces `path` on success.

    The data goes to a temporary file in the same folder; on a clean exit it is flushed,
    fsync'ed and renamed over `path` (`os.replace`). On an exception, or if the process
    dies, `path` keeps its previous content. The yielded file is seekable and readable,
    so `h5py.File(f, "w")` and `zipfile.ZipFile(f, "w")` can write into it.

    Args:
        path: the destination file.
        mode: the temporary file's mode ("w+b" for binary, "w" for text).

    Example:

    ```python
    with atomic_write("checkpoint.weights.h5") as f:
        f.write(data)
    ```
    """
    path = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise
    _fsync_dir(folder)


@contextlib.contextmanager
def atomic_directory(path):
    """Context manager yielding a fresh temporary folder that replaces the folder `path`.

    The new folder is fully written and fsync'ed before it is swapped in: the old folder
    is renamed aside, the new one renamed to `path`, and the old one deleted. A crash
    before the swap leaves the previous folder intact.

    Args:
        path: the destination folder.
    """
    path = os.path.abspath(os.fspath(path))
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(f"Cannot save to '{path}': it exists and is not a folder.")
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=parent)
    try:
        yield tmp
        for name in os.listdir(tmp):
            file_path = os.path.join(tmp, name)
            if os.path.isfile(file_path):
                with open(file_path, "rb") as f:
                    os.fsync(f.fileno())
        _fsync_dir(tmp)
        old = None
        if os.path.exists(path):
            old = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.", suffix=".old",
                                   dir=parent)
            os.rmdir(old)
            os.rename(path, old)
        os.rename(tmp, path)
        _fsync_dir(parent)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def split_extension(path):
    """The file-type suffix that decides the format: ".keras", ".weights.h5", ".h5", ... ."""
    name = os.path.basename(os.fspath(path)).lower()
    for suffix in (".weights.h5", ".weights.json", ".keras", ".hdf5", ".h5"):
        if name.endswith(suffix):
            return suffix
    return os.path.splitext(name)[1]
