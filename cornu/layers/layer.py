"""`Layer`: a `torch.nn.Module` with Keras's semantics.

Keras's contract (lazy `build`, `call`, `add_weight`, `weights`, `trainable`, configs, masks,
`training` propagation, symbolic calls that record graph nodes) on top of a module that
plain PyTorch code can use as it is.
"""

import contextlib
import functools
import inspect
import math
import threading

import numpy as np
import torch

from cornu import activations  # noqa: F401  (re-exported convenience for subclasses)
from cornu import constraints, initializers, regularizers
from cornu import dtype_policies
from cornu.backend import remat, symbolic
from cornu.backend.config import device as default_device
from cornu.backend.keras_tensor import KerasTensor
from cornu.backend.variable import Variable, make_variable
from cornu.layers.input_spec import InputSpec, assert_input_compatibility  # noqa: F401
from cornu.layers.node import Node
from cornu.utils import naming, tree
from cornu.utils.dtypes import dtype_name, numpy_to_tensor, tensor_to_numpy, to_torch_dtype

_ctx = threading.local()
_BASE_CONFIG_KEYS = ("name", "trainable", "dtype")
_INPUT_SHAPE_KWARGS = ("input_shape", "input_dim", "batch_input_shape", "batch_size",
                       "input_length")


def current_training():
    """The `training` value set by the innermost enclosing layer call (None outside)."""
    return getattr(_ctx, "training", None)


def current_device():
    """The device of the innermost enclosing layer call's inputs (None outside a call).

    Ops that create tensors from a shape alone (`cornu.random.normal`, ...) put them there.
    """
    return getattr(_ctx, "device", None)


def _replaying_call_context(fn):
    """`fn`, run each time in the layer-call context of now (`training`, device, depth).

    `remat` runs a function again in the backward pass, outside the layer call that first
    ran it; the replay sees the same context, and adds no losses a second time.
    """
    training, device, depth = current_training(), current_device(), getattr(_ctx, "depth", 0)
    runs = [0]

    def replay(*args, **kwargs):
        runs[0] += 1
        saved = (current_training(), current_device(), getattr(_ctx, "depth", 0),
                 getattr(_ctx, "recomputing", False))
        _ctx.training, _ctx.device, _ctx.depth = training, device, depth
        if runs[0] > 1:
            _ctx.recomputing = True
        try:
            return fn(*args, **kwargs)
        finally:
            _ctx.training, _ctx.device, _ctx.depth, _ctx.recomputing = saved

    return replay


def _scope_path():
    return getattr(_ctx, "scope", ())


