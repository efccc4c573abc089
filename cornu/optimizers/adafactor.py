"""Adafactor: second moments kept as row and column factors for weights of rank >= 2."""

import math

import torch

from cornu.optimizers.base_optimizer import Optimizer, _make_variable


def _rms(x):
    return torch.sqrt(torch.mean(torch.square(x)))


class Adafactor(Optimizer):
    """Adafactor (Shazeer & Stern, 2018, arXiv:1804.04235).

    For a weight of rank >= 2 the squared gradients (plus `epsilon_1`) are averaged into a
    row factor `r` (over the last axis) and a column factor `c` (over the second-to-last
    axis), with decay `beta_2_t = 1 - t**beta_2_decay`; the second moment is then
    `v = r / mean(r) (x) c`. Weights of rank 0 or 1 keep a full moving average `v`.
    The step is `u = g / sqrt(v)`, shrunk so that `rms(u) <= clip_threshold`, and scaled by
    `max(epsilon_2, rms(w)) * min(lr, 1 / sqrt(t))`.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable. Defaults to 0.001.
        beta_2_decay: exponent of the second-moment decay schedule.
        epsilon_1: added to the squared gradients, keeping the denominator above 0.
        epsilon_2: lower bound of the weight scale, so that small weights still move.
        clip_threshold: bound on the root mean square of each update (independent of
            `clipnorm`, `clipvalue` and `global_clipnorm`).
        relative_step: kept in the config as Keras does; the step size is
            `min(lr, 1 / sqrt(t))` whatever its value, as in Keras.
        **kwargs: the base `Optimizer` arguments (`weight_decay`, `clipnorm`, ...).
    """

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._r, self._c, self._v = [], [], []
        for i, variable in enumerate(variables):
            name = getattr(variable, "name", None) or f"variable_{i}"
            shape = tuple(variable.shape)
            if len(shape) < 2:
                # Unused placeholders, kept so that the variable list (and saved optimizer
                # state) lines up with Keras's.
                for factors in (self._r, self._c):
                    factors.append(self._track(_make_variable(
                        torch.zeros((), dtype=torch.int32), name, name)))
            else:
                where = {"dtype": variable.dtype, "device": variable.device}
                self._r.append(self.add_variable(shape[:-1], name=name, **where))
                self._c.append(self.add_variable(shape[:-2] + shape[-1:], name=name, **where))
            self._v.append(self.add_variable_from_reference(variable, "velocity"))
        self._slot_lists.update({"r": self._r, "c": self._c, "velocity": self._v})

    def _update(self, params, grads, slots, lr, step):
        rho = min(lr, 1 / math.sqrt(step))
        beta_2 = 1 - step ** self.beta_2_decay
        for p, g, r, c, v in zip(params, grads, slots["r"], slots["c"], slots["velocity"]):
            alpha = torch.clamp(_rms(p), min=self.epsilon_2) * rho
            squared = torch.square(g).add_(self.epsilon_1)
            if p.dim() >= 2:
                r.mul_(beta_2).add_(squared.mean(dim=-1), alpha=1 - beta_2)
                c.mul_(beta_2).add_(squared.mean(dim=-2), alpha=1 - beta_2)
                row = r / r.mean(dim=-1, keepdim=True)
                v.copy_(row.unsqueeze(-1) * c.unsqueeze(-2))
            else:
                v.mul_(beta_2).add_(squared, alpha=1 - beta_2)
            u = g / torch.sqrt(v)
            u.div_(torch.clamp(_rms(u) / self.clip_threshold, min=1.0))
            p.sub_(u * alpha)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                       "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                       "relative_step": self.relative_step})
        return config
