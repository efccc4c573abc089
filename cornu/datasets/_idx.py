"""Reader for the IDX format of the MNIST and Fashion-MNIST files (optionally gzipped).

Layout: two zero bytes, a type byte (0x08: unsigned bytes), the number of
dimensions, one big-endian uint32 per dimension, then the data. Image files
have magic 0x00000803 (3 dimensions), label files 0x00000801 (1 dimension).
"""

import gzip
import math
import struct

import numpy as np

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801


def read_idx(path, expected_magic=None):
    """Reads an IDX file of unsigned bytes into a NumPy array.

    Args:
        path: path of the file, gzipped or not.
        expected_magic: magic number the file must have, e.g. `IMAGES_MAGIC`.

    Returns:
        A writable `uint8` array with the file's dimensions.
    """
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    with (gzip.open(path, "rb") if gzipped else open(path, "rb")) as f:
        data = f.read()
    if len(data) < 4:
        raise ValueError(f"{path!r} is not an IDX file: it is too short.")
    (magic,) = struct.unpack(">I", data[:4])
    if magic >> 16 != 0 or (magic >> 8) & 0xFF != 0x08:
        raise ValueError(f"{path!r} is not an IDX file of unsigned bytes: magic "
                         f"0x{magic:08x}, expected 0x000008NN.")
    if expected_magic is not None and magic != expected_magic:
        raise ValueError(f"{path!r} has IDX magic 0x{magic:08x}, expected 0x{expected_magic:08x}.")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    dims = struct.unpack(f">{ndim}I", data[4:header])
    if len(data) - header != math.prod(dims):
        raise ValueError(f"{path!r} holds {len(data) - header} bytes of data, but its "
                         f"dimensions {dims} need {math.prod(dims)}.")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims).copy()


def read_images_and_labels(images_path, labels_path):
    """Reads a pair of IDX files: images `(n, rows, cols)` and labels `(n,)`.

    Args:
        images_path: path of the images file (magic 0x00000803).
        labels_path: path of the labels file (magic 0x00000801).
    """
    images = read_idx(images_path, IMAGES_MAGIC)
    labels = read_idx(labels_path, LABELS_MAGIC)
    if len(images) != len(labels):
        raise ValueError(f"{images_path!r} holds {len(images)} images but {labels_path!r} "
                         f"holds {len(labels)} labels.")
    return images, labels
