"""Regularization layers."""

from cornu.layers.regularization.dropout import Dropout  # noqa: F401
