"""Shared processing of word-index sequences for `imdb` and `reuters`.

Sequences are handled as one flat `int64` array of word indices plus the
length of each sequence, so that shifting, filtering and vocabulary limits are
vectorized; they go back to lists of Python ints at the end.
"""

import itertools
import json

import numpy as np


def flatten(seqs):
    """Returns `(flat, lengths)` for a sequence of lists of ints."""
    lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    flat = np.fromiter(itertools.chain.from_iterable(seqs), dtype=np.int64,
                       count=int(lengths.sum()))
    return flat, lengths


def shift_indices(flat, lengths, start_char, index_from):
    """Adds `index_from` to every index and prepends `start_char` when not `None`."""
    flat = flat + index_from
    if start_char is not None:
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(lengths) else lengths
        flat = np.insert(flat, starts, start_char)
        lengths = lengths + 1
    return flat, lengths


def keep_sequences(flat, lengths, keep):
    """Keeps the sequences where the boolean array `keep` is true."""
    return flat[np.repeat(keep, lengths)], lengths[keep]


def limit_vocabulary(flat, lengths, num_words, skip_top, oov_char):
    """Replaces (or drops, when `oov_char` is `None`) indices outside `[skip_top, num_words)`."""
    if not num_words:
        # As in Keras: the largest index seen, so that index itself becomes out of vocabulary.
        num_words = int(flat.max()) if flat.size else 0
    in_vocab = (flat >= skip_top) & (flat < num_words)
    if oov_char is not None:
        return np.where(in_vocab, flat, oov_char), lengths
    owner = np.repeat(np.arange(len(lengths)), lengths)
    return flat[in_vocab], np.bincount(owner[in_vocab], minlength=len(lengths))


def to_object_array(flat, lengths):
    """A 1-D object array holding one list of Python ints per sequence."""
    values = flat.tolist()
    ends = np.cumsum(lengths).tolist()
    result = np.empty(len(ends), dtype=object)
    start = 0
    for i, end in enumerate(ends):
        result[i] = values[start:end]
        start = end
    return result


def check_options(num_words, skip_top, maxlen):
    for name, value in (("num_words", num_words), ("maxlen", maxlen)):
        if value is not None and (not isinstance(value, (int, np.integer)) or value < 0):
            raise ValueError(f"Expected `{name}` to be a non-negative integer or None. "
                             f"Received: {name}={value!r}")
    if not isinstance(skip_top, (int, np.integer)) or skip_top < 0:
        raise ValueError(f"Expected `skip_top` to be a non-negative integer. "
                         f"Received: skip_top={skip_top!r}")


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)
