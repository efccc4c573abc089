"""Weight regularizers: penalties added to the loss (`L1`, `L2`, `L1L2`, `OrthogonalRegularizer`)."""

import torch

from cornu.saving import serialization_lib


class Regularizer:
    """Base class: `regularizer(weight)` returns a scalar penalty tensor."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _check(name, value):
    value = float(value) if value is not None else 0.0
    if value < 0 or value != value:
        raise ValueError(f"`{name}` must be a non-negative number. Received: {name}={value}")
    return value


class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x**2)`.

    Args:
        l1: L1 factor.
        l2: L2 factor.
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = _check("l1", l1), _check("l2", l2)

    def __call__(self, x):
        penalty = x.new_zeros(())
        if self.l1:
            penalty = penalty + self.l1 * torch.sum(torch.abs(x))
        if self.l2:
            penalty = penalty + self.l2 * torch.sum(torch.square(x))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """`l1 * sum(|x|)`.

    Args:
        l1: the factor (0.01 by default).
    """

    def __init__(self, l1=0.01):
        self.l1 = _check("l1", l1)

    def __call__(self, x):
        return self.l1 * torch.sum(torch.abs(x))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """`l2 * sum(x**2)`.

    Args:
        l2: the factor (0.01 by default).
    """

    def __init__(self, l2=0.01):
        self.l2 = _check("l2", l2)

    def __call__(self, x):
        return self.l2 * torch.sum(torch.square(x))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a 2D kernel towards orthonormality.

    Args:
        factor: strength of the penalty.
        mode: "rows" or "columns".
    """

    def __init__(self, factor=0.01, mode="rows"):
        if mode not in ("rows", "columns"):
            raise ValueError(f"`mode` must be 'rows' or 'columns'. Received: mode={mode!r}")
        self.factor, self.mode = _check("factor", factor), mode

    def __call__(self, x):
        if x.ndim != 2:
            raise ValueError(f"OrthogonalRegularizer needs a 2D kernel. Received shape {tuple(x.shape)}")
        if self.mode == "columns":
            x = x.t()
        x = x / torch.linalg.norm(x, dim=1, keepdim=True).clamp_min(1e-12)
        product = x @ x.t()
        size = x.shape[0]
        off_diagonal = product * (1 - torch.eye(size, dtype=x.dtype, device=x.device))
        # The mean |cosine| over pairs: the symmetric product holds each pair twice.
        pairs = size * (size - 1) / 2
        return self.factor * 0.5 * torch.sum(torch.abs(off_diagonal)) / pairs

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


# Keras 3's lowercase names are the classes themselves (`regularizers.l2(1e-4)`).
l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer

ALL_OBJECTS = {"Regularizer": Regularizer, "L1": L1, "L2": L2, "L1L2": L1L2,
               "OrthogonalRegularizer": OrthogonalRegularizer, "l1": L1, "l2": L2,
               "l1_l2": L1L2, "orthogonal_regularizer": OrthogonalRegularizer}


def serialize(regularizer):
    return serialization_lib.serialize_keras_object(regularizer)


def deserialize(config, custom_objects=None):
    return serialization_lib.deserialize_keras_object(config, custom_objects, ALL_OBJECTS)


def get(identifier):
    return serialization_lib.get_object(identifier, ALL_OBJECTS, "regularizer")
