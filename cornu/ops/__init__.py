"""`cornu.ops`: NumPy-style functions over torch tensors, what custom layers call.

Each op accepts tensors, NumPy arrays and Python numbers. Called on symbolic KerasTensors
(inside a Functional model under construction), an op records a graph node instead.
"""

from cornu.ops.core import *  # noqa: F401,F403
from cornu.ops.math import *  # noqa: F401,F403
from cornu.ops.nn import *  # noqa: F401,F403
