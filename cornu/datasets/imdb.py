"""IMDB movie reviews: 25,000 training and 25,000 test reviews labelled by sentiment."""

import warnings

import numpy as np

from cornu.datasets._npz import load_npz
from cornu.datasets._sequences import (check_options, flatten, keep_sequences,
                                       limit_vocabulary, read_json, shift_indices,
                                       to_object_array)
from cornu.datasets._source import KERAS_ORIGIN, fetch

FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"  # md5
FOLDERS = ("imdb",)


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1,
              oov_char=2, index_from=3, **kwargs):
    """Loads the IMDB sentiment classification data set.

    Reviews are sequences of word indices; a word's index is its frequency rank
    in the corpus plus `index_from` (so index 1 is the most frequent word when
    `index_from=0`). Labels are 0 (negative) or 1 (positive).

    Args:
        path: the file's name in the cache and the mirror, or the path of a
            local `imdb.npz`.
        num_words: keep only the `num_words` most frequent words; rarer words
            become `oov_char`. `None` keeps all words.
        skip_top: treat the `skip_top` most frequent words as out of vocabulary.
        maxlen: drop the sequences of `maxlen` words or more.
        seed: seed of the shuffle of the data.
        start_char: index marking the start of each sequence (`None`: no mark).
        oov_char: index replacing out-of-vocabulary words (`None`: drop them).
        index_from: offset added to every word index.
        **kwargs: only the legacy `nb_words` (same as `num_words`).

    Returns:
        Tuple of NumPy arrays `(x_train, y_train), (x_test, y_test)`: `x` is a
        1-D object array of lists of ints, `y` an `int64` array of labels.
    """
    if "nb_words" in kwargs:
        warnings.warn("The `nb_words` argument is deprecated; use `num_words`.", stacklevel=2)
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    check_options(num_words, skip_top, maxlen)
    arrays = load_npz(fetch("imdb.npz", KERAS_ORIGIN + "imdb.npz", FILE_HASH, FOLDERS, path))
    x_train, labels_train = arrays["x_train"], arrays["y_train"]
    x_test, labels_test = arrays["x_test"], arrays["y_test"]

    rng = np.random.RandomState(seed)
    order = np.arange(len(x_train))
    rng.shuffle(order)
    x_train, labels_train = x_train[order], labels_train[order]
    order = np.arange(len(x_test))
    rng.shuffle(order)
    x_test, labels_test = x_test[order], labels_test[order]

    train = shift_indices(*flatten(x_train), start_char, index_from)
    test = shift_indices(*flatten(x_test), start_char, index_from)
    labels_train, labels_test = np.asarray(labels_train), np.asarray(labels_test)
    if maxlen:
        keep_train, keep_test = train[1] < maxlen, test[1] < maxlen
        train, labels_train = keep_sequences(*train, keep_train), labels_train[keep_train]
        test, labels_test = keep_sequences(*test, keep_test), labels_test[keep_test]
        if not len(labels_train) or not len(labels_test):
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no "
                             "sequence was kept. Increase maxlen.")
    split = len(train[1])
    flat, lengths = limit_vocabulary(np.concatenate([train[0], test[0]]),
                                     np.concatenate([train[1], test[1]]),
                                     num_words, skip_top, oov_char)
    xs = to_object_array(flat, lengths)
    labels = np.concatenate([labels_train, labels_test])
    return (xs[:split], labels[:split]), (xs[split:], labels[split:])


def get_word_index(path="imdb_word_index.json"):
    """Returns the dict mapping each word to its index in the IMDB data set.

    Args:
        path: the file's name in the cache and the mirror, or a local path.
    """
    origin = KERAS_ORIGIN + "imdb_word_index.json"
    return read_json(fetch("imdb_word_index.json", origin, WORD_INDEX_HASH, FOLDERS, path))
