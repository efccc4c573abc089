"""`Optimizer`: the base class of cornu's optimizers, with Keras 3's arguments and state.

Model weights are any `torch.nn.Parameter`s (or tensors). The optimizer's own state
(`iterations`, `learning_rate` and per-weight slots such as `momentum`) are cornu
`Variable`s, listed by `variables` in Keras's order and with Keras's names, so saved
optimizer state lines up with Keras's.

The step counter and a float learning rate live on the CPU, so hyperparameters (learning
rate, bias corrections) are computed as Python floats and no update reads a value back
from the accelerator. Updates use `torch._foreach_*` kernels over all weights at once.
"""

import numbers
import re
import warnings

import torch

from cornu.optimizers import argument_checks, clipping
from cornu.optimizers.schedules.learning_rate_schedule import LearningRateSchedule
from cornu.saving import serialization_lib
from cornu.utils import naming

_LEGACY_CONFIG_KEYS = ("jit_compile", "is_legacy_optimizer")


def _make_variable(value, name, path):
    from cornu.backend.variable import Variable

    return Variable(value, trainable=False, name=name, path=path)


def _initial_value(initializer, shape, dtype, device):
    if isinstance(initializer, str) and initializer in ("zeros", "ones"):
        fill = 0.0 if initializer == "zeros" else 1.0
        return torch.full(tuple(shape), fill, dtype=dtype, device=device)
    if isinstance(initializer, numbers.Number):
        return torch.full(tuple(shape), float(initializer), dtype=dtype, device=device)
    if callable(initializer):
        return torch.as_tensor(initializer(tuple(shape), dtype=dtype)).to(device=device, dtype=dtype)
    raise ValueError(
        "Argument `initializer` must be 'zeros', 'ones', a number or a callable "
        f"`(shape, dtype) -> tensor`. Received: initializer={initializer!r}")


