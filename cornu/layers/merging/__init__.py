"""Merging layers and their functional forms."""

from cornu.layers.merging.base_merge import Merge  # noqa: F401
from cornu.layers.merging.concatenate import Concatenate, concatenate  # noqa: F401
from cornu.layers.merging.dot import Dot, dot  # noqa: F401
from cornu.layers.merging.elementwise import (  # noqa: F401
    Add, Average, Maximum, Minimum, Multiply, Subtract, add, average, maximum, minimum, multiply,
    subtract)
