"""`Functional`: a model defined by a graph of layers called on symbolic inputs.

At construction the graph is mapped once into a flat execution plan: a list of steps, each
reading its inputs from numbered slots and writing its outputs to others. Calling the model
replays the plan; no graph is walked per call.
"""

import torch

from cornu.backend.keras_tensor import KerasTensor
from cornu.layers.input_layer import InputLayer
from cornu.layers.layer import Layer, current_training
from cornu.models.graph import map_graph
from cornu.models.input_check import conform_input
from cornu.utils.dtypes import data_torch_dtype
from cornu.models.model import Model
from cornu.trainers.trainer import Trainer
from cornu.utils import naming, tree

# Plan step kinds.
_SINGLE, _LIST, _GENERAL = 0, 1, 2


class Functional(Model):
    """A model built from `Input`s and the outputs of layers called on them.

    Args:
        inputs: an input KerasTensor, or a list / dict of them.
        outputs: an output KerasTensor, or a list / dict of them.
        name: the model's name.
        trainable: whether its weights are trainable.
    """

    _keras_module = "keras.src.models.functional"

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Layer.__init__(self, name=name or naming.auto_name(type(self).__name__),
                       trainable=trainable, **kwargs)
        Trainer.__init__(self)
        self._input_structure = _standardize_structure(inputs, "inputs")
        self._output_structure = _standardize_structure(outputs, "outputs")
        self._inputs = tree.flatten(self._input_structure)
        self._outputs = tree.flatten(self._output_structure)
        for t in self._inputs + self._outputs:
            if not isinstance(t, KerasTensor):
                raise ValueError(
                    "All `inputs` and `outputs` of a Functional model must be symbolic tensors "
                    f"(from `keras.Input` or a layer called on one). Received: {t!r}")
        nodes, layers = map_graph(self._inputs, self._outputs)
        self._nodes = nodes
        self._graph_layers = torch.nn.ModuleList(layers)
        self._compile_plan()
        self.built = True
        self._build_shapes = {"input_shape": tree.map_structure(lambda t: t.shape, self._input_structure)}

    # ------------------------------------------------------------------ plan

    def _compile_plan(self):
        slots = {}

        def slot(tensor):
            return slots.setdefault(id(tensor), len(slots))

        self._input_slots = [slot(t) for t in self._inputs]
        self._input_specs = [(t.shape, data_torch_dtype(t.dtype)) for t in self._inputs]
        plan = []
        for node in self._nodes:
            if node.is_input:
                continue
            out_slots = [slot(t) for t in node.output_tensors]
            out = out_slots[0] if _is_single(node.outputs) else out_slots
            args, kwargs = node.call_args, node.call_kwargs
            if len(args) == 1 and not kwargs and isinstance(args[0], KerasTensor):
                plan.append((_SINGLE, node.layer, slot(args[0]), out, node.outputs))
            elif (len(args) == 1 and not kwargs and isinstance(args[0], list)
                  and all(isinstance(a, KerasTensor) for a in args[0])):
                plan.append((_LIST, node.layer, [slot(a) for a in args[0]], out, node.outputs))
            else:
                template = tree.map_structure(
                    lambda x: _Slot(slot(x)) if isinstance(x, KerasTensor) else x, (args, kwargs))
                plan.append((_GENERAL, node.layer, template, out, node.outputs))
        self._plan = plan
        self._output_slots = [slot(t) for t in self._outputs]
        self._num_slots = len(slots)

    def _run_plan(self, flat_inputs):
        values = [None] * self._num_slots
        for s, x in zip(self._input_slots, flat_inputs):
            values[s] = x
        for kind, layer, ins, out, structure in self._plan:
            if kind == _SINGLE:
                result = layer(values[ins])
            elif kind == _LIST:
                result = layer([values[i] for i in ins])
            else:
                args, kwargs = tree.map_structure(
                    lambda x: values[x.index] if isinstance(x, _Slot) else x, ins)
                if "training" in kwargs:
                    # As in Keras, the model's training mode overrides one recorded in the
                    # node (Keras saves `training=False` for layers such as
                    # SpectralNormalization).
                    training = current_training()
                    if training is not None:
                        kwargs = dict(kwargs, training=training)
                result = layer(*args, **kwargs)
            if isinstance(out, int):
                values[out] = result
            else:
                for s, r in zip(out, tree.flatten(result)):
                    values[s] = r
        return [values[s] for s in self._output_slots]

    def call(self, inputs, training=None, mask=None):
        flat = self._flatten_inputs(inputs)
        outputs = self._run_plan(flat)
        return tree.pack_as(self._output_structure, outputs)

    def _flatten_inputs(self, inputs):
        if isinstance(inputs, dict):
            names = self.input_names
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(
                    f"Model '{self.name}' expects inputs named {names}; missing {missing}. "
                    f"Received keys: {list(inputs)}")
            flat = [inputs[n] for n in names]
        elif isinstance(inputs, (list, tuple)):
            flat = list(inputs)
        else:
            flat = [inputs]
        if len(flat) != len(self._inputs):
            raise ValueError(
                f"Model '{self.name}' expects {len(self._inputs)} input(s), but it received "
                f"{len(flat)} input tensors.")
        return [conform_input(x, shape, i, self.name, dtype) for i, (x, (shape, dtype)) in
                enumerate(zip(flat, self._input_specs))]

    # ------------------------------------------------------------------ properties

    @property
    def layers(self):
        """The model's layers, in Keras's order (operations such as `x + 1` left out)."""
        from cornu.layers.core.op_layer import OpLayer

        return [layer for layer in self._graph_layers if not isinstance(layer, OpLayer)]

    @property
    def operations(self):
        """Every step of the graph: the layers and the operations applied to symbolic tensors."""
        return list(self._graph_layers)

    @property
    def inputs(self):
        return list(self._inputs)

    @property
    def outputs(self):
        return list(self._outputs)

    @property
    def input(self):
        return self._input_structure

    @property
    def output(self):
        return self._output_structure

    @property
    def input_names(self):
        return [t._keras_history[0].name for t in self._inputs]

    @property
    def output_names(self):
        return [t._keras_history[0].name for t in self._outputs]

    @property
    def input_shape(self):
        return tree.map_structure(lambda t: t.shape, self._input_structure)

    @property
    def output_shape(self):
        return tree.map_structure(lambda t: t.shape, self._output_structure)

    # ------------------------------------------------------------------ config

    def get_config(self):
        from cornu.models.functional_config import functional_config
        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from cornu.models.functional_config import functional_from_config
        return functional_from_config(cls, config, custom_objects)


class _Slot:
    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


def _is_single(structure):
    return isinstance(structure, KerasTensor)


def _standardize_structure(x, what):
    if isinstance(x, KerasTensor):
        return x
    if isinstance(x, tuple):
        x = list(x)
    if isinstance(x, list):
        if len(x) == 0:
            raise ValueError(f"A Functional model needs at least one tensor in `{what}`.")
        return x
    if isinstance(x, dict):
        return dict(x)
    raise ValueError(f"Functional model `{what}` must be a KerasTensor, or a list or dict of "
                     f"them. Received: {what}={x!r}")


def is_input_layer(layer):
    return isinstance(layer, InputLayer)