class _CallSignature:
    """What a `call` method accepts, computed once per class."""

    _cache = {}

    def __init__(self, call):
        # `call` is the unbound function: its first parameter is `self`.
        params = dict(list(inspect.signature(call).parameters.items())[1:])
        names = [n for n, p in params.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        self.first_arg = names[0] if names else None
        self.has_training = "training" in params
        self.has_mask = "mask" in params
        self.has_var_kwargs = any(p.kind == p.VAR_KEYWORD for p in params.values())
        self.names = names

    @classmethod
    def of(cls, layer_cls):
        sig = cls._cache.get(layer_cls)
        if sig is None:
            sig = cls._cache[layer_cls] = cls(layer_cls.call)
        return sig


class Layer(torch.nn.Module):
    """Base class of every layer: `__init__` for settings, `build` for weights, `call` for compute.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: a unique name; a snake_case one is generated from the class name when omitted.
        dtype: the dtype policy ("float32", "mixed_bfloat16", ...).
        activity_regularizer: a regularizer applied to the layer's output.
        autocast: cast floating inputs to the compute dtype.
        input_shape: (first layer of a Sequential) shape of one sample.
    """

    # True once any eager call has attached a mask to a tensor; until then eager calls
    # need not look for masks on their inputs.
    _masks_in_use = False
    # Layers holding losses from the current forward pass (cleared by the outermost call).
    _pending_loss_layers = []
    # Bumped whenever a weight's trainability changes (invalidates the trainer's caches).
    _trainable_version = 0
    # True once any layer has a mixed-precision policy: until then no call can be inside an
    # autocast region that a full-precision layer would have to leave.
    _mixed_in_use = False
    # The creation-time RematScope mode (None: calls are not rematerialized).
    _remat_mode = None

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        obj.__dict__["_auto_config"] = _capture_init_args(cls, args, kwargs)
        return obj

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True,
                 name=None, **kwargs):
        torch.nn.Module.__init__(self)
        input_shape_args = {k: kwargs.pop(k) for k in _INPUT_SHAPE_KWARGS if k in kwargs}
        kwargs.pop("input_spec", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        if name is not None and not isinstance(name, str):
            raise ValueError(f"Argument `name` must be a string. Received: name={name!r}")
        self.name = name or naming.auto_name(type(self).__name__)
        self._trainable = bool(trainable)
        self._dtype_policy = dtype_policies.get(dtype)
        self._compute_torch_dtype = to_torch_dtype(self._dtype_policy.compute_dtype)
        # Mixed precision: variables stay in the variable dtype; `call` runs under autocast.
        self._autocast_dtype = (self._compute_torch_dtype if self._dtype_policy.compute_dtype
                                != self._dtype_policy.variable_dtype else None)
        if self._autocast_dtype is not None:
            Layer._mixed_in_use = True
        self.autocast = autocast
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.built = False
        self.supports_masking = False
        self.input_spec = None
        self._inbound_nodes = []
        self._own_variables = []
        self._losses = []
        self._build_shapes = None
        self._signature = _CallSignature.of(type(self))
        self._fast = False
        self._batch_input_shape = _batch_input_shape_from(input_shape_args)
        # The RematScope active at creation decides how calls are rematerialized.
        self.__dict__["_remat_mode"] = remat.get_current_remat_mode()

    # ------------------------------------------------------------------ attributes

    def __setattr__(self, name, value):
        if isinstance(value, (list, tuple)) and value and all(isinstance(v, torch.nn.Module) for v in value):
            value = torch.nn.ModuleList(value)
        elif (isinstance(value, dict) and value and all(isinstance(k, str) for k in value)
              and all(isinstance(v, torch.nn.Module) for v in value.values())):
            value = torch.nn.ModuleDict(value)
        elif isinstance(value, Variable):
            params = self.__dict__.get("_parameters")
            if params is not None and name not in params:
                # A variable made by add_weight now gets the attribute's name as its key.
                for key, existing in list(params.items()):
                    if existing is value:
                        del params[key]
        super().__setattr__(name, value)

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        for layer in self._flatten_layers(include_self=True):
            layer._trainable = value
            layer._sync_requires_grad()
        Layer._trainable_version += 1

    def _sync_requires_grad(self):
        for v in self._own_variables:
            v.requires_grad_(v._trainable and self._trainable and v.is_floating_point())

    @property
    def dtype_policy(self):
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        policy = dtype_policies.get(value)
        self._dtype_policy = policy
        self._compute_torch_dtype = to_torch_dtype(policy.compute_dtype)
        self._autocast_dtype = (self._compute_torch_dtype
                                if policy.compute_dtype != policy.variable_dtype else None)
        if self._autocast_dtype is not None:
            Layer._mixed_in_use = True
        # A quantized policy set on a built float layer quantizes it, as in Keras.
        if (policy.quantization_mode is not None and self.built
                and not getattr(self, "_is_quantized", False)):
            self.quantize(policy.quantization_mode)

    @property
    def quantization_mode(self):
        """The layer's quantization mode ("int8", ...), None when it is not quantized."""
        return self._dtype_policy.quantization_mode

    def quantize(self, mode=None, type_check=True, config=None):
        """Quantizes the layer's weights (see `cornu.quantizers`); only some layers can."""
        raise self._not_implemented_error(self.quantize)

    def _not_implemented_error(self, attr, msg=None):
        kind = "method" if callable(attr) else "attribute"
        name = attr.__name__ if callable(attr) else str(attr)
        msg = f" {msg}" if msg is not None else ""
        return NotImplementedError(f"Layer {type(self).__name__} does not have a `{name}` "
                                   f"{kind} implemented.{msg}")

    def _quantization_mode_error(self, mode):
        return NotImplementedError(
            f"Invalid quantization mode. Expected one of {dtype_policies.QUANTIZATION_MODES}. "
            f"Received: quantization_mode={mode}")

    @property
    def dtype(self):
        """The dtype of the layer's variables, e.g. "float32"."""
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self):
        return self._dtype_policy.compute_dtype

    @property
    def input_dtype(self):
        """The dtype floating inputs are converted to: the compute dtype."""
        return self.compute_dtype

    @property
    def variable_dtype(self):
        return self._dtype_policy.variable_dtype

    @property
    def path(self):
        return self.name

    def _flatten_layers(self, include_self=True, recursive=True):
        """Sub-layers in attribute order (containers looked through), depth first."""
        out = [self] if include_self else []
        seen = {id(self)}

        def visit(module):
            for child in module._modules.values():
                if child is None or id(child) in seen:
                    continue
                seen.add(id(child))
                if isinstance(child, Layer):
                    out.append(child)
                    if recursive:
                        visit(child)
                else:
                    visit(child)

        visit(self)
        return out

    @property
    def _layers(self):
        return self._flatten_layers(include_self=False, recursive=False)

    def _torch_module_params(self):
        """Parameters of plain torch modules held by this layer (not inside another Layer)."""
        params = []

        def visit(module):
            for child in module._modules.values():
                if child is None or isinstance(child, Layer):
                    continue
                if isinstance(child, (torch.nn.ModuleList, torch.nn.ModuleDict)):
                    visit(child)
                else:
                    for name, p in child.named_parameters():
                        if getattr(p, "path", None) is None:
                            p.path = f"{self.name}/{name}"  # a Keras-style path for plain modules
                        params.append(p)

        visit(self)
        return params

    # ------------------------------------------------------------------ weights

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                   regularizer=None, constraint=None, aggregation="none", name=None,
                   overwrite_with_gradient=False):
        """Creates a weight of this layer and returns it (a `Variable`).

        Args:
            shape: shape tuple; `()` for a scalar.
            initializer: initializer name, object or callable; "glorot_uniform" for float
                weights and "zeros" otherwise by default.
            dtype: dtype; the layer's variable dtype by default.
            trainable: whether the optimizer updates it.
            autocast: whether mixed-precision calls cast it to the compute dtype.
            regularizer: regularizer name or object.
            constraint: constraint name or object.
            aggregation: Keras's distributed aggregation mode, kept on the variable.
            name: short name (e.g. "kernel").
            overwrite_with_gradient: whether optimizers replace the value with the
                gradient instead of applying an update (Keras's float8 scale histories).
        """
        shape = () if shape is None else tuple(shape)
        for dim in shape:
            if dim is None or (isinstance(dim, int) and dim < 0):
                raise ValueError(
                    f"Layer '{self.name}' cannot create weight '{name}' with shape {shape}: every "
                    "dimension must be a known non-negative int. Is the input's last dimension "
                    "defined?")
        dtype = to_torch_dtype(dtype or self.variable_dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtype.is_floating_point else "zeros"
        initializer = initializers.get(initializer)
        name = name or "variable"
        scope = _scope_path()
        if not scope or scope[-1] != self.name:
            scope = scope + (self.name,)
        path = "/".join(scope + (name,))
        build_device = self.__dict__.get("_build_device") or default_device()
        var = make_variable(initializer, shape, dtype, trainable, name, path, build_device)
        var.regularizer = regularizers.get(regularizer)
        var.constraint = constraints.get(constraint)
        var.autocast, var.aggregation = bool(autocast), aggregation or "none"
        var.overwrite_with_gradient = bool(overwrite_with_gradient)
        var.requires_grad_(bool(trainable) and self._trainable and dtype.is_floating_point)
        key = name if name.isidentifier() else "variable"
        if key in self._parameters or key in self.__dict__ or key in self._modules or hasattr(type(self), key):
            i = 1
            while f"{key}_{i}" in self._parameters or f"{key}_{i}" in self.__dict__:
                i += 1
            key = f"{key}_{i}"
        self.register_parameter(key, var)
        self._own_variables.append(var)
        return var

    def add_variable(self, shape, initializer, dtype=None, trainable=True, name=None, **kwargs):
        """Same as `add_weight`."""
        return self.add_weight(shape=shape, initializer=initializer, dtype=dtype,
                               trainable=trainable, name=name, **kwargs)

    def _own_trainable(self):
        return [v for v in self._own_variables if v._trainable]

    def _own_non_trainable(self):
        return [v for v in self._own_variables if not v._trainable]

    def _collect(self, select):
        out, seen = [], set()
        for v in select(self):
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        return out

    @property
    def weights(self):
        """All weights: own trainable, own non-trainable, then sub-layers' (Keras's order)."""
        def select(layer):
            yield from layer._own_trainable()
            yield from layer._own_non_trainable()
            yield from layer._torch_module_params()
            for sub in layer._layers:
                yield from sub.weights
        return self._collect(select)

    @property
    def trainable_weights(self):
        if not self._trainable:
            return []

        def select(layer):
            yield from layer._own_trainable()
            yield from (p for p in layer._torch_module_params() if p.requires_grad)
            for sub in layer._layers:
                yield from sub.trainable_weights
        return self._collect(select)

    @property
    def non_trainable_weights(self):
        if not self._trainable:
            return self.weights

        def select(layer):
            yield from layer._own_non_trainable()
            yield from (p for p in layer._torch_module_params() if not p.requires_grad)
            for sub in layer._layers:
                yield from sub.non_trainable_weights
        return self._collect(select)

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def get_weights(self):
        """The weights as a list of NumPy arrays, in `weights` order."""
        return [tensor_to_numpy(w).copy() for w in self.weights]

    def set_weights(self, weights):
        """Sets the weights from a list of arrays with Keras's shapes, in `weights` order."""
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(
                f"Layer '{self.name}' expected {len(own)} weights, but received {len(weights)} "
                f"input weights.")
        for var, value in zip(own, weights):
            if tuple(np.shape(value)) != tuple(var.shape):
                raise ValueError(
                    f"Layer '{self.name}' weight shape {tuple(var.shape)} is not compatible with "
                    f"provided weight shape {tuple(np.shape(value))}.")
        with torch.no_grad():
            for var, value in zip(own, weights):
                var.copy_(numpy_to_tensor(value).to(var.dtype))

    def save_own_variables(self, store):
        """Saves the layer's own variables (not its sub-layers') for `model.save()`.

        Override it, with `load_own_variables`, to control how a layer's state is saved.

        Args:
            store: a dict-like object; variables go under the keys "0", "1", ... in
                Keras's order (trainable, then non-trainable).
        """
        from cornu.saving.weights_layout import own_variables
        for i, variable in enumerate(own_variables(self)):
            store[str(i)] = variable

    def load_own_variables(self, store):
        """Loads the layer's own variables from `store`, as `save_own_variables` wrote them.

        Args:
            store: a dict-like object with the keys "0", "1", ... .
        """
        from cornu.saving.weights_layout import load_layer_variables
        load_layer_variables(self, store)

    def add_metric(self, *args, **kwargs):
        """Removed in Keras 3; raises an error saying what to do instead."""
        raise NotImplementedError(
            "Layer `add_metric()` method is deprecated. Add your metric in "
            "`Model.compile(metrics=[...])`, or create metric trackers in init() or build() "
            "when subclassing the layer or model, then call `metric.update_state()` whenever "
            "necessary.")

    def count_params(self):
        """The number of scalars in the layer's weights."""
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer isn't "
                "built. You can build it manually via: `layer.build(input_shape)`.")
        return int(sum(int(np.prod(tuple(w.shape))) for w in self.weights))

    # ------------------------------------------------------------------ losses

    def add_loss(self, loss):
        """Adds a scalar loss tensor, collected by `losses` and added by `fit`."""
        if getattr(_ctx, "recomputing", False):  # a rematerialized call replayed in backward
            return
        if not self._losses:
            Layer._pending_loss_layers.append(self)
        self._losses.append(loss)
        if not self.__dict__.get("_adds_losses"):
            self.__dict__["_adds_losses"] = True
            self._refresh_fast_path()

    @property
    def losses(self):
        """Losses added in the last call (activity regularizers, `add_loss`), then the
        penalties of the trainable weights' regularizers, as Keras orders them."""
        out = [loss for layer in self._flatten_layers(include_self=True) for loss in layer._losses]
        out += [v.regularizer(v) for v in self.trainable_weights
                if getattr(v, "regularizer", None) is not None]
        return out

    @staticmethod
    def _clear_losses():
        if not Layer._pending_loss_layers:  # the usual case; also keeps torch.compile graphs whole
            return
        for layer in Layer._pending_loss_layers:
            layer._losses = []
        Layer._pending_loss_layers.clear()

    # ------------------------------------------------------------------ build

    def build(self, input_shape):
        """Creates the weights, given the input shape (batch dim first, None when unknown)."""
        self.built = True

    def _maybe_build(self, args, kwargs, device=None):
        if self.built:
            return
        shapes = self._build_shapes_from_call(args, kwargs)
        if device is not None and device.type != "meta":
            self.__dict__["_build_device"] = device
        with _name_scope(self.name):
            if len(shapes) == 1:
                self.build(next(iter(shapes.values())))
            else:
                self.build(**shapes)
        self._build_shapes = shapes
        self.built = True
        self._refresh_fast_path()

    def _build_shapes_from_call(self, args, kwargs):
        build_params = [n for n in inspect.signature(self.build).parameters]
        first = args[0] if args else kwargs.get(self._signature.first_arg)
        if len(build_params) <= 1:
            key = build_params[0] if build_params else "input_shape"
            return {key: _shape_structure(first)}
        # `build(self, query_shape, value_shape)`: map `*_shape` to call arguments by name.
        bound = dict(zip(self._signature.names, args))
        bound.update(kwargs)
        shapes = {}
        for param in build_params:
            arg_name = param[:-len("_shape")] if param.endswith("_shape") else param
            if arg_name in bound and bound[arg_name] is not None:
                shapes[param] = _shape_structure(bound[arg_name])
            elif param == build_params[0]:
                shapes[param] = _shape_structure(first)
        return shapes

    def get_build_config(self):
        if self._build_shapes is None:
            return None
        shapes = {k: _to_lists(v) for k, v in self._build_shapes.items()}
        # Keras's format: one shape as-is, several (`build(query_shape, value_shape)`) nested.
        return shapes if len(shapes) == 1 else {"shapes_dict": shapes}

    def build_from_config(self, config):
        if not config:
            return
        if isinstance(config, dict) and list(config) == ["shapes_dict"]:
            config = config["shapes_dict"]
        if not isinstance(config, dict) or not all(_is_shape_structure(v) for v in config.values()):
            raise ValueError(f"Layer '{self.name}': `build_config` must map argument names to "
                             f"shapes (lists of non-negative ints or None). Received: {config!r}")
        if self.built:
            return
        shapes = {k: _to_tuples(v) for k, v in config.items()}
        with _name_scope(self.name):
            if len(shapes) == 1:
                self.build(next(iter(shapes.values())))
            else:
                self.build(**shapes)
        self._build_shapes = shapes
        self.built = True
        self._refresh_fast_path()

    def _refresh_fast_path(self):
        sig = self._signature
        # Layers holding sub-layers, and layers that add losses, take the full path: the
        # outermost call clears the previous call's losses.
        self.__dict__["_fast"] = (
            self.built and not sig.has_training and not sig.has_mask
            and not self._modules and not self.__dict__.get("_adds_losses")
            and self.activity_regularizer is None and self.input_spec is None
            and self.__dict__.get("_remat_mode") is None
            and type(self).compute_mask is Layer.compute_mask
            and not self._forward_hooks and not self._forward_pre_hooks)

    # ------------------------------------------------------------------ call

    def call(self, inputs, *args, **kwargs):
        """The layer's computation; subclasses override it."""
        raise NotImplementedError(f"Layer {type(self).__name__} does not implement `call()`.")

    def __call__(self, *args, **kwargs):
        # Fast path: a built layer on one plain tensor of its compute dtype, no options.
        if self._fast and len(args) == 1 and not kwargs:
            x = args[0]
            if type(x) is torch.Tensor and not Layer._masks_in_use:
                mixed = self._autocast_dtype
                if mixed is None:
                    if x.dtype == self._compute_torch_dtype and not (
                            Layer._mixed_in_use and torch.is_autocast_enabled(
                                _autocast_device_type(x.device))):
                        return self.call(x)
                else:  # inside its model's autocast region, a mixed layer needs nothing more
                    device_type = _autocast_device_type(x.device)
                    if (torch.is_autocast_enabled(device_type)
                            and torch.get_autocast_dtype(device_type) == mixed):
                        return self.call(x)
        return self._call_full(args, kwargs)

    def forward(self, *args, **kwargs):
        return self.__call__(*args, **kwargs)

    def _call_full(self, args, kwargs):
        if symbolic.any_symbolic((args, kwargs)):
            if self.input_spec is not None:
                first = args[0] if args else kwargs.get(self._signature.first_arg)
                assert_input_compatibility(self.input_spec, first, self.name)
            return self._symbolic_call(args, kwargs)
        args = list(args)
        sig = self._signature
        if not args and sig.first_arg in kwargs:
            args.append(kwargs.pop(sig.first_arg))
        if not args:
            raise ValueError(f"Layer '{self.name}' was called without inputs.")
        inputs = self._convert_inputs(args[0])
        args[0] = inputs
        if self.input_spec is not None:
            assert_input_compatibility(self.input_spec, inputs, self.name)
        training = kwargs.get("training")
        if training is None:
            training = current_training()
        if sig.has_training:
            if training is not None:
                kwargs["training"] = training
        else:
            kwargs.pop("training", None)
        mask = None
        if sig.has_mask:
            mask = kwargs.get("mask")
            if mask is None and Layer._masks_in_use:
                mask = _mask_of(inputs)
                if mask is not None:
                    kwargs["mask"] = mask
        elif Layer._masks_in_use and (self.supports_masking or self._computes_mask()):
            mask = _mask_of(inputs)
        outer = getattr(_ctx, "depth", 0) == 0
        previous = current_training()
        previous_device = current_device()
        _ctx.training = training
        _ctx.device = _first_device(inputs) or previous_device
        _ctx.depth = getattr(_ctx, "depth", 0) + 1
        try:
            if outer:
                self._clear_losses()
            if not self.built:
                self._maybe_build(args, kwargs, device=_first_device(inputs))
            call = self.call
            if self._remat_mode is not None:
                call = self.rematerialized_call(call, *args, **kwargs)
            with _name_scope(self.name), _autocast(self._autocast_dtype, inputs):
                outputs = call(*args, **kwargs)
            if self.activity_regularizer is not None:
                self._add_activity_loss(outputs)
            if self.supports_masking or self._computes_mask():
                out_mask = self.compute_mask(inputs, mask)
                if out_mask is not None:
                    _attach_mask(outputs, out_mask)
        finally:
            _ctx.training = previous
            _ctx.device = previous_device
            _ctx.depth -= 1
        return outputs

    def rematerialized_call(self, layer_call, *args, **kwargs):
        """Wraps `layer_call` as the layer's creation-time `RematScope` mode asks.

        Args:
            layer_call: The original `call` method of the layer.

        Returns:
            The rematerialized `call` (or `layer_call` itself when the mode does not
            apply to this layer or to these inputs).
        """
        mode = self.__dict__.get("_remat_mode")
        if not mode or not mode.mode or getattr(_ctx, "remat_sizing", False):
            return layer_call
        if mode.mode == "full":
            return remat.remat(layer_call)
        if mode.mode == "activations":
            if getattr(self, "activation", None) is None:
                return layer_call

            @functools.wraps(layer_call)
            def rematerialized_activation_call(*a, **k):
                original = self.activation
                self.activation = remat.remat(original)
                try:
                    return layer_call(*a, **k)
                finally:
                    self.activation = original

            return rematerialized_activation_call
        if mode.mode == "list_of_layers":
            return remat.remat(layer_call) if self.name in mode.layer_names else layer_call
        if mode.mode == "larger_than":
            size = self._remat_output_size(args, kwargs)
            if size and size > mode.output_size_threshold:
                return remat.remat(layer_call)
        return layer_call

    def _remat_output_size(self, args, kwargs):
        """Number of elements of the outputs for these inputs (0 when it cannot be inferred)."""
        def spec(x):
            return KerasTensor(tuple(x.shape), dtype_name(x.dtype)) if isinstance(x, torch.Tensor) else x

        key = tuple(tuple(x.shape) if isinstance(x, torch.Tensor) else None
                    for x in tree.flatten((args, kwargs)))
        cache = self.__dict__.setdefault("_remat_sizes", {})
        if key not in cache:
            _ctx.remat_sizing = True
            try:
                with torch.no_grad():
                    outputs = self.compute_output_spec(*tree.map_structure(spec, list(args)),
                                                       **tree.map_structure(spec, dict(kwargs)))
                cache[key] = sum(math.prod(d or 1 for d in o.shape) for o in tree.flatten(outputs)
                                 if isinstance(o, KerasTensor))
            except Exception:  # noqa: BLE001 - a layer that cannot infer its output is not sized
                cache[key] = 0
            finally:
                _ctx.remat_sizing = False
        return cache[key]

    def _add_activity_loss(self, outputs):
        for out in tree.flatten(outputs):
            if isinstance(out, torch.Tensor):
                batch = out.shape[0] if out.ndim else 1
                self.add_loss(self.activity_regularizer(out) / batch)

    def _computes_mask(self):
        return type(self).compute_mask is not Layer.compute_mask

    def _convert_inputs(self, inputs):
        # Under a mixed policy autocast picks each op's precision; inputs keep theirs.
        dtype = self._compute_torch_dtype if self.autocast and self._autocast_dtype is None else None
        # NumPy data goes where the layer's weights are (before build: cornu's device, as
        # Keras does); torch tensors stay where the caller put them, as in PyTorch.
        device = self._weights_device() or default_device()

        def convert(x):
            if isinstance(x, torch.Tensor):
                if dtype is not None and x.is_floating_point() and x.dtype != dtype:
                    mask = getattr(x, "_keras_mask", None)
                    x = x.to(dtype)
                    if mask is not None:
                        x._keras_mask = mask
                return x
            # String arrays stay NumPy: only text layers (TextVectorization, ...) take them.
            if isinstance(x, (np.ndarray, np.generic)) and x.dtype.kind not in "USO":
                t = torch.from_numpy(np.ascontiguousarray(x))
                if t.is_floating_point() and dtype is not None:
                    t = t.to(dtype)
                return t.to(device)
            return x

        if isinstance(inputs, (list, tuple, dict)):
            return tree.map_structure(convert, inputs)
        return convert(inputs)

    def _weights_device(self):
        for v in self._own_variables:
            return v.device
        for layer in self._layers:
            d = layer._weights_device()
            if d is not None:
                return d
        return None

    def compute_mask(self, inputs, previous_mask):
        """The output mask: the input mask when `supports_masking`, else None."""
        return previous_mask if self.supports_masking else None

    # ------------------------------------------------------------------ symbolic

    def _symbolic_call(self, args, kwargs):
        sig = self._signature
        if not args and sig.first_arg in kwargs:
            args = (kwargs.pop(sig.first_arg),)
        first = args[0]
        if not self.built:
            with _name_scope(self.name):
                try:
                    self._maybe_build(args, kwargs)
                except (ValueError, TypeError, RuntimeError, IndexError) as e:
                    raise _wrap_error(self, first, e) from e
        try:
            outputs = self.compute_output_spec(*args, **kwargs)
        except (ValueError, TypeError, RuntimeError, IndexError, NotImplementedError) as e:
            raise _wrap_error(self, first, e) from e
        self._clear_losses()
        in_mask = any(getattr(x, "_keras_mask_possible", False) for x in tree.flatten(first))
        out_mask = self._computes_mask() or (self.supports_masking and in_mask)
        for out in tree.flatten(outputs):
            if isinstance(out, KerasTensor):
                out._keras_mask_possible = out_mask
        Node(self, tuple(args), dict(kwargs), outputs)
        return outputs

    def compute_output_spec(self, *args, **kwargs):
        """Output KerasTensor(s) for symbolic inputs, without computing anything."""
        if type(self).compute_output_shape is not Layer.compute_output_shape:
            first = args[0]
            shapes = self.compute_output_shape(_shape_structure(first))
            return symbolic.shapes_to_keras_tensors(shapes, self.compute_dtype)
        return symbolic.infer_output_spec(self._call_for_inference, args, kwargs)

    def _call_for_inference(self, *args, **kwargs):
        kwargs.setdefault("training", False)
        return self._call_full(args, kwargs)

    def compute_output_shape(self, input_shape):
        """The output shape for an input shape; inferred by a symbolic run unless overridden."""
        structure = _to_tuples(input_shape)
        if isinstance(structure, tuple) and all(d is None or isinstance(d, int) for d in structure):
            inputs = KerasTensor(structure, self.compute_dtype)
        else:
            inputs = tree.map_structure(lambda s: KerasTensor(s, self.compute_dtype), structure)
        spec = symbolic.infer_output_spec(self._call_for_inference, (inputs,), {})
        return tree.map_structure(lambda t: t.shape, spec)

    def _node_tensor(self, attr):
        if not self._inbound_nodes:
            raise AttributeError(
                f"Layer '{self.name}' has never been called and thus has no defined {attr}.")
        if len(self._inbound_nodes) > 1:
            raise AttributeError(
                f"Layer '{self.name}' has multiple inbound nodes, with different {attr}s. "
                f"Use `layer._inbound_nodes[i]` to choose one.")
        node = self._inbound_nodes[0]
        if attr == "output":
            return node.outputs
        args = node.call_args
        return args[0] if args else node.outputs

    @property
    def input(self):
        """The symbolic input of the layer (when it has exactly one inbound node)."""
        return self._node_tensor("input")

    @property
    def output(self):
        """The symbolic output of the layer (when it has exactly one inbound node)."""
        return self._node_tensor("output")

    # ------------------------------------------------------------------ config

    def get_config(self):
        """The layer's constructor arguments as a JSON-friendly dict."""
        from cornu.saving.serialization_lib import serialize_keras_object

        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": serialize_keras_object(self._dtype_policy)}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        own = type(self).get_config is Layer.get_config
        auto = self.__dict__.get("_auto_config")
        if own and _init_has_own_args(type(self)):
            if auto is None:
                raise NotImplementedError(
                    f"Layer {type(self).__name__} has arguments in `__init__` that cannot be "
                    "serialized automatically; override `get_config()` to return them.")
            config.update(auto)
        return config

    @classmethod
    def from_config(cls, config):
        """Creates a layer from `get_config()`'s output."""
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = dtype_policies.get(config["dtype"])
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(
                f"Error when deserializing class '{cls.__name__}' using config={config}.\n\n"
                f"Exception encountered: {e}") from e

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    def __reduce_ex__(self, protocol):
        return torch.nn.Module.__reduce_ex__(self, protocol)


