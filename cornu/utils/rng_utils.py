"""`set_random_seed`: seeds Python, NumPy and torch in one call."""

import random

import numpy as np
import torch

_GLOBAL_SEED = None


def set_random_seed(seed):
    """Sets the seed of Python's `random`, NumPy and torch (every device).

    With a fixed seed, weight initialization, dropout and shuffling repeat from
    run to run (some GPU kernels stay non-deterministic).

    Args:
        seed: integer, the random seed.
    """
    global _GLOBAL_SEED
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError("Expected `seed` argument to be an integer. "
                         f"Received: seed={seed!r} (of type {type(seed)})")
    if seed < 0:
        raise ValueError(f"Expected `seed` to be non-negative. Received: seed={seed}")
    _GLOBAL_SEED = seed
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # seeds the CPU and every accelerator device


def get_random_seed():
    """Returns the seed last given to `set_random_seed`, or `None`."""
    return _GLOBAL_SEED
