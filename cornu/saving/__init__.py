"""Saving and serialization (mirrors `keras.saving`)."""

from cornu.saving.object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from cornu.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
