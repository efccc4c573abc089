"""`ExportArchive`: Keras's TensorFlow SavedModel writer, which cornu does not provide.

Keras writes SavedModels through TensorFlow, even on its torch backend. TensorFlow is not a
dependency of cornu, so `ExportArchive` keeps Keras's method names and arguments (so code
that configures an archive reads the same) but `write_out` raises, pointing at ONNX export.
"""

from cornu.layers.layer import Layer

_NO_SAVED_MODEL = (
    "TensorFlow SavedModel export is not available in cornu: a SavedModel is written by "
    "TensorFlow, which is not a dependency of cornu (Keras needs TensorFlow installed for "
    "this format too). Export the model as ONNX instead with "
    "`model.export(filepath, format='onnx')` (`pip install onnx onnxscript`, or "
    "`pip install cornu[export]`); ONNX Runtime, TensorRT and OpenVINO serve ONNX files.")


def saved_model_error(what="format='tf_saved_model'"):
    """The error raised for TensorFlow SavedModel export."""
    return NotImplementedError(f"{what}: {_NO_SAVED_MODEL}")


def export_saved_model(model, filepath, verbose=None, input_signature=None, **kwargs):
    """Keras's `format="tf_saved_model"`: raises, since cornu does not write SavedModels."""
    raise saved_model_error()


class ExportArchive:
    """Keras's `keras.export.ExportArchive`, which writes TensorFlow SavedModels.

    cornu does not write SavedModels (they need TensorFlow), so `write_out` raises a
    `NotImplementedError`; use `model.export(filepath, format="onnx")` instead. `track`,
    `add_endpoint`, `track_and_add_endpoint` and `add_variable_collection` check their
    arguments as Keras does and record them.

    Example:

    ```python
    export_archive = ExportArchive()
    export_archive.track(model)
    export_archive.add_endpoint(
        name="serve",
        fn=model.call,
        input_signature=[keras.InputSpec(shape=(None, 3), dtype="float32")],
    )
    export_archive.write_out("path/to/location")  # NotImplementedError: use ONNX
    ```
    """

    def __init__(self, format="saved_model"):
        if format not in ("saved_model", "neptune_model"):
            raise ValueError(f"Unsupported format: {format}")
        self.format = format
        self._tracked = []
        self._endpoints = {}
        self._variable_collections = {}

    def track(self, resource):
        """Tracks the variables of a layer or model.

        Args:
            resource: a built `keras.Layer` or `keras.Model`.
        """
        if not isinstance(resource, Layer):
            raise ValueError(
                "Invalid resource type. Expected a Keras `Layer` or `Model`. "
                f"Received object {resource} of type '{type(resource)}'. ")
        if not resource.built:
            raise ValueError("The layer provided has not yet been built. "
                             "It must be built before export.")
        self._tracked.append(resource)

    def add_endpoint(self, name, fn, input_signature=None, **kwargs):
        """Registers a serving endpoint.

        Args:
            name: `str`, the name of the endpoint.
            fn: the callable to serve.
            input_signature: a structure of `keras.InputSpec`s, `KerasTensor`s or tensors
                giving the shapes and dtypes of `fn`'s arguments.
        """
        from cornu.export.export_utils import make_input_spec
        from cornu.utils import tree

        if name in self._endpoints:
            raise ValueError(f"Endpoint name '{name}' is already taken.")
        if "jax2tf_kwargs" in kwargs or "is_static" in kwargs:
            raise ValueError("'jax2tf_kwargs' and 'is_static' are only supported with the jax "
                             "backend. Current backend: torch")
        if input_signature is None:
            raise ValueError(
                "If the `fn` argument provided is not a `tf.function`, you must provide an "
                "`input_signature` argument to specify the shape and dtype of the function "
                "arguments. Example:\n\nexport_archive.add_endpoint(\n    name='call',\n"
                "    fn=model.call,\n    input_signature=[\n        keras.InputSpec(\n"
                "            shape=(None, 224, 224, 3),\n            dtype='float32',\n"
                "        )\n    ],\n)")
        self._endpoints[name] = (fn, tree.map_structure(make_input_spec, input_signature))
        return fn

    def track_and_add_endpoint(self, name, resource, input_signature, **kwargs):
        """`track(resource)` then `add_endpoint(name, resource.__call__, input_signature)`."""
        self.track(resource)
        return self.add_endpoint(name, resource.__call__, input_signature, **kwargs)

    def add_variable_collection(self, name, variables):
        """Registers a set of variables to be retrieved after reloading.

        Args:
            name: the collection's name.
            variables: a list, tuple or set of `keras.Variable`s.
        """
        from cornu.backend.variable import Variable

        if not isinstance(variables, (list, tuple, set)):
            raise ValueError("Expected `variables` to be a list/tuple/set. "
                             f"Received instead object of type '{type(variables)}'.")
        if not all(isinstance(v, Variable) for v in variables):
            raise ValueError("Expected all elements in `variables` to be `keras.Variable` "
                             "instances. Found instead the following types: "
                             f"{list(set(type(v) for v in variables))}")
        self._variable_collections[name] = list(variables)

    def write_out(self, filepath, options=None, verbose=True):
        """Would write the SavedModel; raises `NotImplementedError` (see the class doc)."""
        if not self._endpoints:
            raise ValueError("No endpoints have been set yet. Call add_endpoint().")
        raise saved_model_error("ExportArchive.write_out")
