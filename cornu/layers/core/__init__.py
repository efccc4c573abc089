"""Core layers."""

from cornu.layers.core.dense import Dense  # noqa: F401
from cornu.layers.core.embedding import Embedding  # noqa: F401
from cornu.layers.core.identity import Identity  # noqa: F401
