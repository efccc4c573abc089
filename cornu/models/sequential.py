"""`Sequential`: a plain stack of layers, each with one input and one output."""

import torch

from cornu.backend.keras_tensor import KerasTensor
from cornu.layers.input_layer import InputLayer
from cornu.layers.layer import Layer
from cornu.models.input_check import conform_input
from cornu.models.model import Model
from cornu.trainers.trainer import Trainer
from cornu.utils import naming


class Sequential(Model):
    """A linear stack of layers.

    The model is built as soon as its input shape is known: from an `Input` as first
    element, an `input_shape` / `input_dim` / `batch_input_shape` argument on the first
    layer, `build(input_shape)`, or the first call on data.

    Args:
        layers: optional list of layers to add.
        trainable: whether the weights are trainable.
        name: the model's name.
    """

    _keras_module = "keras"

    def __init__(self, layers=None, trainable=True, name=None):
        Layer.__init__(self, name=name or naming.auto_name("Sequential"), trainable=trainable)
        Trainer.__init__(self)
        self._stack = torch.nn.ModuleList()
        self.__dict__["_input_layer"] = None
        self.__dict__["_inputs"] = None
        self.__dict__["_outputs"] = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Adds a layer (or an `Input`) on top of the stack."""
        if isinstance(layer, KerasTensor) and layer._keras_history is not None:
            layer = layer._keras_history[0]
        if isinstance(layer, InputLayer):
            if self._input_layer is not None or len(self._stack):
                raise ValueError(
                    f"Sequential model '{self.name}' can only have an Input as its first "
                    "element. Received an InputLayer after other layers.")
            self.__dict__["_input_layer"] = layer
        elif not isinstance(layer, Layer):
            raise ValueError(
                "Only instances of `keras.Layer` can be added to a Sequential model. "
                f"Received: {layer!r} (of type {type(layer).__name__})")
        else:
            if any(l.name == layer.name for l in self._stack):
                raise ValueError(
                    "All layers added to a Sequential model should have unique names. Name "
                    f"'{layer.name}' is already the name of a layer in this model. Update the "
                    "`name` argument to pass a unique name.")
            self._stack.append(layer)
            if (len(self._stack) == 1 and self._input_layer is None
                    and layer._batch_input_shape is not None):
                self.__dict__["_input_layer"] = InputLayer(batch_shape=layer._batch_input_shape)
        if rebuild:
            if self.__dict__["_outputs"] is not None and not isinstance(layer, InputLayer):
                with _scope(self):
                    self.__dict__["_outputs"] = layer(self._outputs)
            else:
                self._maybe_rebuild()

    def pop(self, rebuild=True):
        """Removes and returns the last layer."""
        if not len(self._stack):
            raise ValueError(f"There are no layers in Sequential model '{self.name}' to pop.")
        layer = self._stack[-1]
        del self._stack[-1]
        self.__dict__["_outputs"] = None
        self.built = False
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        if self._input_layer is None or not len(self._stack):
            self.built = self._input_layer is not None and self.built
            return
        x = self._input_layer.output
        with _scope(self):
            for layer in self._stack:
                x = layer(x)
        self.__dict__["_inputs"] = [self._input_layer.output]
        self.__dict__["_outputs"] = x
        self._build_shapes = {"input_shape": self._input_layer.batch_shape}
        self.built = True

    def build(self, input_shape=None):
        """Builds the model for inputs of `input_shape` (batch dim included)."""
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError(f"Sequential model '{self.name}' cannot be built without an "
                                 "input shape: pass `input_shape` or add an `Input`.")
        elif self._input_layer is None:
            if isinstance(input_shape, list) and len(input_shape) == 1 and isinstance(input_shape[0], (list, tuple)):
                input_shape = input_shape[0]
            self.__dict__["_input_layer"] = InputLayer(batch_shape=tuple(input_shape))
        if not len(self._stack):
            raise ValueError(f"Sequential model '{self.name}' has no layers to build.")
        self._maybe_rebuild()

    def call(self, inputs, training=None, mask=None):
        x = inputs
        if self._input_layer is not None:
            x = conform_input(x, self._input_layer.batch_shape, 0, self.name,
                              self._input_layer._data_torch_dtype)
        for layer in self._stack:
            x = layer(x)
        return x

    @property
    def layers(self):
        return list(self._stack)

    @property
    def inputs(self):
        return list(self._inputs) if self._inputs else None

    @property
    def outputs(self):
        return [self._outputs] if self._outputs is not None else None

    @property
    def input(self):
        return self._inputs[0] if self._inputs else None

    @property
    def output(self):
        return self._outputs

    @property
    def input_shape(self):
        return self._input_layer.batch_shape if self._input_layer is not None else None

    @property
    def output_shape(self):
        return self._outputs.shape if self._outputs is not None else None

    @property
    def input_names(self):
        return [self._input_layer.name] if self._input_layer is not None else []

    @property
    def output_names(self):
        return [self._stack[-1].name] if len(self._stack) else []

    def get_config(self):
        from cornu.saving.serialization_lib import serialize_keras_object
        layers = []
        if self._input_layer is not None:
            layers.append(serialize_keras_object(self._input_layer))
        layers += [serialize_keras_object(l) for l in self._stack]
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": serialize_keras_object(self.dtype_policy), "layers": layers}
        if self._input_layer is not None:
            config["build_input_shape"] = list(self._input_layer.batch_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from cornu.saving.serialization_lib import deserialize_keras_object
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer_config in config["layers"]:
            model.add(deserialize_keras_object(layer_config, custom_objects), rebuild=False)
        if model._input_layer is None and config.get("build_input_shape"):
            model.build(tuple(config["build_input_shape"]))
        else:
            model._maybe_rebuild()
        return model


class _scope:
    """Builds layers inside the model's name scope, so their weights get `model/layer/...` paths."""

    def __init__(self, model):
        from cornu.layers.layer import _name_scope
        self.inner = _name_scope(model.name)

    def __enter__(self):
        self.inner.__enter__()

    def __exit__(self, *exc):
        self.inner.__exit__(*exc)
