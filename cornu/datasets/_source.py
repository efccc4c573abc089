"""Finds a data set file: a local path, a mirror folder, the cache, or a download.

Resolution order for each file:

1. an explicit `path=` that exists;
2. the mirror folder named by the `CORNU_DATASETS_DIR` environment variable,
   holding the files under the names Keras downloads, at its top level or in a
   per-dataset subfolder (e.g. `mnist/mnist.npz`). When the mirror has a
   `SHA256SUMS` manifest (in the subfolder or at the top) listing the file, the
   file is checked against it;
3. the cache (`~/.cornu/datasets`, see `get_file`), checked against the pinned hash;
4. a download from the original URL, checked against the pinned hash.
"""

import os

from cornu.utils.file_utils import DownloadError, get_file, hash_file

MIRROR_ENV = "CORNU_DATASETS_DIR"
KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
MANIFEST = "SHA256SUMS"


def mirror_dir():
    """Returns the mirror folder from `$CORNU_DATASETS_DIR`, or `None`."""
    folder = os.environ.get(MIRROR_ENV)
    if not folder:
        return None
    folder = os.path.expanduser(folder)
    return folder if os.path.isdir(folder) else None


def _read_manifest(path):
    entries = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.strip().split(None, 1)
            if len(parts) == 2:
                digest, name = parts
                entries[os.path.normpath(name.lstrip("*"))] = digest.lower()
    return entries


def _manifest_hash(root, relative):
    """Returns the sha256 a `SHA256SUMS` manifest lists for `root/relative`, or `None`."""
    folders = [os.path.dirname(relative), ""] if os.path.dirname(relative) else [""]
    for folder in folders:
        manifest = os.path.join(root, folder, MANIFEST)
        if os.path.isfile(manifest):
            entries = _read_manifest(manifest)
            key = os.path.normpath(os.path.relpath(relative, folder or "."))
            if key in entries:
                return entries[key]
    return None


def verify_mirror_file(root, relative):
    """Checks `root/relative` against the mirror's manifest, when it lists the file.

    Raises:
        ValueError: when the file's sha256 differs from the manifest's.
    """
    expected = _manifest_hash(root, relative)
    if expected is None:
        return
    path = os.path.join(root, relative)
    received = hash_file(path, "sha256")
    if received != expected:
        raise ValueError(f"Corrupted data set file {path!r}: expected sha256 {expected} "
                         f"(from {os.path.join(root, MANIFEST)}), received {received}.")


def find_in_mirror(names, folders, isdir=False):
    """Returns the path of the first of `names` found in the mirror, verified, or `None`.

    Args:
        names: file (or folder) names to look for.
        folders: per-dataset subfolder names to try, after the top level.
        isdir: whether to look for a folder instead of a file.
    """
    root = mirror_dir()
    if root is None:
        return None
    exists = os.path.isdir if isdir else os.path.isfile
    for folder in ("", *folders):
        for name in names:
            relative = os.path.join(folder, name) if folder else name
            if exists(os.path.join(root, relative)):
                if not isdir:
                    verify_mirror_file(root, relative)
                return os.path.join(root, relative)
    return None


def offline_hint(names, folders, accepts_path=True):
    """A sentence saying how to provide `names` without a download."""
    listed = " or ".join(repr(n) for n in names)
    sub = f" (or its subfolder {folders[0]!r})" if folders else ""
    local = "pass `path=` to the file, or " if accepts_path else ""
    return (f"To use a local copy, {local}set the {MIRROR_ENV} environment variable to a "
            f"folder{sub} holding {listed}.")


def fetch(fname, origin, file_hash, folders=(), path=None, cache_subdir="datasets",
          accepts_path=True):
    """Returns a local path for a data set file, downloading it when needed.

    Args:
        fname: the file's name, as Keras downloads it.
        origin: URL to download it from.
        file_hash: pinned sha256 (or md5) of the original file.
        folders: per-dataset mirror subfolder names, e.g. `("mnist",)`.
        path: the caller's `path=`: an existing file is used as is; a plain
            name is the file's name in the mirror and the cache.
        cache_subdir: cache subfolder, as in `get_file`.
        accepts_path: whether the loader has a `path=` argument (for the error hint).
    """
    names = [fname]
    if path is not None:
        path = os.path.expanduser(os.fspath(path))
        if os.path.isfile(path):
            return path
        if os.path.dirname(path):
            raise FileNotFoundError(f"`path` {path!r} does not exist. Pass an existing file, or "
                                    f"a file name (e.g. {fname!r}) to use the mirror and cache.")
        names = [path] + ([fname] if path != fname else [])
    found = find_in_mirror(names, folders)
    if found is not None:
        return found
    try:
        return get_file(names[0], origin=origin, file_hash=file_hash, cache_subdir=cache_subdir)
    except DownloadError as error:
        hint = offline_hint(names, folders, accepts_path)
        raise DownloadError(f"{error}\n{hint}") from error
