"""`LossScaleOptimizer`: dynamic loss scaling for float16 training around another optimizer."""

import torch

from cornu.optimizers.base_optimizer import Optimizer
from cornu.saving import serialization_lib

_BASE_ARGS = ("weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema",
              "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
              "gradient_accumulation_steps")


class LossScaleOptimizer(Optimizer):
    """Scales the loss up, unscales gradients, and skips steps with non-finite gradients.

    On a step with a non-finite gradient the update is skipped and the scale halved; after
    `dynamic_growth_steps` finite steps in a row the scale is doubled. The scale and its
    counter live on the weights' device and are updated there; deciding whether to skip
    reads one flag back to the host per step (as `torch.amp.GradScaler` does).

    Args:
        inner_optimizer: the `Optimizer` to wrap.
        initial_scale: the starting loss scale.
        dynamic_growth_steps: finite steps between doublings of the scale.
        name: the optimizer's name.
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer does not support `dynamic=False`; set "
                             "`loss_scale_factor` on the inner optimizer instead.")
        for arg in _BASE_ARGS:
            if arg in kwargs and kwargs.pop(arg) not in (None, False, 0.99):
                raise ValueError(f"LossScaleOptimizer does not support `{arg}`; set it on "
                                 "the `inner_optimizer` instead.")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer does not support arguments: {sorted(kwargs)}.")
        if not isinstance(inner_optimizer, Optimizer):
            raise ValueError("Argument `inner_optimizer` must be an `Optimizer` instance. "
                             f"Received: inner_optimizer={inner_optimizer!r}")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        self.inner_optimizer.loss_scale_factor = None

    def build(self, variables):
        if self.built:
            return
        variables = list(variables)
        device = variables[0].device if variables else "cpu"
        self.step_counter = self.add_variable((), "zeros", torch.int32, "step_counter", device)
        self.dynamic_scale = self.add_variable((), float(self.initial_scale), torch.float32,
                                               "dynamic_scale", device)
        self.inner_optimizer.build(variables)
        super().build(variables)

    @property
    def variables(self):
        return list(self._variables) + self.inner_optimizer.variables

    def step(self, variables):
        """Unscales each `.grad` in place, then steps the inner optimizer if all are finite."""
        if not isinstance(variables, (list, tuple)):
            variables = list(variables)
        if not self.built:
            self.build([v for v in variables if v.requires_grad])
        grads = [v.grad for v in variables if v.grad is not None and v.requires_grad]
        if grads and self._unscale(grads):
            self.inner_optimizer.step(variables)

    def apply(self, grads, trainable_variables=None):
        if not self.built:
            if trainable_variables is None:
                raise ValueError("Call `build(variables)` or pass `trainable_variables`.")
            self.build(trainable_variables)
        grads = [None if g is None else torch.as_tensor(g).clone() for g in grads]
        present = [g for g in grads if g is not None]
        if present and self._unscale(present):
            self.inner_optimizer.apply(grads, trainable_variables)

    def _unscale(self, grads):
        """Unscales `grads` in place and updates the scale; returns whether they are finite."""
        with torch.no_grad():
            found_inf = torch.zeros((), device=self.dynamic_scale.device)
            inv_scale = self.dynamic_scale.double().reciprocal().float()
            for dtype in {g.dtype for g in grads}:
                group = [g for g in grads if g.dtype == dtype]
                torch._amp_foreach_non_finite_check_and_unscale_(group, found_inf, inv_scale)
            torch._amp_update_scale_(self.dynamic_scale, self.step_counter, found_inf,
                                     2.0, 0.5, self.dynamic_growth_steps)
        return not found_inf.item()

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    def scale_loss(self, loss):
        """Multiplies `loss` by the current dynamic scale."""
        scale = self.dynamic_scale if self.built else self.initial_scale
        return loss * scale

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self):
        return {"name": self.name,
                "inner_optimizer": serialization_lib.serialize_keras_object(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        inner = serialization_lib.deserialize_keras_object(
            config.pop("inner_optimizer"), custom_objects=custom_objects)
        return cls(inner, **config)
