"""Activation layers."""

from cornu.layers.activations.activation import Activation  # noqa: F401
from cornu.layers.activations.elu import ELU  # noqa: F401
from cornu.layers.activations.leaky_relu import LeakyReLU  # noqa: F401
from cornu.layers.activations.prelu import PReLU  # noqa: F401
from cornu.layers.activations.relu import ReLU  # noqa: F401
from cornu.layers.activations.softmax import Softmax  # noqa: F401
