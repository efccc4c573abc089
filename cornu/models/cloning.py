"""`clone_model`: a new model with the same architecture and freshly initialized weights."""

from cornu.backend.keras_tensor import KerasTensor
from cornu.utils import tree


def _clone_layer(layer):
    return type(layer).from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """Clones a Sequential or Functional model (new layers, new weights), or a subclassed one.

    Shared layers stay shared in the clone. Weights are not copied: use
    `clone.set_weights(model.get_weights())` for that.

    Args:
        model: the model to clone.
        input_tensors: optional symbolic tensor(s) (from `keras.Input`) to build the clone on.
        clone_function: `layer -> new layer`, applied to every layer (default: a new layer
            from the layer's config).
        call_function: `(layer, *args, **kwargs) -> outputs`, replaces calling each cloned
            layer (Functional models).
        recursive: also clone the layers of nested Sequential / Functional models with
            `clone_function`.
    """
    from cornu.models.functional import Functional
    from cornu.models.sequential import Sequential
    from cornu.saving import serialization_lib

    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s) for `clone_model`: {list(kwargs)}")
    user_clone = clone_function
    clone_function = clone_function or _clone_layer
    if recursive:
        inner = clone_function

        def clone_function(layer):
            if isinstance(layer, (Sequential, Functional)):
                return clone_model(layer, clone_function=user_clone, call_function=call_function,
                                   recursive=True)
            return inner(layer)

    if isinstance(model, Sequential):
        return _clone_sequential(model, input_tensors, clone_function)
    if isinstance(model, Functional):
        return _clone_functional(model, input_tensors, clone_function, call_function)
    if input_tensors is not None or user_clone is not None or call_function is not None:
        raise ValueError(
            "Arguments `clone_function`, `call_function` and `input_tensors` are only "
            f"supported for Sequential and Functional models; model '{model.name}' is a "
            f"subclassed model ({type(model).__name__}).")
    return serialization_lib.deserialize_keras_object(serialization_lib.serialize_keras_object(model))


def _clone_sequential(model, input_tensors, clone_function):
    from cornu.layers.input_layer import Input, InputLayer
    from cornu.models.sequential import Sequential

    layers = [clone_function(layer) for layer in model.layers]
    if input_tensors is not None:
        tensors = tree.flatten(input_tensors)
        if len(tensors) != 1 or not isinstance(tensors[0], KerasTensor):
            raise ValueError("To clone a Sequential model, `input_tensors` must be one symbolic "
                             f"tensor from `keras.Input`. Received: {input_tensors!r}")
        return Sequential([InputLayer(input_tensor=tensors[0])] + layers, name=model.name,
                          trainable=model.trainable)
    source = model._input_layer
    if source is not None:
        first = Input(batch_shape=source.batch_shape, dtype=source.dtype, name=source.name)
        return Sequential([first] + layers, name=model.name, trainable=model.trainable)
    return Sequential(layers, name=model.name, trainable=model.trainable)


def _new_inputs(model, input_tensors):
    from cornu.layers.input_layer import Input

    originals = model.inputs
    if input_tensors is None:
        return [Input(batch_shape=t.shape, dtype=t.dtype, name=t._keras_history[0].name)
                for t in originals]
    given = tree.flatten(input_tensors)
    if len(given) != len(originals) or not all(isinstance(t, KerasTensor) for t in given):
        raise ValueError(f"`input_tensors` must be {len(originals)} symbolic tensor(s) from "
                         f"`keras.Input`. Received: {input_tensors!r}")
    return given


def _clone_functional(model, input_tensors, clone_function, call_function):
    from cornu.models.functional import Functional

    mapped = {id(old): new for old, new in zip(model.inputs, _new_inputs(model, input_tensors))}
    clones = {}

    def convert(x):
        return mapped[id(x)] if isinstance(x, KerasTensor) else x

    for node in model._nodes:
        if node.is_input:
            continue
        layer = node.layer
        if id(layer) not in clones:
            clones[id(layer)] = clone_function(layer)
        new_layer = clones[id(layer)]
        args, call_kwargs = tree.map_structure(convert, (tuple(node.call_args),
                                                         dict(node.call_kwargs)))
        if call_function is not None:
            outputs = call_function(new_layer, *args, **call_kwargs)
        else:
            outputs = new_layer(*args, **call_kwargs)
        for old, new in zip(node.output_tensors, tree.flatten(outputs)):
            mapped[id(old)] = new
    inputs = tree.pack_as(model._input_structure, [mapped[id(t)] for t in model.inputs])
    outputs = tree.pack_as(model._output_structure, [mapped[id(t)] for t in model.outputs])
    return Functional(inputs, outputs, name=model.name, trainable=model.trainable)
