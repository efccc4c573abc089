"""`Pipeline`: a plain layer that applies a list of layers in order."""

from cornu.layers.layer import Layer
from cornu.saving.serialization_lib import deserialize_keras_object, serialize_keras_object


class Pipeline(Layer):
    """Applies a series of layers to its input, one after the other.

    Useful for preprocessing and data augmentation pipelines. Unlike a `Sequential` model it
    is not a `Model`, just a layer: it has no `fit` and no input shape. `training` (True by
    default, as for the augmentation layers) and masks are passed on to the layers that
    accept them.

    Args:
        layers: a list of layers.
        name: optional name of the pipeline.
    """

    def __init__(self, layers, name=None):
        super().__init__(name=name)
        if not isinstance(layers, (list, tuple)) or not all(
                isinstance(layer, Layer) for layer in layers):
            raise ValueError(f"Pipeline '{self.name}': `layers` must be a list of layers. "
                             f"Received: layers={layers!r}")
        self._pipeline_layers = list(layers)

    @property
    def layers(self):
        return list(self._pipeline_layers)

    def call(self, inputs, training=True, mask=None):
        outputs = inputs
        for layer in self._pipeline_layers:
            kwargs = {}
            if training is not None:
                kwargs["training"] = training
            if mask is not None and layer._signature.has_mask:
                kwargs["mask"] = mask
            outputs = layer(inputs, **kwargs)
            inputs = outputs
            mask = getattr(outputs, "_keras_mask", None)
        return outputs

    def compute_output_shape(self, input_shape):
        for layer in self._pipeline_layers:
            input_shape = layer.compute_output_shape(input_shape)
        return input_shape

    @classmethod
    def from_config(cls, config):
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError("`Pipeline` config must contain a `layers` key mapping to a list "
                             f"of serialized layers. Received config with layers={layers}.")
        config = dict(config)
        config["layers"] = [deserialize_keras_object(layer) for layer in layers]
        return cls(**config)

    def get_config(self):
        return {"layers": [serialize_keras_object(layer) for layer in self._pipeline_layers],
                "name": self.name}
