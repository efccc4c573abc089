"""Helpers for layers that hold other layers (RNN cells, wrappers): building and saving them."""

from cornu.saving.serialization_lib import serialize_keras_object


def build_sublayer(layer, input_shape, parent=None):
    """Builds a nested layer (cell or wrapped layer) for `input_shape`, once.

    The layer's weights land on the parent's build device and under the parent's name scope
    (the parent is building when this runs).
    """
    if layer.built:
        return
    device = parent.__dict__.get("_build_device") if parent is not None else None
    if device is not None:
        layer.__dict__["_build_device"] = device
    layer.build_from_config({"input_shape": tuple(input_shape)})


def serialize_layer(layer):
    """A nested layer's config, without its build config (the parent builds it)."""
    config = serialize_keras_object(layer)
    if isinstance(config, dict):
        config.pop("build_config", None)
    return config
