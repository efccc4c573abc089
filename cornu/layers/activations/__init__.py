"""Activation layers."""

from cornu.layers.activations.activation import Activation  # noqa: F401
