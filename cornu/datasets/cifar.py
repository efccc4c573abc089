"""Shared reading of the CIFAR-10 and CIFAR-100 python archives."""

import os

import numpy as np

from cornu.backend.config import image_data_format
from cornu.datasets._npz import restricted_load
from cornu.datasets._source import find_in_mirror, offline_hint
from cornu.utils.file_utils import DownloadError, cache_folder, extract_archive, get_file


def load_batch(fpath, label_key="labels"):
    """Reads one CIFAR batch file (a pickled dict) with the restricted unpickler.

    Args:
        fpath: path of the batch file.
        label_key: key of the labels, e.g. `"labels"` or `"fine_labels"`.

    Returns:
        A tuple `(data, labels)`: `uint8` data of shape `(n, 3, 32, 32)` and the labels.
    """
    with open(fpath, "rb") as f:
        batch = restricted_load(f, encoding="bytes")
    if not isinstance(batch, dict):
        raise ValueError(f"{fpath!r} is not a CIFAR batch: it does not hold a dict.")
    batch = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    data = np.asarray(batch["data"])
    return data.reshape(data.shape[0], 3, 32, 32), batch[label_key]


def batches_folder(dirname, archive_name, origin, file_hash, inner, folders):
    """Returns the folder holding the extracted batches (`.../<inner>`).

    Looks for the extracted folder `inner` or the archive in the mirror; else
    downloads and extracts the archive into the cache.

    Args:
        dirname: name of the extraction folder in the cache.
        archive_name: name of the archive at `origin`.
        origin: URL of the archive.
        file_hash: pinned sha256 of the archive.
        inner: name of the folder inside the archive, e.g. `"cifar-10-batches-py"`.
        folders: per-dataset mirror subfolder names.
    """
    found = find_in_mirror([inner], folders, isdir=True)
    if found is not None:
        return found
    archive = find_in_mirror([archive_name], folders)
    if archive is not None:
        target = os.path.join(cache_folder(), dirname)
        if not os.path.isdir(os.path.join(target, inner)):
            extract_archive(archive, target, "tar")
        return os.path.join(target, inner)
    try:
        path = get_file(fname=dirname, origin=origin, extract=True, file_hash=file_hash)
    except DownloadError as error:
        hint = offline_hint([archive_name, inner], folders, accepts_path=False)
        raise DownloadError(f"{error}\n{hint}") from error
    return os.path.join(path, inner)


def to_image_format(x):
    """Moves the channel axis last unless the image data format is `channels_first`."""
    return x.transpose(0, 2, 3, 1) if image_data_format() == "channels_last" else x