# ---------------------------------------------------------------------- helpers


class _name_scope:
    """Pushes a name on the variable-path scope, so nested weights get `outer/inner/name` paths."""

    __slots__ = ("name", "pushed")

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        scope = _scope_path()
        self.pushed = not scope or scope[-1] != self.name
        if self.pushed:
            _ctx.scope = scope + (self.name,)

    def __exit__(self, *exc):
        if self.pushed:
            _ctx.scope = _scope_path()[:-1]


def _autocast_device_type(device):
    """The autocast device type of `device`: the CPU's for meta tensors (shape inference)."""
    return device.type if device is not None and device.type != "meta" else "cpu"


def _autocast(dtype, inputs):
    """The autocast region a layer's `call` runs in: `torch.autocast` to `dtype` for a
    mixed-precision layer (unless already active), and none for a full-precision layer
    called inside one (a `dtype="float32"` head of a mixed model computes in float32)."""
    if dtype is None and not Layer._mixed_in_use:
        return contextlib.nullcontext()
    device_type = _autocast_device_type(_first_device(inputs))
    active = torch.is_autocast_enabled(device_type)
    if dtype is None:
        return torch.autocast(device_type, enabled=False) if active else contextlib.nullcontext()
    if active and torch.get_autocast_dtype(device_type) == dtype:
        return contextlib.nullcontext()
    return torch.autocast(device_type, dtype=dtype)


