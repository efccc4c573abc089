"""Saving and serialization (mirrors `keras.saving`).

The model-level functions are imported lazily so that `cornu.saving` can be imported by
the packages it serializes (layers, optimizers, losses) without cycles.
"""

from cornu.saving.file_utils import InvalidFileError, atomic_directory, atomic_write
from cornu.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from cornu.saving.safe_mode import enable_unsafe_deserialization
from cornu.saving.serialization_lib import deserialize_keras_object, serialize_keras_object

_LAZY = ("save_model", "load_model", "save_weights", "load_weights", "model_from_json")
_LAZY_FROM = {"KerasFileEditor": "cornu.saving.file_editor"}


def __getattr__(name):
    if name in _LAZY_FROM:
        import importlib
        return getattr(importlib.import_module(_LAZY_FROM[name]), name)
    if name in _LAZY:
        from cornu.saving import saving_api
        return getattr(saving_api, name)
    raise AttributeError(f"module 'cornu.saving' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY) + list(_LAZY_FROM))
