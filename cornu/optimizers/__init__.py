"""`keras.optimizers`: optimizers, learning-rate schedules and lookup by name."""

from cornu.optimizers import schedules
from cornu.optimizers.adadelta import Adadelta
from cornu.optimizers.adafactor import Adafactor
from cornu.optimizers.adagrad import Adagrad
from cornu.optimizers.adam import Adam
from cornu.optimizers.adamax import Adamax
from cornu.optimizers.adamw import AdamW
from cornu.optimizers.base_optimizer import Optimizer
from cornu.optimizers.ftrl import Ftrl
from cornu.optimizers.lamb import Lamb
from cornu.optimizers.lion import Lion
from cornu.optimizers.loss_scale_optimizer import LossScaleOptimizer
from cornu.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from cornu.optimizers.muon import Muon
from cornu.optimizers.nadam import Nadam
from cornu.optimizers.rmsprop import RMSprop
from cornu.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from cornu.optimizers.sgd import SGD
from cornu.saving import serialization_lib

ALL_OBJECTS = (Optimizer, Adadelta, Adafactor, Adagrad, Adam, Adamax, AdamW, Ftrl, Lamb, Lion,
               LossScaleOptimizer, Muon, MultiOptimizer, Nadam, OptimizerMap, RMSprop,
               ScheduleFreeAdamW, SGD)
# Looked up by class name or its lowercase form ("Adam", "adam").
_BY_NAME = {**{c.__name__: c for c in ALL_OBJECTS}, **{c.__name__.lower(): c for c in ALL_OBJECTS}}
_BY_NAME.pop("optimizer")
_BY_NAME.pop("lossscaleoptimizer")
_BY_NAME.pop("multioptimizer")
_BY_NAME.pop("optimizermap")


def serialize(optimizer):
    """Returns the optimizer's Keras config dict (`{"module", "class_name", "config", ...}`).

    Args:
        optimizer: an `Optimizer` instance.
    """
    return serialization_lib.serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    """Recreates an optimizer from `serialize()`'s output (or a Keras 2 `{class_name, config}`).

    Args:
        config: the serialized dict.
        custom_objects: dict of custom optimizer or schedule classes by name.
    """
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects, module_objects=_BY_NAME)


def get(identifier):
    """Returns an optimizer from a name ("adam"), a config dict or an instance.

    Args:
        identifier: an optimizer name (case-insensitive), a serialized dict, or an
            `Optimizer` instance (returned as is).
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        identifier = identifier.lower()
    if identifier is None or not isinstance(identifier, (str, dict)):
        raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}. Expected "
                         "an optimizer name, a config dict or an `Optimizer` instance.")
    return serialization_lib.get_object(identifier, _BY_NAME, "optimizer")
