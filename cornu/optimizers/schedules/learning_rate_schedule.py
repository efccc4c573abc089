"""Learning-rate schedules: callables mapping an optimizer step to a learning rate.

Schedules compute in Python floats. They accept an int, a float or a 0-d tensor step and
return a Python float, so the optimizer evaluates them from its host-side step counter with
no device work.
"""

import math

from cornu.saving import serialization_lib


def _step_value(step):
    """Converts a step (int, float, numpy or 0-d tensor) to a Python float."""
    try:
        return float(step)
    except (TypeError, ValueError):
        raise ValueError(
            f"Argument `step` must be a number or a scalar tensor. Received: step={step!r}"
        ) from None


def _check_positive(name, value):
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"Argument `{name}` must be a number > 0. Received: {name}={value!r}")


class LearningRateSchedule:
    """Base class for learning-rate schedules.

    Subclasses implement `__call__(step)` returning the learning rate for `step`, and
    `get_config()` so the schedule can be saved with the optimizer.
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` "
            "to be serializable."
        )

    @classmethod
    def from_config(cls, config):
        """Instantiates the schedule from `get_config()`'s output."""
        return cls(**config)


class _DecayRateSchedule(LearningRateSchedule):
    """Shared by `ExponentialDecay` and `InverseTimeDecay`: the rate decays by `decay_rate`
    as the step goes through `decay_steps` (in discrete jumps with `staircase`)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def _progress(self, step):
        """`step / decay_steps`, floored with `staircase`."""
        p = _step_value(step) / self.decay_steps
        return math.floor(p) if self.staircase else p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_DecayRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: number of steps over which the rate is multiplied by `decay_rate`.
        decay_rate: the decay factor.
        staircase: if True, `step / decay_steps` is floored (decay in discrete jumps).
        name: name of the schedule.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        return self.initial_learning_rate * self.decay_rate ** self._progress(step)


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` up to `boundaries[0]` (inclusive), `values[1]` up to `boundaries[1]`, ...

    Args:
        boundaries: increasing list of step boundaries.
        values: list of rates, one more than `boundaries`.
        name: name of the schedule.
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "Argument `values` must have one more element than `boundaries`. Received: "
                f"len(boundaries)={len(boundaries)}, len(values)={len(values)}")
        self.boundaries = list(boundaries)
        self.values = list(values)
        self.name = name

    def __call__(self, step):
        step = _step_value(step)
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """Polynomial decay from `initial_learning_rate` to `end_learning_rate` over `decay_steps`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: number of steps to decay over.
        end_learning_rate: the final rate.
        power: the polynomial's power (1.0 is linear).
        cycle: if True, restart the decay every `decay_steps` (with a longer period).
        name: name of the schedule.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        step = _step_value(step)
        decay_steps = float(self.decay_steps)
        if self.cycle:
            decay_steps *= 1.0 if step == 0 else math.ceil(step / self.decay_steps)
        else:
            step = min(step, decay_steps)
        p = step / decay_steps
        return ((self.initial_learning_rate - self.end_learning_rate) * (1 - p) ** self.power
                + self.end_learning_rate)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "end_learning_rate": self.end_learning_rate,
                "power": self.power, "cycle": self.cycle, "name": self.name}


class InverseTimeDecay(_DecayRateSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: how often to apply the decay.
        decay_rate: the decay factor.
        staircase: if True, `step / decay_steps` is floored.
        name: name of the schedule.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        return self.initial_learning_rate / (1.0 + self.decay_rate * self._progress(step))


def _cosine(fraction, alpha):
    return (1 - alpha) * 0.5 * (1.0 + math.cos(math.pi * fraction)) + alpha


class CosineDecay(LearningRateSchedule):
    """Cosine decay over `decay_steps`, optionally after a linear warmup.

    Without `warmup_target` the rate decays from `initial_learning_rate`. With it, the rate
    rises linearly from `initial_learning_rate` to `warmup_target` over `warmup_steps`, then
    decays from `warmup_target`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: number of steps to decay over.
        alpha: the final rate as a fraction of the decayed-from rate.
        name: name of the schedule.
        warmup_target: the rate reached at the end of warmup, or None for no warmup.
        warmup_steps: number of warmup steps.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def __call__(self, step):
        step = _step_value(step)
        if self.warmup_target is None:
            step = min(step, self.decay_steps)
            return self.initial_learning_rate * _cosine(step / self.decay_steps, self.alpha)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            delta = self.warmup_target - self.initial_learning_rate
            return delta * step / self.warmup_steps + self.initial_learning_rate
        fraction = (step - self.warmup_steps) / self.decay_steps
        return self.warmup_target * _cosine(fraction, self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha, "name": self.name,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR).

    Args:
        initial_learning_rate: the rate at step 0.
        first_decay_steps: length of the first decay period.
        t_mul: factor by which each period is longer than the previous one.
        m_mul: factor by which each restart's initial rate is smaller than the previous one.
        alpha: the minimum rate as a fraction of `initial_learning_rate`.
        name: name of the schedule.
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        _check_positive("first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        fraction = _step_value(step) / self.first_decay_steps
        t_mul = float(self._t_mul)
        if t_mul == 1.0:
            restart = math.floor(fraction)
            fraction -= restart
        else:
            restart = math.floor(math.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            done = (1.0 - t_mul ** restart) / (1.0 - t_mul)
            fraction = (fraction - done) / t_mul ** restart
        scale = self._m_mul ** restart
        cosine = 0.5 * scale * (1.0 + math.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul,
                "m_mul": self._m_mul, "alpha": self.alpha, "name": self.name}


ALL_SCHEDULES = (LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay,
                 PolynomialDecay, InverseTimeDecay, CosineDecay, CosineDecayRestarts)


def serialize(learning_rate_schedule):
    """Returns the schedule's Keras config dict (`{"module", "class_name", "config", ...}`).

    Args:
        learning_rate_schedule: a `LearningRateSchedule` instance.
    """
    return serialization_lib.serialize_keras_object(learning_rate_schedule)


def deserialize(config, custom_objects=None):
    """Recreates a schedule from `serialize()`'s output (or a Keras 2 `{class_name, config}`).

    Args:
        config: the serialized dict.
        custom_objects: dict of custom schedule classes by name.
    """
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects,
        module_objects={cls.__name__: cls for cls in ALL_SCHEDULES})
