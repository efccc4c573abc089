"""`cornu.ops`: NumPy-style functions over torch tensors, what custom layers call.

Each op accepts tensors, NumPy arrays and Python numbers. Called on symbolic KerasTensors
(inside a Functional model under construction), an op records a graph node instead.
`cornu.ops.linalg` and `cornu.ops.image` are Keras's sub-namespaces; the linear-algebra
functions are also here at the top, as in Keras.
"""

from cornu.ops.core import *  # noqa: F401,F403
from cornu.ops.math import *  # noqa: F401,F403
from cornu.ops.nn import *  # noqa: F401,F403
from cornu.ops.arrays import *  # noqa: F401,F403
from cornu.ops.numeric import *  # noqa: F401,F403
from cornu.ops.control_flow import *  # noqa: F401,F403
from cornu.ops.ctc import *  # noqa: F401,F403
from cornu.ops.conv import *  # noqa: F401,F403
from cornu.ops.signal import *  # noqa: F401,F403
from cornu.ops.numpy_extra import *  # noqa: F401,F403
from cornu.ops.misc import *  # noqa: F401,F403
from cornu.ops import image, linalg, numpy  # noqa: F401
from cornu.ops.linalg import (  # noqa: F401
    cholesky, cholesky_inverse, det, eig, eigh, inv, lstsq, lu_factor, pinv, qr, slogdet, solve,
    solve_triangular, svd,
)
