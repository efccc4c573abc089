"""Reuters newswires: 11,228 wires labelled over 46 topics."""

import numpy as np

from cornu.datasets._npz import load_npz
from cornu.datasets._sequences import (check_options, flatten, keep_sequences,
                                       limit_vocabulary, read_json, shift_indices,
                                       to_object_array)
from cornu.datasets._tabular import check_test_split
from cornu.datasets._source import KERAS_ORIGIN, fetch

FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"  # md5
FOLDERS = ("reuters",)
LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3):
    """Loads the Reuters newswire topic classification data set.

    Wires are sequences of word indices, as in `cornu.datasets.imdb`.

    Args:
        path: the file's name in the cache and the mirror, or the path of a
            local `reuters.npz`.
        num_words: keep only the `num_words` most frequent words; rarer words
            become `oov_char`. `None` keeps all words.
        skip_top: treat the `skip_top` most frequent words as out of vocabulary.
        maxlen: drop the sequences of `maxlen` words or more.
        test_split: fraction of the data used as test set.
        seed: seed of the shuffle of the data.
        start_char: index marking the start of each sequence (`None`: no mark).
        oov_char: index replacing out-of-vocabulary words (`None`: drop them).
        index_from: offset added to every word index.

    Returns:
        Tuple of NumPy arrays `(x_train, y_train), (x_test, y_test)`: `x` is a
        1-D object array of lists of ints, `y` an `int64` array of topics (0-45).
    """
    check_options(num_words, skip_top, maxlen)
    check_test_split(test_split)
    arrays = load_npz(fetch("reuters.npz", KERAS_ORIGIN + "reuters.npz", FILE_HASH, FOLDERS,
                            path))
    xs, labels = arrays["x"], arrays["y"]
    rng = np.random.RandomState(seed)
    order = np.arange(len(xs))
    rng.shuffle(order)
    xs, labels = xs[order], labels[order]

    flat, lengths = shift_indices(*flatten(xs), start_char, index_from)
    labels = np.asarray(labels)
    if maxlen:
        keep = lengths < maxlen
        (flat, lengths), labels = keep_sequences(flat, lengths, keep), labels[keep]
    flat, lengths = limit_vocabulary(flat, lengths, num_words, skip_top, oov_char)
    xs = to_object_array(flat, lengths)
    split = int(len(xs) * (1 - test_split))
    return (xs[:split], labels[:split]), (xs[split:], labels[split:])


def get_word_index(path="reuters_word_index.json"):
    """Returns the dict mapping each word to its index in the Reuters data set.

    Args:
        path: the file's name in the cache and the mirror, or a local path.
    """
    origin = KERAS_ORIGIN + "reuters_word_index.json"
    return read_json(fetch("reuters_word_index.json", origin, WORD_INDEX_HASH, FOLDERS, path))


def get_label_names():
    """Returns the 46 topic names, indexed by label."""
    return LABEL_NAMES
