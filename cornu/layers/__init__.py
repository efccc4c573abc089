"""`cornu.layers`: the Keras layer catalogue on PyTorch."""

from cornu.backend.keras_tensor import KerasTensor  # noqa: F401
from cornu.backend.variable import Variable  # noqa: F401
from cornu.layers.activations.activation import Activation  # noqa: F401
from cornu.layers.core.dense import Dense  # noqa: F401
from cornu.layers.core.embedding import Embedding  # noqa: F401
from cornu.layers.core.identity import Identity  # noqa: F401
from cornu.layers.input_layer import Input, InputLayer  # noqa: F401
from cornu.layers.layer import Layer  # noqa: F401
from cornu.layers.merging.base_merge import Merge  # noqa: F401
from cornu.layers.merging.concatenate import Concatenate, concatenate  # noqa: F401
from cornu.layers.merging.dot import Dot, dot  # noqa: F401
from cornu.layers.merging.elementwise import (  # noqa: F401
    Add, Average, Maximum, Minimum, Multiply, Subtract, add, average, maximum, minimum, multiply,
    subtract)
from cornu.layers.regularization.dropout import Dropout  # noqa: F401
from cornu.layers.reshaping.flatten import Flatten  # noqa: F401
from cornu.layers.reshaping.reshape import Reshape  # noqa: F401
from cornu.ops.op_layer import OpLayer  # noqa: F401
