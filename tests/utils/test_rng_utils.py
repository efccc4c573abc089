import random

import numpy as np
import pytest
import torch

from cornu.utils.rng_utils import get_random_seed, set_random_seed


def draw():
    return random.random(), np.random.rand(), torch.rand(3).tolist()


def test_same_seed_same_numbers():
    set_random_seed(1337)
    first = draw()
    set_random_seed(1337)
    assert draw() == first
    assert get_random_seed() == 1337
    set_random_seed(7)
    assert draw() != first


def test_bad_seed():
    with pytest.raises(ValueError, match="seed=1.5"):
        set_random_seed(1.5)
    with pytest.raises(ValueError, match="seed"):
        set_random_seed(-3)
