"""`cornu.layers`: the Keras layer catalogue on PyTorch.

Each family lives in its own subpackage, whose `__init__` lists what it exports.
"""

from cornu.backend.keras_tensor import KerasTensor  # noqa: F401
from cornu.backend.variable import Variable  # noqa: F401
from cornu.layers.input_layer import Input, InputLayer  # noqa: F401
from cornu.layers.input_spec import InputSpec  # noqa: F401
from cornu.layers.layer import Layer  # noqa: F401
from cornu.layers.activations import *  # noqa: F401,F403
from cornu.layers.attention import *  # noqa: F401,F403
from cornu.layers.convolutional import *  # noqa: F401,F403
from cornu.layers.core import *  # noqa: F401,F403
from cornu.layers.merging import *  # noqa: F401,F403
from cornu.layers.normalization import *  # noqa: F401,F403
from cornu.layers.pooling import *  # noqa: F401,F403
from cornu.layers.preprocessing import *  # noqa: F401,F403
from cornu.layers.regularization import *  # noqa: F401,F403
from cornu.layers.reshaping import *  # noqa: F401,F403
from cornu.layers.rnn import *  # noqa: F401,F403
from cornu.layers.core.op_layer import OpLayer  # noqa: F401
