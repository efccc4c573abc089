"""`cornu.random` (Keras's `keras.random`): random tensors and `SeedGenerator`."""

from cornu.random.random_ops import (  # noqa: F401
    beta,
    binomial,
    categorical,
    dropout,
    gamma,
    normal,
    randint,
    shuffle,
    truncated_normal,
    uniform,
)
from cornu.random.seed_generator import SeedGenerator  # noqa: F401
