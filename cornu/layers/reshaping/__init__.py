"""Reshaping layers."""

from cornu.layers.reshaping.flatten import Flatten  # noqa: F401
from cornu.layers.reshaping.reshape import Reshape  # noqa: F401
