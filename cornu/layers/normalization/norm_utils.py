"""Helpers shared by the normalization layers: axis checks, compute dtypes, and the `gamma` /
`beta` weights with their initializers, regularizers and constraints."""

import torch

from cornu import constraints, initializers, regularizers


def standardize_axes(layer, axis):
    """Returns `axis` as an int or a list of ints, or raises a ValueError naming the layer."""
    if isinstance(axis, bool):
        axis = None
    if isinstance(axis, int):
        return axis
    if isinstance(axis, (list, tuple)) and axis and all(
            isinstance(a, int) and not isinstance(a, bool) for a in axis):
        return list(axis)
    raise ValueError(f"{type(layer).__name__} '{layer.name}': `axis` must be an int or a list of "
                     f"ints. Received: axis={axis!r}")


def check_axes(layer, axes, input_shape):
    """Raises a ValueError when an axis is out of range for `input_shape`."""
    rank = len(input_shape)
    for axis in [axes] if isinstance(axes, int) else axes:
        if axis >= rank or axis < -rank:
            raise ValueError(
                f"{type(layer).__name__} '{layer.name}': axis {axis} is out of bounds for an "
                f"input of shape {tuple(input_shape)}. Received: axis={layer.axis}")


def build_axes(layer, input_shape):
    """Checks `layer.axis` against `input_shape`, stores it as a sorted list (Keras's layout)
    and returns the shape of the normalized dims, which must be known (the weights' shape)."""
    check_axes(layer, layer.axis, input_shape)
    layer.axis = sorted([layer.axis] if isinstance(layer.axis, int) else layer.axis)
    shape = tuple(input_shape[a] for a in layer.axis)
    if any(d is None for d in shape):
        raise ValueError(f"{type(layer).__name__} '{layer.name}': the normalized axes "
                         f"{layer.axis} must have known sizes. "
                         f"Received: input_shape={tuple(input_shape)}")
    return shape


def positive_axes(axes, rank):
    """The axes as sorted non-negative ints."""
    return sorted(a % rank for a in ([axes] if isinstance(axes, int) else axes))


def is_trailing(axes, rank):
    """True when `axes` (non-negative, sorted) are the last dims of a rank-`rank` tensor."""
    return axes == list(range(rank - len(axes), rank))


def upcast(x):
    """`x` in at least float32 (normalization statistics are computed in float32 or wider)."""
    if x.is_floating_point() and x.dtype not in (torch.float32, torch.float64):
        return x.float()
    if not x.is_floating_point():
        return x.float()
    return x


def set_gamma_beta_options(layer, beta_initializer, gamma_initializer, beta_regularizer,
                           gamma_regularizer, beta_constraint, gamma_constraint):
    """Sets the layer's `beta_*` / `gamma_*` initializer, regularizer and constraint."""
    layer.beta_initializer = initializers.get(beta_initializer)
    layer.gamma_initializer = initializers.get(gamma_initializer)
    layer.beta_regularizer = regularizers.get(beta_regularizer)
    layer.gamma_regularizer = regularizers.get(gamma_regularizer)
    layer.beta_constraint = constraints.get(beta_constraint)
    layer.gamma_constraint = constraints.get(gamma_constraint)


def add_gamma_beta(layer, shape, scale, center):
    """Adds `gamma` (if `scale`) then `beta` (if `center`) of `shape`, not autocast, with the
    layer's initializers, regularizers and constraints; returns `(gamma, beta)` (None for one
    not added)."""
    gamma = beta = None
    if scale:
        gamma = layer.add_weight(name="gamma", shape=shape, initializer=layer.gamma_initializer,
                                 regularizer=layer.gamma_regularizer,
                                 constraint=layer.gamma_constraint, autocast=False)
    if center:
        beta = layer.add_weight(name="beta", shape=shape, initializer=layer.beta_initializer,
                                regularizer=layer.beta_regularizer,
                                constraint=layer.beta_constraint, autocast=False)
    return gamma, beta


def gamma_beta_config(layer):
    """The `beta_*` / `gamma_*` entries of the layer's config, in Keras's order."""
    return {
        "beta_initializer": initializers.serialize(layer.beta_initializer),
        "gamma_initializer": initializers.serialize(layer.gamma_initializer),
        "beta_regularizer": regularizers.serialize(layer.beta_regularizer),
        "gamma_regularizer": regularizers.serialize(layer.gamma_regularizer),
        "beta_constraint": constraints.serialize(layer.beta_constraint),
        "gamma_constraint": constraints.serialize(layer.gamma_constraint),
    }
