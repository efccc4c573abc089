"""`cornu.ops.numpy`: the NumPy-style ops as one namespace (Keras's `keras.ops.numpy`)."""

from cornu.ops.core import *  # noqa: F401,F403
from cornu.ops.math import *  # noqa: F401,F403
from cornu.ops.arrays import *  # noqa: F401,F403
from cornu.ops.numeric import *  # noqa: F401,F403
from cornu.ops.numpy_extra import *  # noqa: F401,F403
from cornu.ops.linalg import slogdet  # noqa: F401
from cornu.ops.misc import corrcoef, correlate, histogram, vectorize, view  # noqa: F401
