"""MNIST handwritten digits: 60,000 training and 10,000 test grey 28x28 images."""

import os

import numpy as np

from cornu.datasets._idx import read_images_and_labels
from cornu.datasets._source import KERAS_ORIGIN, fetch, find_in_mirror

FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
FOLDERS = ("mnist",)
IDX_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def _idx_paths(find):
    """Paths of the four IDX files (gzipped or not) found by `find(name)`, or `None`."""
    paths = []
    for name in IDX_NAMES:
        found = find(name + ".gz") or find(name)
        if found is None:
            return None
        paths.append(found)
    return paths


def _load_idx(paths):
    x_train, y_train = read_images_and_labels(paths[0], paths[1])
    x_test, y_test = read_images_and_labels(paths[2], paths[3])
    return (x_train, y_train), (x_test, y_test)


def _load_npz(path):
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])


def load_data(path="mnist.npz"):
    """Loads the MNIST data set.

    Besides Keras's `mnist.npz`, the four original IDX files
    (`train-images-idx3-ubyte.gz`, ...) are read when a folder (`path=` or the
    `CORNU_DATASETS_DIR` mirror) holds them instead.

    Args:
        path: the file's name in the cache and the mirror, or the path of a
            local `mnist.npz`, or of a folder holding it or the IDX files.

    Returns:
        Tuple of NumPy arrays `(x_train, y_train), (x_test, y_test)`: `x` of
        shape `(n, 28, 28)` and `y` of shape `(n,)`, both `uint8`.
    """
    local = os.path.expanduser(os.fspath(path))
    if os.path.isdir(local):
        npz = os.path.join(local, "mnist.npz")
        if os.path.isfile(npz):
            return _load_npz(npz)
        paths = _idx_paths(lambda n: os.path.join(local, n)
                           if os.path.isfile(os.path.join(local, n)) else None)
        if paths is None:
            raise FileNotFoundError(f"Folder {local!r} holds neither mnist.npz nor the four "
                                    f"MNIST IDX files {IDX_NAMES}.")
        return _load_idx(paths)
    if not os.path.isfile(local) and find_in_mirror([path, "mnist.npz"], FOLDERS) is None:
        paths = _idx_paths(lambda n: find_in_mirror([n], FOLDERS))
        if paths is not None:
            return _load_idx(paths)
    return _load_npz(fetch("mnist.npz", KERAS_ORIGIN + "mnist.npz", FILE_HASH, FOLDERS, path))
