"""`SeedGenerator`: a seed plus a counter, so that seeded random ops differ from call to call."""

import random as _py_random

import torch

from cornu.utils import naming

_MASK64 = (1 << 64) - 1


def _mix(seed, counter):
    """A 64-bit torch seed from `(seed, counter)` (SplitMix64's finalizer over both)."""
    z = (seed * 0x9E3779B97F4A7C15 + counter * 0xBF58476D1CE4E5B9 + 1) & _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return (z ^ (z >> 31)) & _MASK64


def default_seed():
    """A seed from Python's `random` (so `set_random_seed` makes it repeatable)."""
    return _py_random.randint(1, 10**9)


class SeedGenerator:
    """The state of a random stream: pass it as `seed=` to the `cornu.random` functions.

    Each random op called with a `SeedGenerator` draws the next seed of its stream, so
    repeated calls give new values while a generator built with the same seed replays
    the same sequence. Layers keep one as an attribute:

    ```python
    self.seed_generator = keras.random.SeedGenerator(1337)
    ...
    noise = keras.random.normal((batch, dim), seed=self.seed_generator)
    ```

    Args:
        seed: an int, or None for a seed drawn from Python's `random` (seeded by
            `keras.utils.set_random_seed`).
        name: optional name.
    """

    def __init__(self, seed=None, name=None, **kwargs):
        kwargs.pop("backend", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        self.name = name or naming.auto_name("SeedGenerator")
        self._initial_seed = seed
        if seed is None:
            seed = default_seed()
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed!r}")
        self._seed = seed
        self._counter = 0

    @property
    def state(self):
        """`[seed, number of seeds drawn]` as an int64 tensor."""
        return torch.tensor([self._seed, self._counter], dtype=torch.int64)

    def next(self, ordered=True):
        """Returns the current state and advances the stream."""
        state = self.state
        self._counter += 1
        return state

    def draw(self):
        """The next torch seed of the stream (an int), advancing it."""
        value = _mix(self._seed, self._counter)
        self._counter += 1
        return value

    def get_config(self):
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator name={self.name!r} seed={self._seed} drawn={self._counter}>"
