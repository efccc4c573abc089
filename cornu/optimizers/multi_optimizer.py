"""`OptimizerMap` and `MultiOptimizer`: different optimizers for different weights.

A `MultiOptimizer` asks its map (an `OptimizerMap`, or any callable) for each weight's
optimizer, builds each sub-optimizer on its own weights and hands each its gradients.
Its `variables` are its own (`iteration`, `learning_rate`) followed by every
sub-optimizer's, and the sub-optimizers are saved again under `optimizer/optimizers/`, as
Keras lays them out in `.keras` files.
"""

import re
from collections.abc import MutableMapping

import torch

from cornu.optimizers.base_optimizer import Optimizer
from cornu.optimizers.loss_scale_optimizer import LossScaleOptimizer
from cornu.saving import serialization_lib


def _path(variable):
    return str(getattr(variable, "path", None) or getattr(variable, "name", None) or "")


def _deserialize(config, custom_objects):
    from cornu import optimizers

    if isinstance(config, dict) and "class_name" not in config:
        return {key: _deserialize(value, custom_objects) for key, value in config.items()}
    return optimizers.deserialize(config, custom_objects=custom_objects)


class OptimizerMap(MutableMapping):
    """A mapping from variable paths (or regular expressions of them) to optimizers.

    `optimizer_map[path]` is the optimizer of the exact key `path` if there is one, else
    that of the single key that `re.fullmatch`es `path` (more than one is an error), else
    `default_optimizer`. So `"encoder/.*"` covers everything under `encoder/`, while
    `"encoder"` covers only the path `"encoder"`. Calling the map on a variable looks up
    its `path`.

    Args:
        default_optimizer: the `Optimizer` of every variable no key matches.
        optimizer_map: optional dict of path or pattern to `Optimizer`.
    """

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError("default_optimizer must be a Keras Optimizer instance. "
                            f"Received: {default_optimizer}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"optimizer_map must be a dictionary. Received: {optimizer_map}")
        self._default_optimizer = default_optimizer
        self._optimizer_map = optimizer_map or {}

    @property
    def default_optimizer(self):
        """The optimizer of the variables that no key matches."""
        return self._default_optimizer

    def __getitem__(self, key):
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matching = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, key)]
        if len(matching) > 1:
            raise ValueError(f"Multiple optimizers assigned to variable {key}.")
        if matching:
            return self._optimizer_map[matching[0]]
        return self._default_optimizer

    def __setitem__(self, key, optimizer):
        if key in self._optimizer_map:
            raise ValueError(
                f"'{key}' already exists in the OptimizerMap with value "
                f"{self._optimizer_map[key]}. Please make sure to not use duplicated keys.")
        if not isinstance(key, str):
            raise ValueError(f"key must be a string. Received: {key}")
        if not isinstance(optimizer, Optimizer):
            raise ValueError(f"optimizer must be a Keras Optimizer instance. Received: {optimizer}")
        if isinstance(optimizer, LossScaleOptimizer):
            raise ValueError("optimizer cannot be LossScaleOptimizer.")
        if isinstance(optimizer, MultiOptimizer):
            raise ValueError("optimizer cannot be MultiOptimizer.")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        return self[_path(variable)]

    def get_config(self):
        """Returns the serialized default optimizer and map."""
        return {
            "default_optimizer": serialization_lib.serialize_keras_object(self._default_optimizer),
            "optimizer_map": serialization_lib.serialize_keras_object(self._optimizer_map),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Creates the map from `get_config()`'s output."""
        return cls(_deserialize(config["default_optimizer"], custom_objects),
                   _deserialize(config["optimizer_map"], custom_objects))


class MultiOptimizer(Optimizer):
    """An optimizer that hands each variable to the optimizer its map chooses.

    The sub-optimizers keep their own learning rates, iterations and state; reach them
    through `optimizers`. A `MultiOptimizer` has no learning rate of its own: reading or
    setting `learning_rate` raises `AttributeError`. Its `loss_scale_factor` replaces the
    sub-optimizers'. Sub-optimizers cannot be `LossScaleOptimizer`s or `MultiOptimizer`s.

    Args:
        optimizer_map: an `OptimizerMap`, or a callable taking a variable and returning its
            `Optimizer`.
        loss_scale_factor: if set, the loss scale of the `MultiOptimizer` and of every
            sub-optimizer.
        name: the optimizer's name.
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        if not callable(optimizer_map):
            raise ValueError("Argument `optimizer_map` of MultiOptimizer must be an "
                             "`OptimizerMap` or a callable returning a variable's optimizer. "
                             f"Received: optimizer_map={optimizer_map!r}")
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        self._inner_optimizers = []
        self._var_to_optimizer_idx = {}
        self._group_cache = (None, None)
        optimizers = list(optimizer_map.values()) if hasattr(optimizer_map, "values") else []
        default = getattr(optimizer_map, "default_optimizer", None)
        for opt in optimizers + ([default] if default is not None else []):
            if opt not in self._inner_optimizers:
                opt.loss_scale_factor = loss_scale_factor
                self._inner_optimizers.append(opt)

    def build(self, var_list):
        if self.built:
            return
        var_list = list(var_list)
        groups = [[] for _ in self._inner_optimizers]
        self._var_to_optimizer_idx = {}
        for variable in var_list:
            opt = self._optimizer_map(variable)
            if not isinstance(opt, Optimizer):
                raise ValueError(f"Optimizer for variable {_path(variable)!r} is not an "
                                 f"Optimizer instance. Received: {opt!r}")
            if isinstance(opt, LossScaleOptimizer):
                raise ValueError("LossScaleOptimizer cannot be used inside an MultiOptimizer.")
            if isinstance(opt, MultiOptimizer):
                raise ValueError("MultiOptimizer cannot be used inside an MultiOptimizer.")
            if opt not in self._inner_optimizers:
                opt.loss_scale_factor = self.loss_scale_factor
                self._inner_optimizers.append(opt)
                groups.append([])
            idx = self._inner_optimizers.index(opt)
            self._var_to_optimizer_idx[id(variable)] = idx
            groups[idx].append(variable)
        for opt, variables in zip(self._inner_optimizers, groups):
            if variables:
                opt.build(variables)
        super().build(var_list)

    @property
    def optimizers(self):
        """The sub-optimizers, in the order their variables are listed and saved."""
        return self._inner_optimizers

    @property
    def variables(self):
        """The `MultiOptimizer`'s own variables, then each sub-optimizer's."""
        variables = list(self._variables)
        for opt in self._inner_optimizers:
            variables.extend(opt.variables)
        return variables

    @property
    def learning_rate(self):
        raise AttributeError(
            "Learning rate cannot be accessed on a MultiOptimizer. "
            "Access the learning rate on the individual sub-optimizers instead.")

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError(
            "Learning rate cannot be set on a MultiOptimizer. "
            "Set the learning rate on the individual sub-optimizers instead.")

    @property
    def loss_scale_factor(self):
        return self.__dict__.get("_loss_scale_factor")

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self._loss_scale_factor = value
        for opt in self.__dict__.get("_inner_optimizers", ()):
            opt.loss_scale_factor = value

    @property
    def iterations(self):
        return self._iterations

    def _optimizer_index(self, variable):
        try:
            return self._var_to_optimizer_idx[id(variable)]
        except KeyError:
            raise ValueError(
                f"MultiOptimizer '{self.name}' was built on {len(self._var_to_optimizer_idx)} "
                f"variables and received variable {_path(variable)!r}, which it does not "
                "know. Build it on all the variables it will update.") from None

    def step(self, variables):
        """Hands each sub-optimizer its variables (with gradients in `.grad`) for one step."""
        if not isinstance(variables, (list, tuple)):
            variables = list(variables)
        if not self.built:
            self.build([v for v in variables if v.requires_grad])
        key = tuple(map(id, variables))
        if self._group_cache[0] != key:
            groups = [[] for _ in self._inner_optimizers]
            for v in variables:
                if v.requires_grad:
                    groups[self._optimizer_index(v)].append(v)
            self._group_cache = (key, groups)
        stepped = False
        for opt, group in zip(self._inner_optimizers, self._group_cache[1]):
            if any(v.grad is not None for v in group):
                opt.step(group)
                stepped = True
        if stepped:
            self._iterations.add_(1)

    def apply(self, grads, trainable_variables=None):
        """Applies `grads` (one per variable it was built on) through the sub-optimizers."""
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer must "
                                 "already be built on a list of variables. Call "
                                 "`optimizer.build(trainable_variables)` first.")
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        if len(grads) != len(self._var_to_optimizer_idx):
            raise ValueError("Gradients must match trainable variables one-to-one. Received "
                             f"{len(grads)} gradients and {len(self._var_to_optimizer_idx)} "
                             "variables.")
        grouped = [([], []) for _ in self._inner_optimizers]
        for grad, variable in zip(grads, trainable_variables):
            sub_grads, sub_vars = grouped[self._optimizer_index(variable)]
            sub_grads.append(grad)
            sub_vars.append(variable)
        for opt, (sub_grads, sub_vars) in zip(self._inner_optimizers, grouped):
            if sub_vars:
                opt.apply(sub_grads, sub_vars)
        self._iterations.add_(1)

    def finalize_variable_values(self, var_list):
        """Lets each sub-optimizer finalize its variables (its EMA, if it uses one)."""
        groups = [[] for _ in self._inner_optimizers]
        for variable in var_list:
            groups[self._optimizer_index(variable)].append(variable)
        for opt, variables in zip(self._inner_optimizers, groups):
            if variables:
                opt.finalize_variable_values(variables)

    def set_weights(self, weights):
        """Sets the own variables, then each sub-optimizer's, from one list (`variables` order)."""
        if not self.built:
            raise ValueError("Call `optimizer.build(trainable_variables)` before `set_weights()`.")
        weights = list(weights)
        if len(weights) != len(self.variables):
            raise ValueError(f"MultiOptimizer '{self.name}' has {len(self.variables)} "
                             f"variables; received {len(weights)} weights.")
        with torch.no_grad():
            for variable, weight in zip(self.variables, weights):
                variable.assign(weight)

    def get_config(self):
        """Returns the serialized map, `loss_scale_factor` and `name`."""
        return {"optimizer_map": serialization_lib.serialize_keras_object(self._optimizer_map),
                "loss_scale_factor": self.loss_scale_factor, "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Creates the optimizer from `get_config()`'s output."""
        config = dict(config)
        optimizer_map = config["optimizer_map"]
        if isinstance(optimizer_map, dict):
            optimizer_map = serialization_lib.deserialize_keras_object(
                optimizer_map, custom_objects=custom_objects,
                module_objects={"OptimizerMap": OptimizerMap})
        config["optimizer_map"] = optimizer_map
        return cls(**config)
