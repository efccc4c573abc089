"""Input signatures for export: the shapes, dtypes and names of a model's inputs.

A signature is a structure of `InputSpec`s with one entry per positional argument of the
model's call, as Keras builds it: `[inputs_structure]` for a Functional model (its one
argument is the whole nested input), `[spec]` for a Sequential model, and the shapes
recorded at the first call or `build()` for a subclassed model.
"""

import torch

from cornu.backend.keras_tensor import KerasTensor
from cornu.layers.input_spec import InputSpec
from cornu.utils import tree
from cornu.utils.dtypes import dtype_name


def get_input_signature(model):
    """The input signature of a built model, from its inputs or its recorded build shapes.

    Args:
        model: a `cornu.Model`.

    Returns:
        A list with one structure of `InputSpec`s per positional argument of `call`.
    """
    from cornu.models.functional import Functional
    from cornu.models.model import Model
    from cornu.models.sequential import Sequential

    if not isinstance(model, Model):
        raise TypeError(f"The model must be a `keras.Model`. Received: model={model!r} of "
                        f"type {type(model).__name__}")
    if isinstance(model, Functional):
        return [tree.map_structure(make_input_spec, model._input_structure)]
    if isinstance(model, Sequential) and model.built and getattr(model, "inputs", None):
        return [make_input_spec(model.inputs[0])]
    shapes = getattr(model, "_build_shapes", None)
    if not model.built or not shapes:
        raise ValueError(
            f"Model '{model.name}' has never been called or built, so the shapes and dtypes of "
            "its inputs are unknown. Call it once on a batch of data (or call "
            "`model.build(input_shape)`) before exporting, or pass `input_signature`, e.g. "
            "`input_signature=[keras.InputSpec(shape=(None, 3), dtype='float32')]`.")
    dtype = model.input_dtype
    return [_spec_from_shape(shape, dtype) for shape in shapes.values()]


def _spec_from_shape(shape, dtype):
    if isinstance(shape, dict):
        return {k: _spec_from_shape(v, dtype) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and all(d is None or isinstance(d, int) for d in shape):
        return InputSpec(shape=(None,) + tuple(shape)[1:], dtype=dtype)
    if isinstance(shape, (list, tuple)):
        return type(shape)(_spec_from_shape(s, dtype) for s in shape)
    raise ValueError(f"Unsupported recorded input shape {shape!r}.")


def make_input_spec(x):
    """An `InputSpec` (shape, dtype, name) for one leaf of an input signature.

    Args:
        x: an `InputSpec` (used as is; its `shape` and `dtype` must be set), a `KerasTensor`
            or a tensor (their first dimension becomes the dynamic batch dimension).
    """
    if isinstance(x, InputSpec):
        if x.shape is None or x.dtype is None:
            raise ValueError(f"The `shape` and `dtype` must be provided. Received: x={x}")
        return x
    if isinstance(x, KerasTensor):
        return InputSpec(shape=(None,) + tuple(x.shape)[1:], dtype=dtype_name(x.dtype),
                         name=x.name)
    if isinstance(x, torch.Tensor) or hasattr(x, "__array__"):
        x = torch.as_tensor(x)
        return InputSpec(shape=(None,) + tuple(x.shape)[1:], dtype=dtype_name(x.dtype))
    raise TypeError(f"Unsupported x={x!r} of the type ({type(x).__name__}). Supported types are: "
                    "`keras.InputSpec`, `keras.KerasTensor` and backend tensor.")


def standardize_input_signature(model, input_signature):
    """The model's signature when `input_signature` is None, else `input_signature` with every
    leaf made an `InputSpec`, as a list of positional arguments."""
    if input_signature is None:
        return get_input_signature(model)
    from cornu.models.functional import Functional

    if not isinstance(input_signature, (list, tuple)):
        input_signature = [input_signature]
    signature = [tree.map_structure(make_input_spec, arg) for arg in input_signature]
    if isinstance(model, Functional) and len(signature) > 1:
        # `[spec_a, spec_b]` for a two-input Functional model: its one argument is the list.
        signature = [signature]
    return signature
