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


def serialize(layer):
    """A layer's config as Keras writes it (`module`, `class_name`, `config`, ...)."""
    from cornu.saving.serialization_lib import serialize_keras_object
    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """The layer a `serialize` config (or a class name) describes."""
    from cornu.saving.serialization_lib import deserialize_keras_object
    return deserialize_keras_object(config, custom_objects=custom_objects)