def _is_shape_structure(value):
    """Whether `value` is a shape (ints >= 0 or None), None, or a list / dict of shapes."""
    if value is None:
        return True
    if isinstance(value, dict):
        return all(_is_shape_structure(v) for v in value.values())
    if not isinstance(value, (list, tuple)):
        return False
    if all(d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 0)
           for d in value):
        return True
    return all(isinstance(v, (list, tuple, dict)) and _is_shape_structure(v) for v in value)


def _shape_structure(x):
    if isinstance(x, (KerasTensor, torch.Tensor, np.ndarray)):
        return tuple(x.shape)
    if isinstance(x, (list, tuple)):
        return [_shape_structure(v) for v in x]
    if isinstance(x, dict):
        return {k: _shape_structure(v) for k, v in x.items()}
    return None


def _to_lists(shape):
    if isinstance(shape, tuple):
        return list(shape)
    if isinstance(shape, list):
        return [_to_lists(s) for s in shape]
    if isinstance(shape, dict):
        return {k: _to_lists(v) for k, v in shape.items()}
    return shape


def _to_tuples(shape):
    """Turns a shape (or structure of shapes) written as lists back into tuples."""
    if isinstance(shape, (list, tuple)):
        if all(d is None or isinstance(d, int) for d in shape):
            return tuple(shape)
        return [_to_tuples(s) for s in shape]
    if isinstance(shape, dict):
        return {k: _to_tuples(v) for k, v in shape.items()}
    return shape


