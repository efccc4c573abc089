"""Shared shuffle-and-split of the tabular regression data sets."""

import numpy as np


def check_test_split(test_split):
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 "
                         "and 1 (exclusive of 1).")


def load_xy(path):
    with np.load(path, allow_pickle=False) as f:
        return f["x"], f["y"]


def shuffle_and_split(x, y, test_split, seed):
    """Shuffles `x` and `y` with `np.random.RandomState(seed)`, then splits off the test part."""
    rng = np.random.RandomState(seed)
    order = np.arange(len(x))
    rng.shuffle(order)
    x, y = x[order], y[order]
    split = int(len(x) * (1 - test_split))
    return (np.array(x[:split]), np.array(y[:split])), (np.array(x[split:]), np.array(y[split:]))
