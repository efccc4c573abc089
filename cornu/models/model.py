"""`Model`: a layer with training, evaluation, saving and a summary.

`Model(inputs, outputs)` builds a Functional model; subclassing `Model` with `__init__` and
`call` gives a model defined by Python code.
"""

from cornu.backend import symbolic
from cornu.backend.keras_tensor import KerasTensor
from cornu.layers.layer import Layer
from cornu.trainers.trainer import Trainer
from cornu.utils import naming


class Model(Trainer, Layer):
    """Groups layers into an object with training and inference features.

    Args:
        inputs: (Functional form) the input KerasTensor(s).
        outputs: (Functional form) the output KerasTensor(s).
        name: the model's name.
        trainable: whether its weights are trainable.
    """

    _keras_module = "keras.src.models.model"

    def __new__(cls, *args, **kwargs):
        if cls is Model and (len(args) >= 2 or "inputs" in kwargs or "outputs" in kwargs):
            from cornu.models.functional import Functional
            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if _functional_arguments(args, kwargs):
            # A subclass built from inputs and outputs (e.g. to override `train_step`) is a
            # Functional model: as Keras does, Functional takes Model's place in its bases.
            from cornu.models.functional import Functional
            _inject_functional(type(self), Functional)
            Functional.__init__(self, *args, **kwargs)
            return
        if args:
            raise ValueError(
                "A subclassed Model takes no positional arguments other than `inputs` and "
                f"`outputs`. Received: {args!r}")
        name = kwargs.pop("name", None) or naming.auto_name(type(self).__name__)
        Layer.__init__(self, name=name, **kwargs)
        Trainer.__init__(self)

    @property
    def layers(self):
        """The model's direct sub-layers, in attribute order."""
        return self._layers

    def get_layer(self, name=None, index=None):
        """Returns a layer by `name` or by `index` in `layers`."""
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index, not both. Received: "
                             f"index={index}, name={name}.")
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(self.layers)} layers.")
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: "
                             f"{[l.name for l in self.layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def build(self, input_shape=None):
        """Creates the weights by running `call` on a symbolic input of `input_shape`."""
        if self.built:
            return
        if input_shape is None:
            raise ValueError(f"Model '{self.name}' cannot be built without an input shape.")
        structure = _shapes_to_keras_tensors(input_shape)
        symbolic.infer_output_spec(self._call_for_inference, (structure,), {})
        self._build_shapes = {"input_shape": input_shape}
        self.built = True

    def _maybe_build(self, args, kwargs, device=None):
        if type(self).build is not Model.build:
            return super()._maybe_build(args, kwargs, device)
        if not self.built:
            # A subclassed model builds its sub-layers as its first call reaches them.
            self._build_shapes = self._build_shapes_from_call(args, kwargs)
            self.built = True

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Prints a table of the model's layers, output shapes and parameter counts.

        Args:
            line_length: total width of the table.
            positions: relative or absolute column positions.
            print_fn: function called with the rendered text (default: print).
            expand_nested: also list the layers of nested models.
            show_trainable: add a column telling whether each layer is trainable.
            layer_range: `[first_name, last_name]` to print part of the model.
        """
        from cornu.utils.summary_utils import print_summary
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    def get_config(self):
        return Layer.get_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if "layers" in config and "input_layers" in config and cls is Model:
            from cornu.models.functional import Functional
            return Functional.from_config(config, custom_objects=custom_objects)
        return super().from_config(config)

    def to_json(self, **kwargs):
        """The model's architecture as a JSON string."""
        import json
        from cornu.saving.serialization_lib import serialize_keras_object
        return json.dumps(serialize_keras_object(self), **kwargs)

    # ------------------------------------------------------------------ saving

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Saves the model to `.keras`, a folder (no extension) or legacy `.h5`.

        See `cornu.saving.save_model` for the arguments.
        """
        from cornu.saving import saving_api
        saving_api.save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Saves the weights (and optimizer state) to a `.weights.h5` file, or with
        `max_shard_size` (GB) to `.weights.json` plus shards of at most that size."""
        from cornu.saving import saving_api
        saving_api.save_weights(self, filepath, overwrite=overwrite,
                                max_shard_size=max_shard_size)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Loads weights from `.weights.h5`, sharded `.weights.json`, `.keras` or legacy `.h5`
        (`by_name=` for `.h5`)."""
        from cornu.saving import saving_api
        saving_api.load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)

    def quantize(self, mode=None, config=None, filters=None, **kwargs):
        """Quantizes the weights of every layer that supports it (`Dense`, `EinsumDense`,
        `Embedding`); other layers are left as they are, with a warning.

        Args:
            mode: "int8", "int4" or "float8" (GPTQ and AWQ raise `NotImplementedError`).
            config: a `cornu.quantizers.QuantizationConfig` (default: the mode's default).
            filters: which layers to quantize: a regex (or list of regexes) searched in layer
                names, or a callable taking the layer; None quantizes all.
        """
        from cornu.quantizers.quantized_layers import quantize_model
        quantize_model(self, mode, config, filters, **kwargs)

    def export(self, filepath, format="tf_saved_model", verbose=None, input_signature=None,
               **kwargs):
        """Exports the model's inference forward pass (`call` with `training=False`).

        Args:
            filepath: `str` or `pathlib.Path`, where to write the artifact.
            format: `"onnx"` (an ONNX file; needs `onnx` and `onnxscript`) or `"torch"` (a
                PyTorch ExportedProgram, `.pt2`). Keras's `"tf_saved_model"` (the default),
                `"openvino"` and `"litert"` need TensorFlow / OpenVINO, which cornu does not
                use: they raise an error pointing at `"onnx"`.
            verbose: whether to print where the artifact was saved and what it holds.
                Defaults to `None` (prints).
            input_signature: shapes and dtypes of the inputs: a structure of
                `keras.InputSpec`, `keras.KerasTensor` or tensors. Defaults to the model's
                inputs; `None` dimensions (the batch, at least) stay dynamic.
            **kwargs: `opset_version` for `"onnx"`; `torch.export.export` arguments
                (`strict`, `dynamic_shapes`, ...) for `"torch"`.

        Example:

        ```python
        model.export("model.onnx", format="onnx")
        session = onnxruntime.InferenceSession("model.onnx")
        predictions = session.run(None, {session.get_inputs()[0].name: x})
        ```
        """
        from cornu.export.model_export import export_model
        return export_model(self, filepath, format=format, verbose=verbose,
                            input_signature=input_signature, **kwargs)

    def get_compile_config(self):
        """The serialized arguments of `compile()` (`{}` if not compiled)."""
        from cornu.saving import compile_config
        return compile_config.get_compile_config(self)

    def compile_from_config(self, config):
        """Compiles the model from `get_compile_config()`'s output and builds the optimizer."""
        from cornu.saving import compile_config
        compile_config.compile_from_config(self, config)


def _shapes_to_keras_tensors(shape):
    if isinstance(shape, (tuple, list)) and all(d is None or isinstance(d, int) for d in shape):
        return KerasTensor(tuple(shape))
    if isinstance(shape, dict):
        return {k: _shapes_to_keras_tensors(v) for k, v in shape.items()}
    return [_shapes_to_keras_tensors(s) for s in shape]


def _functional_arguments(args, kwargs):
    """Whether `Model(...)` arguments are Keras's functional `(inputs, outputs)` form."""
    return (len(args) == 2 or (len(args) == 1 and "outputs" in kwargs)
            or ("inputs" in kwargs and "outputs" in kwargs))


def _inject_functional(cls, functional):
    """Replaces `Model` by `Functional` among the bases of `cls` and of its ancestors."""
    if cls is Model:
        return functional
    if cls is object or issubclass(cls, functional) or not issubclass(cls, Model):
        return cls
    cls.__bases__ = tuple(_inject_functional(base, functional) for base in cls.__bases__)
    return cls