class Optimizer:
    """Base class for optimizers.

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable taking no
            arguments and returning the rate.
        weight_decay: if set, decoupled weight decay: each step, before the update,
            `var -= var * weight_decay * learning_rate`.
        clipnorm: if set, each gradient is clipped so that its norm is at most this.
        clipvalue: if set, each gradient element is clipped to `[-clipvalue, clipvalue]`.
        global_clipnorm: if set, all gradients are scaled together so that their global
            norm is at most this.
        use_ema: whether to keep an exponential moving average of the weights.
        ema_momentum: the EMA's momentum (`average = m * average + (1 - m) * var`).
        ema_overwrite_frequency: if set, every this many steps the weights are overwritten
            with their average; otherwise call `finalize_variable_values()` at the end.
        loss_scale_factor: if set, `scale_loss()` multiplies the loss by it and gradients
            are divided by it before use.
        gradient_accumulation_steps: if set (an int >= 2), gradients are accumulated and
            the weights updated with their mean every this many steps.
        name: the optimizer's name; prefixes its variables' paths.
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if "lr" in kwargs:
            warnings.warn("Argument `lr` is deprecated; use `learning_rate` instead.",
                          DeprecationWarning, stacklevel=3)
            learning_rate = kwargs.pop("lr")
        self.decay = kwargs.pop("decay", None)
        if self.decay is not None:
            warnings.warn("Argument `decay` is deprecated; use a "
                          "`keras.optimizers.schedules.InverseTimeDecay` schedule instead.",
                          DeprecationWarning, stacklevel=3)
            argument_checks.check_optional_non_negative("decay", self.decay)
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {sorted(kwargs)}.")
        argument_checks.check_base_arguments(
            weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
            global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency, loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps)
        self.name = name or naming.auto_name(type(self).__name__)
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._variables = []
        self._trainable_variables = []
        self._index = {}
        self._slot_lists = {}
        self._exclude_ids = set()
        self._exclude_pattern = None
        self._cache_key = None
        self._iterations = self._track(_make_variable(
            torch.zeros((), dtype=torch.int64), "iteration", f"{self.name}/iteration"))
        self._learning_rate = self._make_learning_rate(learning_rate)

    # ----------------------------------------------------------------- variables

    def _track(self, variable):
        self._variables.append(variable)
        return variable

    def _make_learning_rate(self, learning_rate):
        if isinstance(learning_rate, LearningRateSchedule):
            return learning_rate
        if isinstance(learning_rate, torch.Tensor) and learning_rate.numel() == 1:
            learning_rate = float(learning_rate)
        elif callable(learning_rate):
            return learning_rate
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, numbers.Real):
            raise ValueError(
                "Argument `learning_rate` must be a float, a `LearningRateSchedule` or a "
                f"callable returning the rate. Received: learning_rate={learning_rate!r}")
        value = torch.tensor(float(learning_rate), dtype=torch.float32)
        return self._track(_make_variable(value, "learning_rate", f"{self.name}/learning_rate"))

    @property
    def variables(self):
        """The optimizer's state variables, in Keras's order."""
        return list(self._variables)

    @property
    def iterations(self):
        """The step counter: an int64 CPU `Variable` (`int()`, `.numpy()`, `.assign()`)."""
        if self.gradient_accumulation_steps:
            return self._iterations // self.gradient_accumulation_steps
        return self._iterations

    def add_variable(self, shape, initializer="zeros", dtype=None, name=None, device="cpu"):
        """Creates and tracks an optimizer variable.

        Args:
            shape: the variable's shape.
            initializer: "zeros", "ones", a number, or a callable `(shape, dtype)`.
            dtype: a torch dtype; defaults to float32.
            name: the variable's name.
            device: where the variable lives; defaults to the CPU.
        """
        name = name or "variable"
        value = _initial_value(initializer, shape, dtype or torch.float32, device)
        return self._track(_make_variable(value, name, f"{self.name}/{name}"))

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """Creates a variable shaped like `reference_variable`, on its device and dtype.

        It is named `{reference path with "/" as "_"}_{name}`, as in Keras.

        Args:
            reference_variable: the model weight the slot belongs to.
            name: the slot's name (e.g. "momentum").
            initializer: "zeros", "ones", a number, or a callable `(shape, dtype)`.
        """
        ref_name = (getattr(reference_variable, "path", None)
                    or getattr(reference_variable, "name", None)
                    or f"variable_{self._index.get(id(reference_variable), 0)}")
        full_name = f"{str(ref_name).replace('/', '_').replace(':', '_')}_{name or 'var'}"
        value = _initial_value(initializer, reference_variable.shape, reference_variable.dtype,
                               reference_variable.device)
        return self._track(_make_variable(value, full_name, f"{self.name}/{full_name}"))

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """Creates one slot per weight for each name, interleaved per weight as Keras does.

        Args:
            trainable_variables: the model weights.
            name: a slot name, or a list of names.
            initializer: one initializer, or one per name.

        Returns:
            A list of slots (one name) or a tuple of lists (several names).
        """
        names = [name] if isinstance(name, str) else list(name)
        inits = initializer if isinstance(initializer, (list, tuple)) else [initializer] * len(names)
        if len(inits) != len(names):
            raise ValueError(f"Got {len(names)} names but {len(inits)} initializers: "
                             f"name={name!r}, initializer={initializer!r}")
        lists = tuple([] for _ in names)
        for variable in trainable_variables:
            for slots, slot_name, init in zip(lists, names, inits):
                # A weight the gradient overwrites needs no slot: None, as in Keras.
                slots.append(None if getattr(variable, "overwrite_with_gradient", False)
                             else self.add_variable_from_reference(variable, slot_name, init))
        for slot_name, slots in zip(names, lists):
            self._slot_lists[slot_name] = slots
        return lists[0] if isinstance(name, str) else lists

    def build(self, variables):
        """Creates the optimizer's state for `variables` (the trainable model weights).

        Args:
            variables: list of weights the optimizer will update.
        """
        variables = list(variables)
        self._trainable_variables = variables
        self._index = {id(v): i for i, v in enumerate(variables)}
        if self.use_ema:
            self._averages = self.add_optimizer_variables(variables, "average")
        if self.gradient_accumulation_steps:  # for every weight, overwritten ones too
            self._accumulators = [self.add_variable_from_reference(v, "gradient_accumulator")
                                  for v in variables]
            self._slot_lists["gradient_accumulator"] = self._accumulators
        self._cache_key = None
        self.built = True

    def _get_variable_index(self, variable):
        return self._index[id(variable)]

    # ------------------------------------------------------------ learning rate

    def _iteration_count(self):
        return int(self._iterations)

    def _current_learning_rate(self, iteration=None):
        iteration = self._iteration_count() if iteration is None else iteration
        lr = self._learning_rate
        if isinstance(lr, torch.Tensor):
            value = lr.item()
        elif isinstance(lr, LearningRateSchedule):
            value = float(lr(iteration))
        else:
            value = float(lr())
        if self.decay:
            value = value / (1.0 + self.decay * iteration)
        return value

    @property
    def learning_rate(self):
        """The learning rate.

        With a float rate this is the `learning_rate` Variable itself, so callbacks can
        `float()` it or `.assign()` to it. With a schedule, a callable or legacy `decay`,
        it is the current rate as a Python float. Assigning a number sets the rate;
        assigning a schedule or callable replaces it.
        """
        if isinstance(self._learning_rate, torch.Tensor) and not self.decay:
            return self._learning_rate
        return self._current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, LearningRateSchedule) or (
                callable(value) and not isinstance(value, torch.Tensor)):
            if isinstance(self._learning_rate, torch.Tensor):
                self._variables = [v for v in self._variables if v is not self._learning_rate]
            self._learning_rate = value
        elif isinstance(self._learning_rate, torch.Tensor):
            with torch.no_grad():
                self._learning_rate.fill_(float(value))
        else:
            raise TypeError(
                "This optimizer was created with a schedule or callable `learning_rate`, so "
                "its learning rate cannot be set to a number. Create it with a float "
                "`learning_rate` to make it settable.")

    # -------------------------------------------------------------- weight decay

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Excludes weights from weight decay; call before the optimizer is built.

        Args:
            var_list: weights to exclude.
            var_names: strings; a weight whose name contains any of them is excluded.
        """
        if self.built:
            raise ValueError(
                "`exclude_from_weight_decay()` can only be configured before the optimizer is built.")
        self._exclude_ids = {id(v) for v in var_list or ()}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _use_weight_decay(self, variable):
        if id(variable) in self._exclude_ids:
            return False
        if self._exclude_pattern is not None:
            name = getattr(variable, "name", None) or getattr(variable, "path", None) or ""
            if self._exclude_pattern.search(str(name)):
                return False
        return True

    # ------------------------------------------------------------------ updates

    def step(self, variables):
        """Applies one update from each weight's `.grad` (the trainer's fast path).

        Weights whose `.grad` is None or that do not require grad are skipped. Builds the
        optimizer on the first call. Nothing is read back from the accelerator.

        Args:
            variables: the trainable weights (a list of Parameters).
        """
        if not isinstance(variables, (list, tuple)):
            variables = list(variables)
        params, grads = [], []
        for v in variables:
            g = v.grad
            if g is not None and v.requires_grad:
                params.append(v)
                grads.append(g if g.dtype == v.dtype else g.to(v.dtype))
        if not params:
            return
        if not self.built:
            self.build([v for v in variables if v.requires_grad])
        with torch.no_grad():
            self._apply_update(params, grads)

    def apply_gradients(self, grads_and_vars):
        """Applies `(gradient, variable)` pairs; returns `iterations`.

        Args:
            grads_and_vars: iterable of `(gradient, variable)` pairs.
        """
        grads, variables = zip(*grads_and_vars)
        self.apply(grads, variables)
        return self.iterations

    def apply(self, grads, trainable_variables=None):
        """Applies `grads` to `trainable_variables` (or to the variables it was built on).

        Args:
            grads: list of gradients (tensors, arrays or None), one per variable.
            trainable_variables: the variables; needed on the first call unless built.
        """
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `trainable_variables`, the "
                                 "optimizer must already be built: call `build(variables)` first.")
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError(f"Expected one gradient per variable: received {len(grads)} "
                             f"gradients for {len(trainable_variables)} variables.")
        if not self.built:
            self.build(trainable_variables)
        params, tensors, missing = [], [], []
        for g, v in zip(grads, trainable_variables):
            if g is None:
                missing.append(getattr(v, "path", None) or getattr(v, "name", None) or "variable")
                continue
            params.append(v)
            tensors.append(torch.as_tensor(g).to(device=v.device, dtype=v.dtype))
        if not params:
            raise ValueError("No gradients provided for any variable.")
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the loss.")
        with torch.no_grad():
            self._apply_update(params, tensors)

    def _refresh_cache(self, key, params):
        try:
            indices = [self._index[k] for k in key]
        except KeyError:
            raise ValueError(
                f"Optimizer '{self.name}' was built on {len(self._trainable_variables)} variables "
                "and received a variable it does not know. Build it on all the variables it "
                "will update.") from None
        self._cache_slots = {name: [slots[i] for i in indices]
                             for name, slots in self._slot_lists.items()}
        self._cache_overwrite = [i for i, p in enumerate(params)
                                 if getattr(p, "overwrite_with_gradient", False)]
        self._cache_decay = ([p for i, p in enumerate(params) if self._use_weight_decay(p)
                              and i not in self._cache_overwrite] if self.weight_decay else [])
        self._cache_constrained = [p for p in params if getattr(p, "constraint", None) is not None]
        self._cache_key = key

    def _apply_update(self, params, grads):
        key = tuple(map(id, params))
        if key != self._cache_key:
            self._refresh_cache(key, params)
        slots = self._cache_slots
        iteration = self._iteration_count()
        accumulate = self.gradient_accumulation_steps
        if self._cache_overwrite:  # before unscaling, as Keras
            params, grads, slots = self._overwrite_with_gradients(params, grads, slots, iteration)
        if self.loss_scale_factor is not None and grads:
            grads = torch._foreach_div(grads, self.loss_scale_factor)
        is_update_step = True
        if accumulate:
            acc = slots["gradient_accumulator"]
            if (iteration + 1) % accumulate:
                torch._foreach_add_(acc, grads)
                is_update_step = False
            else:
                grads = torch._foreach_add(grads, acc)
                torch._foreach_div_(grads, accumulate)
        if is_update_step and params:
            grads = self._clip_gradients(grads)
            lr = self._current_learning_rate(iteration)
            if self._cache_decay:
                torch._foreach_mul_(self._cache_decay, 1.0 - self.weight_decay * lr)
            local_step = (iteration // accumulate if accumulate else iteration) + 1
            self._update(params, grads, slots, lr, local_step)
            if accumulate:
                torch._foreach_zero_(acc)
        if self.use_ema:
            self._update_moving_average(iteration // accumulate if accumulate else iteration)
        for p in self._cache_constrained:
            p.copy_(p.constraint(p))
        self._iterations.add_(1)

    def _overwrite_with_gradients(self, params, grads, slots, iteration):
        """Variables marked `overwrite_with_gradient` (e.g. float8 scale histories) take
        their gradient as their new value, as in Keras: with gradient accumulation, the
        largest gradient of the accumulated steps. Returns what is left to update."""
        marked = self._cache_overwrite
        steps = self.gradient_accumulation_steps
        for i in marked:
            variable, gradient = params[i], grads[i]
            if not steps:
                variable.copy_(gradient)
                continue
            accumulator = slots["gradient_accumulator"][i]
            if (iteration + 1) % steps:
                torch.maximum(gradient, accumulator, out=accumulator)
            else:
                variable.copy_(torch.maximum(gradient, accumulator))
                accumulator.zero_()
        keep = [i for i in range(len(params)) if i not in marked]
        return ([params[i] for i in keep], [grads[i] for i in keep],
                {name: [lst[i] for i in keep] for name, lst in slots.items()})

    def _clip_gradients(self, grads):
        if self.clipnorm:
            return clipping.clip_by_norm(grads, self.clipnorm)
        if self.global_clipnorm:
            return clipping.clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue:
            return clipping.clip_by_value(grads, self.clipvalue)
        return grads

    def _update(self, params, grads, slots, lr, step):
        """Updates `params` in place (subclasses override with foreach kernels).

        Args:
            params: the weights to update.
            grads: their gradients (already unscaled, accumulated and clipped).
            slots: dict of slot name to the list of slots aligned with `params`.
            lr: the learning rate for this step (a float).
            step: the 1-based step number used for bias corrections.
        """
        for g, p in zip(grads, params):
            self.update_step(g, p, lr)

    def update_step(self, gradient, variable, learning_rate):
        """Updates one variable; override this (Keras-style) or `_update` (foreach)."""
        raise NotImplementedError(f"{type(self).__name__} must implement `update_step` or `_update`.")

    def assign(self, variable, value):
        """Sets `variable` to `value` in place."""
        with torch.no_grad():
            variable.copy_(value)

    def assign_add(self, variable, value):
        """Adds `value` to `variable` in place."""
        with torch.no_grad():
            variable.add_(value)

    def assign_sub(self, variable, value):
        """Subtracts `value` from `variable` in place."""
        with torch.no_grad():
            variable.sub_(value)

    # ---------------------------------------------------------------------- EMA

    def _update_moving_average(self, iteration):
        momentum = self.ema_momentum if iteration != 0 else 0.0
        averaged, averages = self._averaged_pairs(self._trainable_variables)
        torch._foreach_lerp_(averages, averaged, 1.0 - momentum)
        frequency = self.ema_overwrite_frequency
        if frequency and (iteration + 1) % frequency == 0:
            torch._foreach_copy_(averaged, averages)

    def _averaged_pairs(self, variables):
        """The weights that have a moving average, and their averages."""
        pairs = [(v, a) for v, a in zip(variables, self._averages) if a is not None]
        return [v for v, _ in pairs], [a for _, a in pairs]

    def finalize_variable_values(self, var_list):
        """With `use_ema`, overwrites `var_list` with their moving averages.

        Args:
            var_list: the model weights, in the order the optimizer was built with.
        """
        if not self.use_ema:
            return
        var_list = list(var_list)
        if len(var_list) != len(self._averages):
            raise ValueError(f"Expected {len(self._averages)} variables to finalize, "
                             f"received {len(var_list)}.")
        with torch.no_grad():
            torch._foreach_copy_(*self._averaged_pairs(var_list))

    def scale_loss(self, loss):
        """Multiplies `loss` by `loss_scale_factor` (if set) before computing gradients."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    # ---------------------------------------------------------------- saving

    def set_weights(self, weights):
        """Sets the optimizer's variables from a list of arrays (in `variables` order)."""
        if not self.built:
            raise ValueError("Call `optimizer.build(trainable_variables)` before `set_weights()`.")
        for variable, weight in zip(self._variables, weights):
            variable.assign(weight)

    def save_own_variables(self, store):
        """Writes each of `variables` to `store["0"]`, `store["1"]`, ... (as Keras does)."""
        for i, variable in enumerate(self.variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        """Reads the variables back from `save_own_variables()`'s store."""
        variables = self.variables
        if len(store.keys()) != len(variables):
            warnings.warn(f"Skipping variable loading for optimizer '{self.name}': it has "
                          f"{len(variables)} variables but the saved optimizer has "
                          f"{len(store.keys())}.", stacklevel=2)
            return
        for i, variable in enumerate(variables):
            variable.assign(store[str(i)])

    def get_config(self):
        """Returns the optimizer's constructor arguments as a JSON-friendly dict."""
        lr = self._learning_rate
        if isinstance(lr, torch.Tensor):
            learning_rate = lr.item()
        else:
            learning_rate = serialization_lib.serialize_keras_object(lr)
        config = {
            "name": self.name, "learning_rate": learning_rate,
            "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
            "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }
        if self.decay is not None:
            config["decay"] = self.decay
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Creates an optimizer from `get_config()`'s output.

        Args:
            config: the config dict.
            custom_objects: dict of custom classes (e.g. schedules) by name.
        """
        config = {k: v for k, v in config.items() if k not in _LEGACY_CONFIG_KEYS}
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = serialization_lib.deserialize_keras_object(
                config["learning_rate"], custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"
