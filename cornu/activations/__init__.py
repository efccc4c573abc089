"""Activation functions with Keras's names (`cornu.activations.relu`, `get("gelu")`, ...)."""

import torch
import torch.nn.functional as F

from cornu.saving import serialization_lib


def _t(x):
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(x, dtype=torch.float32)


def linear(x):
    """Identity: returns `x` unchanged."""
    return _t(x)


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit with Keras's optional slope, cap and threshold.

    Args:
        x: input tensor.
        negative_slope: slope below the threshold.
        max_value: saturation value, or None.
        threshold: values below it are damped or zeroed.
    """
    x = _t(x)
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return torch.relu(x)
    if threshold != 0.0:
        out = torch.where(x >= threshold, x, negative_slope * (x - threshold))
    elif negative_slope != 0.0:
        out = F.leaky_relu(x, negative_slope)
    else:
        out = torch.relu(x)
    if max_value is not None:
        out = torch.clamp(out, max=max_value)
    return out


def relu6(x):
    return F.relu6(_t(x))


def leaky_relu(x, negative_slope=0.2):
    return F.leaky_relu(_t(x), negative_slope)


def elu(x, alpha=1.0):
    return F.elu(_t(x), alpha)


def selu(x):
    return F.selu(_t(x))


def celu(x, alpha=1.0):
    return F.celu(_t(x), alpha)


def gelu(x, approximate=False):
    return F.gelu(_t(x), approximate="tanh" if approximate else "none")


def sigmoid(x):
    return torch.sigmoid(_t(x))


def hard_sigmoid(x):
    return F.hardsigmoid(_t(x))


def hard_silu(x):
    return F.hardswish(_t(x))


hard_swish = hard_silu


def silu(x):
    return F.silu(_t(x))


swish = silu


def mish(x):
    return F.mish(_t(x))


def tanh(x):
    return torch.tanh(_t(x))


def hard_tanh(x):
    return F.hardtanh(_t(x))


def softplus(x):
    return F.softplus(_t(x))


def softsign(x):
    return F.softsign(_t(x))


def exponential(x):
    return torch.exp(_t(x))


def log_sigmoid(x):
    return F.logsigmoid(_t(x))


def softmax(x, axis=-1):
    """Softmax over `axis` (an int or tuple of ints)."""
    x = _t(x)
    if isinstance(axis, int):
        return torch.softmax(x, dim=axis)
    return torch.exp(x - torch.logsumexp(x, dim=tuple(axis), keepdim=True))


def log_softmax(x, axis=-1):
    x = _t(x)
    if isinstance(axis, int):
        return torch.log_softmax(x, dim=axis)
    return x - torch.logsumexp(x, dim=tuple(axis), keepdim=True)


def glu(x, axis=-1):
    return F.glu(_t(x), dim=axis)


def tanh_shrink(x):
    return F.tanhshrink(_t(x))


def sparse_plus(x):
    x = _t(x)
    return torch.where(x <= -1, torch.zeros_like(x), torch.where(x >= 1, x, (x + 1) ** 2 / 4))


def squareplus(x, b=4):
    x = _t(x)
    return (x + torch.sqrt(x * x + b)) / 2


def hard_shrink(x, threshold=0.5):
    """`x` where `|x| > threshold`, else 0."""
    x = _t(x)
    return torch.where(torch.abs(x) > threshold, x, torch.zeros_like(x))


def soft_shrink(x, threshold=0.5):
    """`x` moved `threshold` toward 0, and 0 where `|x| <= threshold`."""
    x = _t(x)
    return torch.where(x > threshold, x - threshold,
                       torch.where(x < -threshold, x + threshold, torch.zeros_like(x)))


def sparse_sigmoid(x):
    """0 below -1, 1 above 1, and the straight line `(x + 1) / 2` between."""
    x = _t(x)
    return torch.clamp((x + 1) / 2, 0.0, 1.0).to(x.dtype)


def sparsemax(x, axis=-1):
    """The Euclidean projection of `x` onto the probability simplex along `axis`.

    Like softmax it gives a distribution, but entries below a data-dependent cut become
    exactly 0 (Martins and Astudillo, 2016).
    """
    x = torch.movedim(_t(x), axis, -1)
    z = torch.sort(x, dim=-1, descending=True).values
    k = torch.arange(1, z.shape[-1] + 1, device=x.device, dtype=x.dtype)
    cumulative = torch.cumsum(z, dim=-1)
    in_support = (1 + k * z) > cumulative
    support = in_support.sum(dim=-1, keepdim=True)
    tau = (cumulative.gather(-1, support - 1) - 1) / support.to(x.dtype)
    return torch.movedim(torch.clamp(x - tau, min=0), -1, axis)


def threshold(x, threshold, default_value):
    """`x` where `x > threshold`, else `default_value`."""
    x = _t(x)
    return torch.where(x > threshold, x, torch.as_tensor(default_value, dtype=x.dtype,
                                                         device=x.device))


_FUNCTIONS = (linear, relu, relu6, leaky_relu, elu, selu, celu, gelu, sigmoid, hard_sigmoid,
              hard_silu, silu, mish, tanh, hard_tanh, softplus, softsign, exponential,
              log_sigmoid, softmax, log_softmax, glu, tanh_shrink, sparse_plus, squareplus,
              hard_shrink, soft_shrink, sparse_sigmoid, sparsemax, threshold)
ALL_OBJECTS = {f.__name__: f for f in _FUNCTIONS}
ALL_OBJECTS.update({"swish": silu, "hard_swish": hard_silu})
_NAME_OF = {silu: "silu", hard_silu: "hard_silu"}


def serialize(activation):
    """Returns the Keras name of a built-in activation, else its serialized form."""
    if activation in _FUNCTIONS:
        return _NAME_OF.get(activation, activation.__name__)
    return serialization_lib.serialize_keras_object(activation)


def deserialize(config, custom_objects=None):
    return serialization_lib.deserialize_keras_object(config, custom_objects, ALL_OBJECTS)


def get(identifier):
    """Returns an activation function; None means `linear`."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = ALL_OBJECTS.get(identifier)
        if fn is None:
            from cornu.saving.object_registration import get_registered_object
            fn = get_registered_object(identifier)
        if fn is None:
            raise ValueError(f"Unknown activation: '{identifier}'. Valid names are: "
                             f"{', '.join(sorted(ALL_OBJECTS))}.")
        return fn
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation identifier: {identifier!r}")
