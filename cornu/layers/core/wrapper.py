"""`Wrapper`: the base of layers that wrap another layer (`TimeDistributed`, user wrappers)."""

from cornu.layers.layer import Layer
from cornu.layers.nested_layers import build_sublayer, serialize_layer
from cornu.saving.serialization_lib import deserialize_keras_object


class Wrapper(Layer):
    """Holds a layer as `self.layer`, builds it with the wrapper and saves it in the config.

    Subclasses implement `call` (and usually `build` and `compute_output_shape`).

    Args:
        layer: the `Layer` instance to wrap.
    """

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) expects a Layer "
                             f"instance as `layer`. Received: layer={layer!r}")
        self.layer = layer

    def build(self, input_shape=None):
        if input_shape is not None:
            build_sublayer(self.layer, input_shape, self)
        self.built = True

    def get_config(self):
        config = super().get_config()
        config["layer"] = serialize_layer(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = deserialize_keras_object(config["layer"], custom_objects=custom_objects)
        return super().from_config(config)
