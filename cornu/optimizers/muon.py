"""Muon: orthogonalized momentum for 2D weights, AdamW for the rest (as Keras chooses)."""

import math
import re

import torch

from cornu.optimizers.adam import adam_update
from cornu.optimizers.base_optimizer import Optimizer


def _path(variable):
    return str(getattr(variable, "path", None) or getattr(variable, "name", None) or "")


class Muon(Optimizer):
    """Muon (MomentUm Orthogonalized by Newton-Schulz), with an AdamW step for some weights.

    A weight uses the AdamW step if it is not 2D, if `exclude_embeddings` and its path
    contains "embedding" (case-insensitive), or if any `exclude_layers` regular expression
    is found in its path (`re.search`); every other weight uses the Muon step:
    `m = momentum * m + g`; `u = g + momentum * m` (nesterov) or `m`; `u` is orthogonalized
    by `ns_steps` Newton-Schulz iterations with coefficients `muon_a, muon_b, muon_c`, and
    `w -= lr * u * sqrt(max(rows, cols)) * rms_rate` (without the scale if `rms_rate` is
    None). The AdamW step is Adam with rate `lr * adam_lr_ratio`. Before each update,
    Muon weights decay by `weight_decay` and AdamW weights by `adam_weight_decay`
    (`w -= w * decay * lr`). Typically pass the output layer's name in `exclude_layers`.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable. Defaults to 0.001.
        adam_beta_1: decay rate of the AdamW step's first-moment estimates.
        adam_beta_2: decay rate of the AdamW step's second-moment estimates.
        adam_weight_decay: weight decay of the weights using the AdamW step, or None.
        epsilon: small constant for numerical stability of the AdamW step.
        weight_decay: weight decay of the weights using the Muon step, or None.
        exclude_layers: list of regular expressions; weights whose path matches one use AdamW.
        exclude_embeddings: whether weights with "embedding" in their path use AdamW.
        muon_a: Newton-Schulz coefficient `a`.
        muon_b: Newton-Schulz coefficient `b`.
        muon_c: Newton-Schulz coefficient `c`.
        adam_lr_ratio: the AdamW step's learning rate as a multiple of `learning_rate`.
        momentum: the Muon step's momentum.
        ns_steps: number of Newton-Schulz iterations.
        nesterov: whether the Muon step uses Nesterov momentum.
        rms_rate: scale of the Muon update (Liu et al., 2025), or None for no scaling.
        **kwargs: the other base `Optimizer` arguments (`clipnorm`, `use_ema`, ...).
    """

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999,
                 adam_weight_decay=0.004, epsilon=1e-7, weight_decay=0.004, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, exclude_layers=None,
                 exclude_embeddings=True, muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315,
                 adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True, rms_rate=0.2,
                 **kwargs):
        super().__init__(
            learning_rate, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
            global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        if exclude_layers is not None and (
                isinstance(exclude_layers, str) or not all(isinstance(k, str)
                                                           for k in exclude_layers)):
            raise ValueError("Argument `exclude_layers` must be a list of strings (regular "
                             f"expressions). Received: exclude_layers={exclude_layers!r}")
        if isinstance(ns_steps, bool) or not isinstance(ns_steps, int) or ns_steps < 0:
            raise ValueError(
                f"Argument `ns_steps` must be an integer >= 0. Received: ns_steps={ns_steps!r}")
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.epsilon = epsilon
        self.muon_a = muon_a
        self.muon_b = muon_b
        self.muon_c = muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = list(exclude_layers or [])
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate

    def _should_use_adamw(self, variable):
        """Whether `variable` gets the AdamW step rather than the Muon step."""
        if len(variable.shape) != 2:
            return True
        path = _path(variable)
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(keyword, path) for keyword in self.exclude_layers)

    def build(self, variables):
        if self.built:
            return
        variables = list(variables)
        super().build(variables)
        # Per weight: its momentum, then (AdamW weights only) its velocity, as Keras orders them.
        self.momentums, self.adam_velocities = [], []
        for variable in variables:
            self.momentums.append(self.add_variable_from_reference(variable, "momentum"))
            self.adam_velocities.append(
                self.add_variable_from_reference(variable, "velocity")
                if self._should_use_adamw(variable) else None)
        self._slot_lists["momentum"] = self.momentums
        self._slot_lists["velocity"] = self.adam_velocities

    def _refresh_cache(self, key, params):
        super()._refresh_cache(key, params)
        self._cache_decay = []  # Muon decays each kind of weight by its own rate (in _update).
        adam = [v is not None for v in self._cache_slots["velocity"]]
        self._cache_adam = adam
        self._cache_muon_decay = [p for p, a in zip(params, adam)
                                  if not a and self._use_weight_decay(p)]
        self._cache_adam_decay = [p for p, a in zip(params, adam)
                                  if a and self._use_weight_decay(p)]

    def _update(self, params, grads, slots, lr, step):
        for decayed, rate in ((self._cache_muon_decay, self.weight_decay),
                              (self._cache_adam_decay, self.adam_weight_decay)):
            if decayed and rate is not None:
                torch._foreach_mul_(decayed, 1.0 - rate * lr)
        adam_params, adam_grads, adam_m, adam_v = [], [], [], []
        for p, g, m, v, is_adam in zip(params, grads, slots["momentum"], slots["velocity"],
                                       self._cache_adam):
            if is_adam:
                adam_params.append(p), adam_grads.append(g), adam_m.append(m), adam_v.append(v)
            else:
                self._muon_update_step(g, p, lr, m)
        if adam_params:
            self._adamw_update(adam_params, adam_grads, adam_m, adam_v,
                               lr * self.adam_lr_ratio, step)

    def _adamw_update(self, params, grads, momentums, velocities, lr, step):
        adam_update(params, grads, momentums, velocities, lr, step, self.adam_beta_1,
                    self.adam_beta_2, self.epsilon)

    def _muon_update_step(self, gradient, variable, lr, m):
        m.mul_(self.momentum).add_(gradient)
        g = gradient + self.momentum * m if self.nesterov else m
        update = self.zeropower_via_newtonschulz5(g, self.ns_steps)
        variable.sub_(self.lr_adjust(lr * update))

    def lr_adjust(self, x):
        """Scales a 2D update by `sqrt(max(rows, cols)) * rms_rate` (unless `rms_rate` is None)."""
        if self.rms_rate is None:
            return x
        return x * math.sqrt(max(x.shape[0], x.shape[1])) * self.rms_rate

    def zeropower_via_newtonschulz5(self, x, steps):
        """Approximately orthogonalizes `x` (its last two axes) by quintic Newton-Schulz steps.

        Args:
            x: a tensor of rank >= 2.
            steps: the number of iterations.
        """
        if x.ndim < 2:
            raise ValueError("Expected gradient or momentum to have at least 2 dimensions. "
                             f"Received: shape={tuple(x.shape)}")
        a, b, c = self.muon_a, self.muon_b, self.muon_c
        tall = x.shape[-2] > x.shape[-1]
        if tall:
            x = x.transpose(-2, -1)
        x = x / (torch.linalg.matrix_norm(x, keepdim=True) + 1e-7)
        for _ in range(steps):
            gram = x @ x.transpose(-2, -1)
            poly = b * gram + (c * gram) @ gram
            x = a * x + poly @ x
        if tall:
            x = x.transpose(-2, -1)
        return x

    def get_config(self):
        config = super().get_config()
        config.update({
            "adam_beta_1": self.adam_beta_1, "adam_beta_2": self.adam_beta_2,
            "epsilon": self.epsilon, "exclude_layers": self.exclude_layers,
            "muon_a": self.muon_a, "muon_b": self.muon_b, "muon_c": self.muon_c,
            "adam_lr_ratio": self.adam_lr_ratio, "momentum": self.momentum,
            "ns_steps": self.ns_steps, "nesterov": self.nesterov,
            "exclude_embeddings": self.exclude_embeddings,
            "adam_weight_decay": self.adam_weight_decay, "rms_rate": self.rms_rate,
        })
        return config
