"""Weight constraints, applied to a variable after each optimizer update."""

import torch

from cornu.saving import serialization_lib


class Constraint:
    """Base class: `constraint(w)` returns the projected weight."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _norms(w, axis):
    return torch.sqrt(torch.sum(torch.square(w), dim=axis, keepdim=True))


class MaxNorm(Constraint):
    """Caps the norm of the weights along `axis` at `max_value`.

    Args:
        max_value: largest allowed norm.
        axis: axis (or axes) along which norms are computed.
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = torch.clamp(norms, 0, self.max_value)
        return w * (desired / (1e-7 + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to zero."""

    def __call__(self, w):
        return w * (w >= 0).to(w.dtype)


class UnitNorm(Constraint):
    """Scales the weights to unit norm along `axis`.

    Args:
        axis: axis (or axes) along which norms are computed.
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (1e-7 + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Keeps the norm along `axis` between `min_value` and `max_value`.

    Args:
        min_value: smallest allowed norm.
        max_value: largest allowed norm.
        rate: 1.0 enforces strictly; smaller values move part of the way.
        axis: axis (or axes) along which norms are computed.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = self.rate * torch.clamp(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (1e-7 + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


# Keras 3's lowercase names are the classes themselves (`constraints.max_norm(2.0)`).
max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm

ALL_OBJECTS = {"Constraint": Constraint, "MaxNorm": MaxNorm, "NonNeg": NonNeg,
               "UnitNorm": UnitNorm, "MinMaxNorm": MinMaxNorm, "max_norm": MaxNorm,
               "non_neg": NonNeg, "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm}


def serialize(constraint):
    return serialization_lib.serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    return serialization_lib.deserialize_keras_object(config, custom_objects, ALL_OBJECTS)


def get(identifier):
    return serialization_lib.get_object(identifier, ALL_OBJECTS, "constraint")
