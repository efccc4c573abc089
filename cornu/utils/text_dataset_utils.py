"""`text_dataset_from_directory`: labelled batches of texts from a folder per class."""

import numpy as np

from cornu.utils import directory_dataset as dd


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                batch_size=32, max_length=None, shuffle=True, seed=None,
                                validation_split=None, subset=None, follow_links=False,
                                format="tf", verbose=True):
    """Makes a dataset of text batches from `directory/<class name>/<file>.txt` files.

    Args:
        directory: the folder. With `labels="inferred"` it holds one subfolder per class.
        labels: `"inferred"`, None, or a list of integer labels in the sorted file order.
        label_mode: `"int"`, `"categorical"`, `"binary"` or None (texts only).
        class_names: with inferred labels, the subfolders to use, in label order.
        batch_size: texts per batch; None yields single texts.
        max_length: keep at most this many characters of each text.
        shuffle: shuffle the files (and reshuffle each epoch); otherwise sorted order.
        seed: seed of the shuffle and of the validation split.
        validation_split: fraction of the files kept for validation.
        subset: `"training"`, `"validation"`, or `"both"` (returns both datasets).
        follow_links: follow symbolic links to subfolders.
        format: `"tf"`, Keras's default (its `tf.data.Dataset` is a `DirectoryDataset`
            here); other formats raise.
        verbose: print how many files were found.

    Returns:
        A `DirectoryDataset` yielding `(texts, labels)`, texts as a NumPy array of `str`, or
        two of them with `subset="both"`.
    """
    dd.check_return_format(format)
    if max_length is not None and (not isinstance(max_length, int) or max_length <= 0):
        raise ValueError("`max_length` must be a positive integer or None. "
                         f"Received: max_length={max_length!r}")

    def load(path):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        return text if max_length is None else text[:max_length]

    def collate(texts):
        return np.asarray(texts, dtype=object)

    return dd.from_directory(directory, (".txt",), "text files", load, collate, labels,
                             label_mode, class_names, batch_size, shuffle, seed,
                             validation_split, subset, follow_links, verbose)
