"""What `image_dataset_from_directory` and `text_dataset_from_directory` share.

Files are indexed as Keras indexes them (class folders in sorted order, files sorted within
each, a seeded global shuffle, the validation split taken from the end), then served in
batches by `DirectoryDataset`, an iterable that `fit`, `evaluate` and `predict` accept.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from cornu.utils import io_utils
from cornu.utils.batch_dataset import BatchDataset

LABEL_MODES = ("int", "categorical", "binary", None)


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True):
    """Lists the files under `directory` with their labels, the way Keras does.

    Returns:
        `(file_paths, labels or None, class_names or None)`.
    """
    if not os.path.isdir(directory):
        raise ValueError(f"`directory` must be an existing folder. Received: {directory!r}")
    if labels == "inferred":
        subdirs = sorted(d for d in os.listdir(directory)
                         if os.path.isdir(os.path.join(directory, d)) and not d.startswith("."))
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError(
                    "The `class_names` passed do not match the subfolders of the directory. "
                    f"Expected: {subdirs} (or a subset of it), but received: "
                    f"class_names={class_names}")
            subdirs = list(class_names)
    else:
        if class_names is not None:
            raise ValueError("`class_names` can only be given with `labels='inferred'`. "
                             f"Received: labels={labels!r}, class_names={class_names!r}")
        subdirs = [""]
    paths, inferred = [], []
    for index, subdir in enumerate(subdirs):
        top = os.path.join(directory, subdir)
        for root, _, files in sorted(os.walk(top, followlinks=follow_links),
                                     key=lambda entry: entry[0]):
            for name in sorted(files):
                if name.lower().endswith(formats):
                    paths.append(os.path.join(root, name))
                    inferred.append(index)
    if labels == "inferred":
        labels = np.asarray(inferred, dtype="int32")
        names = list(subdirs)
    elif labels is None:
        names = None
    else:
        if len(labels) != len(paths):
            raise ValueError(
                f"Expected as many `labels` as files in {directory!r}: received "
                f"{len(labels)} labels for {len(paths)} files.")
        labels = np.asarray(labels)
        names = [str(label) for label in sorted(set(labels.tolist()))]
    if verbose:
        found = f"Found {len(paths)} files"
        io_utils.print_msg(f"{found}." if labels is None
                           else f"{found} belonging to {len(names)} classes.")
    if shuffle:
        seed = np.random.randint(1e6) if seed is None else seed
        np.random.RandomState(seed).shuffle(paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return paths, labels, names


def check_return_format(format):
    """Keras's `format`: "tf" (its default) asks for the `tf.data.Dataset` that cornu's
    `DirectoryDataset` stands in for; other formats are refused."""
    if format != "tf":
        raise ValueError(
            "cornu returns a DirectoryDataset (batches of torch tensors) where Keras returns "
            "a tf.data.Dataset, so only format='tf' (the default) is supported. "
            f"Received: format={format!r}")


def check_split_arguments(validation_split, subset, shuffle, seed):
    """Keras's checks on `validation_split`, `subset` and `seed`."""
    if subset not in (None, "training", "validation", "both"):
        raise ValueError('`subset` must be "training", "validation", "both" or None. '
                         f"Received: subset={subset!r}")
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError("`validation_split` must be between 0 and 1. "
                         f"Received: validation_split={validation_split}")
    if (validation_split is None) != (subset is None):
        raise ValueError("`validation_split` and `subset` must be given together. Received: "
                         f"validation_split={validation_split}, subset={subset!r}")
    if validation_split and shuffle and seed is None:
        raise ValueError("With `validation_split` and `shuffle=True`, pass a `seed` so the "
                         "training and validation subsets do not overlap.")


def check_label_arguments(labels, label_mode, class_names):
    """Keras's checks on `labels`, `label_mode` and `class_names`.

    Returns:
        `(labels, label_mode)`: both None when either is None (a dataset of inputs only,
        as Keras gives for `labels=None` whatever the `label_mode`).
    """
    if not (labels is None or (isinstance(labels, str) and labels == "inferred")):
        if not isinstance(labels, (list, tuple, np.ndarray)):
            raise ValueError(
                '`labels` must be "inferred", None, or a list of integer labels, one per file '
                f"in sorted order. Received: labels={labels!r}")
        if class_names:
            raise ValueError("`class_names` can only be given with `labels='inferred'`. "
                             f"Received: labels={labels!r}, class_names={class_names!r}")
    if label_mode not in LABEL_MODES:
        raise ValueError(f"`label_mode` must be one of {LABEL_MODES}. "
                         f"Received: label_mode={label_mode!r}")
    if labels is None or label_mode is None:
        return None, None
    return labels, label_mode


def split(paths, labels, validation_split, subset, verbose=True):
    """The training or validation part: the validation files are the last ones."""
    if not validation_split:
        return paths, labels
    count = int(validation_split * len(paths))
    if count == 0:
        raise ValueError(
            f"`validation_split={validation_split}` of {len(paths)} files leaves no file for "
            "validation; use a larger split or more files.")
    part = slice(None, -count) if subset == "training" else slice(-count, None)
    if verbose:
        io_utils.print_msg(f"Using {len(paths[part])} files for {subset}.")
    return paths[part], None if labels is None else labels[part]