def _first_device(inputs):
    for x in tree.flatten(inputs):
        if isinstance(x, torch.Tensor):
            return x.device
    return None


def _mask_of(inputs):
    if isinstance(inputs, (list, tuple)):
        masks = [getattr(x, "_keras_mask", None) for x in inputs]
        return None if all(m is None for m in masks) else masks
    return getattr(inputs, "_keras_mask", None)


def _attach_mask(outputs, mask):
    Layer._masks_in_use = True
    if isinstance(outputs, (list, tuple)):
        masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(outputs)
        for out, m in zip(outputs, masks):
            if isinstance(out, torch.Tensor):
                out._keras_mask = m
    elif isinstance(outputs, torch.Tensor):
        outputs._keras_mask = mask


def _wrap_error(layer, inputs, error):
    shapes = _shape_structure(inputs)
    return type(error)(
        f"Exception encountered when calling {type(layer).__name__}.call() "
        f"(layer '{layer.name}'): {error}\n"
        f"  Received input shape: {shapes}") if isinstance(error, (ValueError, TypeError)) else \
        ValueError(f"Layer '{layer.name}' ({type(layer).__name__}) cannot take inputs of shape "
                   f"{shapes}: {error}")


def _batch_input_shape_from(args):
    if not args:
        return None
    if "batch_input_shape" in args and args["batch_input_shape"] is not None:
        return tuple(args["batch_input_shape"])
    batch = args.get("batch_size")
    if args.get("input_shape") is not None:
        shape = args["input_shape"]
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        return (batch,) + shape
    if args.get("input_dim") is not None:
        if args.get("input_length") is not None:
            return (batch, args["input_length"], args["input_dim"])
        return (batch, args["input_dim"])
    if args.get("input_length") is not None:
        return (batch, args["input_length"])
    return None


_JSON_TYPES = (type(None), bool, int, float, str)


def _json_friendly(value):
    if isinstance(value, _JSON_TYPES):
        return True
    if isinstance(value, (list, tuple)):
        return all(_json_friendly(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_friendly(v) for k, v in value.items())
    return False


_init_params_cache = {}


def _init_has_own_args(cls):
    if cls not in _init_params_cache:
        params = inspect.signature(cls.__init__).parameters
        _init_params_cache[cls] = any(
            n not in ("self", "kwargs", "args") + _BASE_CONFIG_KEYS for n in params)
    return _init_params_cache[cls]


def _capture_init_args(cls, args, kwargs):
    """The constructor arguments of a user layer, when all are JSON-friendly (else None)."""
    if cls.__module__.startswith("cornu."):
        return None
    try:
        bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
    except TypeError:
        return None
    config = {}
    for name, value in list(bound.arguments.items())[1:]:
        param = inspect.signature(cls.__init__).parameters[name]
        if param.kind == param.VAR_KEYWORD:
            config.update(value)
        elif param.kind == param.VAR_POSITIONAL:
            if value:
                return None
        else:
            config[name] = value
    for key in _BASE_CONFIG_KEYS:
        config.pop(key, None)
    return config if _json_friendly(config) else None
