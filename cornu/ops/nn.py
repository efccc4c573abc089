"""Neural-network functions (`cornu.ops.relu`, `softmax`, `one_hot`, ...)."""

import torch
import torch.nn.functional as F

from cornu import activations
from cornu.ops.core import _t
from cornu.ops.symbolic_dispatch import symbolic_op

__all__ = [
    "relu", "relu6", "sigmoid", "softmax", "log_softmax", "tanh_activation", "gelu", "silu",
    "swish", "elu", "selu", "softplus", "softsign", "leaky_relu", "hard_sigmoid", "log_sigmoid",
    "one_hot", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "moments", "normalize", "dropout",
]


def _wrap(fn, name):
    def op(x, *args, **kwargs):
        return fn(_t(x), *args, **kwargs)
    op.__name__ = name
    return symbolic_op(op)


relu = _wrap(activations.relu, "relu")
relu6 = _wrap(activations.relu6, "relu6")
sigmoid = _wrap(activations.sigmoid, "sigmoid")
softmax = _wrap(activations.softmax, "softmax")
log_softmax = _wrap(activations.log_softmax, "log_softmax")
tanh_activation = _wrap(activations.tanh, "tanh_activation")
gelu = _wrap(activations.gelu, "gelu")
silu = _wrap(activations.silu, "silu")
swish = silu
elu = _wrap(activations.elu, "elu")
selu = _wrap(activations.selu, "selu")
softplus = _wrap(activations.softplus, "softplus")
softsign = _wrap(activations.softsign, "softsign")
leaky_relu = _wrap(activations.leaky_relu, "leaky_relu")
hard_sigmoid = _wrap(activations.hard_sigmoid, "hard_sigmoid")
log_sigmoid = _wrap(activations.log_sigmoid, "log_sigmoid")


@symbolic_op
def one_hot(x, num_classes, axis=-1, dtype=None):
    from cornu.backend.config import floatx
    from cornu.utils.dtypes import to_torch_dtype
    out = F.one_hot(_t(x).long(), num_classes).to(to_torch_dtype(dtype or floatx()))
    return out if axis == -1 else torch.movedim(out, -1, axis)


@symbolic_op
def binary_crossentropy(target, output, from_logits=False):
    target, output = _t(target), _t(output)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    output = output.clamp(1e-7, 1 - 1e-7)
    return -(target * torch.log(output) + (1 - target) * torch.log(1 - output))


@symbolic_op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = _t(target), _t(output)
    if from_logits:
        return -(target * torch.log_softmax(output, dim=axis)).sum(axis)
    output = output / output.sum(axis, keepdim=True)
    return -(target * torch.log(output.clamp(1e-7, 1 - 1e-7))).sum(axis)


@symbolic_op
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = _t(target).long(), _t(output)
    log_probs = torch.log_softmax(output, dim=axis) if from_logits else torch.log(
        (output / output.sum(axis, keepdim=True)).clamp(1e-7, 1 - 1e-7))
    return -torch.gather(log_probs, axis, target.unsqueeze(axis)).squeeze(axis)


def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and variance of `x` over `axes`."""
    x = _t(x)
    axes = tuple(axes)
    return (torch.mean(x, dim=axes, keepdim=keepdims),
            torch.var(x, dim=axes, keepdim=keepdims, correction=0))


@symbolic_op
def normalize(x, axis=-1, order=2):
    return F.normalize(_t(x), p=order, dim=axis)


def dropout(x, rate, noise_shape=None, seed=None):
    return F.dropout(_t(x), rate, training=True)