def from_directory(directory, formats, kind, load, collate, labels, label_mode, class_names,
                   batch_size, shuffle, seed, validation_split, subset, follow_links, verbose):
    """Indexes `directory` and makes one `DirectoryDataset`, or two for `subset="both"`.

    `kind` names the files in errors ("images", "text files"), `load` reads one file and
    `collate` stacks a batch of them.

    As in Keras, the validation dataset of `subset="both"` is not shuffled.
    """
    check_split_arguments(validation_split, subset, shuffle, seed)
    labels, label_mode = check_label_arguments(labels, label_mode, class_names)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, names = index_directory(directory, labels, formats, class_names, shuffle,
                                           seed, follow_links, verbose)
    if label_mode == "binary" and len(names) != 2:
        raise ValueError('`label_mode="binary"` needs exactly 2 classes. Received: '
                         f"{len(names)} classes: {names}")
    if label_mode == "categorical" and len(labels) and not (
            0 <= labels.min() and labels.max() < len(names)):
        raise ValueError(
            f'With `label_mode="categorical"`, the {len(names)} distinct `labels` must be '
            f"0 to {len(names) - 1}. Received labels: {names}")

    def make(part, part_shuffle):
        part_paths, part_labels = split(paths, labels, validation_split, part, verbose)
        if not part_paths:
            which = "" if part is None else f"{part} "
            raise ValueError(f"No {which}{kind} found in {str(directory)!r}. Allowed formats: "
                             f"{formats}")
        return DirectoryDataset(part_paths, part_labels, load, collate, batch_size,
                                part_shuffle, seed, label_mode, names)

    if subset == "both":
        return make("training", shuffle), make("validation", False)
    return make(subset, shuffle)


def encode_labels(labels, label_mode, num_classes):
    """Labels as Keras's dataset yields them for `label_mode`."""
    labels = torch.as_tensor(np.asarray(labels))
    if label_mode == "int":
        return labels.to(torch.int32)
    if label_mode == "binary":
        return labels.to(torch.float32).reshape(-1, 1)
    return torch.nn.functional.one_hot(labels.long(), num_classes).to(torch.float32)


class DirectoryDataset(BatchDataset):
    """Batches read from files: `(inputs, labels)`, or inputs alone when there are no labels.

    Iterating again starts a new epoch, reshuffled when `shuffle` is set. Keras's
    `class_names` and `file_paths` attributes are there; `take(n)` gives the first n batches
    and `map(function)` a dataset of transformed batches, as with a `tf.data.Dataset`
    (see `BatchDataset`).

    Args:
        file_paths: the files, in order.
        labels: their integer labels, or None.
        load: reads one file into an array (or a string).
        collate: stacks loaded items into a batch.
        batch_size: items per batch; None yields single items.
        shuffle: reshuffle each epoch.
        seed: seed of the reshuffling.
        label_mode: "int", "categorical", "binary" or None.
        class_names: the class names, or None.
    """

    def __init__(self, file_paths, labels, load, collate, batch_size, shuffle, seed, label_mode,
                 class_names):
        self.file_paths = list(file_paths)
        self.class_names = class_names
        self._labels = None if label_mode is None else labels
        self._load, self._collate = load, collate
        self._batch_size, self._shuffle, self._label_mode = batch_size, shuffle, label_mode
        self._rng = np.random.default_rng(seed)
        self._num_classes = len(class_names) if class_names else 0

    def __len__(self):
        if self._batch_size is None:
            return len(self.file_paths)
        return -(-len(self.file_paths) // self._batch_size)

    def _batches(self):
        order = np.arange(len(self.file_paths))
        if self._shuffle:
            self._rng.shuffle(order)
        size = self._batch_size or 1
        indices = [order[start:start + size] for start in range(0, len(order), size)]
        # Files are read by a few threads (decoding releases the GIL), one batch ahead.
        with ThreadPoolExecutor(min(8, os.cpu_count() or 1)) as pool:
            def submit(index):
                return [pool.submit(self._load, self.file_paths[i]) for i in index]

            pending = submit(indices[0]) if indices else None
            for k, index in enumerate(indices):
                loading, pending = pending, (
                    submit(indices[k + 1]) if k + 1 < len(indices) else None)
                inputs = self._collate([future.result() for future in loading])
                if self._batch_size is None:
                    inputs = inputs[0]
                if self._labels is None:
                    yield inputs
                    continue
                labels = encode_labels(self._labels[index], self._label_mode,
                                       self._num_classes)
                yield inputs, (labels if self._batch_size else labels[0])

    def __repr__(self):
        return (f"<DirectoryDataset: {len(self.file_paths)} files, {len(self)} batches, "
                f"class_names={self.class_names}>")
