"""Per-sample regression and distribution losses: MSE, MAE, MAPE, MSLE, Huber, log-cosh,
cosine similarity, Poisson and KL divergence (each reduced over the last axis)."""

import math

import torch
import torch.nn.functional as F

from cornu.backend.config import epsilon
from cornu.losses.loss import matched_pair as pair


def mean_squared_error(y_true, y_pred):
    """Mean of `(y_true - y_pred) ** 2` over the last axis.

    Args:
        y_true: targets, shape `(batch_size, d0, .. dN)`.
        y_pred: predictions, same shape.
    """
    y_true, y_pred = pair("mean_squared_error", y_true, y_pred)
    return torch.square(y_true - y_pred).mean(dim=-1)


def mean_absolute_error(y_true, y_pred):
    """Mean of `abs(y_true - y_pred)` over the last axis."""
    y_true, y_pred = pair("mean_absolute_error", y_true, y_pred)
    return torch.abs(y_true - y_pred).mean(dim=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)))` over the last axis."""
    y_true, y_pred = pair("mean_absolute_percentage_error", y_true, y_pred)
    diff = torch.abs((y_true - y_pred) / torch.clamp(torch.abs(y_true), min=epsilon()))
    return 100.0 * diff.mean(dim=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """Mean of `(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)) ** 2` over the last axis."""
    y_true, y_pred = pair("mean_squared_logarithmic_error", y_true, y_pred)
    first = torch.log(torch.clamp(y_pred, min=epsilon()) + 1.0)
    second = torch.log(torch.clamp(y_true, min=epsilon()) + 1.0)
    return torch.square(first - second).mean(dim=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity between L2-normalised `y_true` and `y_pred` along `axis`.

    Args:
        y_true: targets.
        y_pred: predictions.
        axis: the axis along which similarity is computed.
    """
    y_true, y_pred = pair("cosine_similarity", y_true, y_pred)
    return -torch.sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), dim=axis)


def l2_normalize(x, axis=-1):
    """`x * min(rsqrt(sum(x ** 2)), 1 / epsilon)` along `axis`."""
    inv_norm = torch.rsqrt(torch.square(x).sum(dim=axis, keepdim=True))
    return x * torch.clamp(inv_norm, max=1.0 / epsilon())


def huber(y_true, y_pred, delta=1.0):
    """Huber loss: quadratic for errors up to `delta`, linear beyond; averaged over the last axis.

    Args:
        y_true: targets.
        y_pred: predictions.
        delta: the error size where the loss turns linear.
    """
    y_true, y_pred = pair("huber", y_true, y_pred)
    error = y_pred - y_true
    abs_error = torch.abs(error)
    quadratic = 0.5 * torch.square(error)
    linear = delta * abs_error - 0.5 * delta * delta
    return torch.where(abs_error <= delta, quadratic, linear).mean(dim=-1)


def log_cosh(y_true, y_pred):
    """Mean of `log(cosh(y_pred - y_true))` over the last axis, computed stably."""
    y_true, y_pred = pair("log_cosh", y_true, y_pred)
    x = y_pred - y_true
    return (x + F.softplus(-2.0 * x) - math.log(2.0)).mean(dim=-1)


def kl_divergence(y_true, y_pred):
    """`sum(y_true * log(y_true / y_pred))` over the last axis, both clipped to `[eps, 1]`."""
    y_true, y_pred = pair("kl_divergence", y_true, y_pred)
    y_true = torch.clamp(y_true, epsilon(), 1.0)
    y_pred = torch.clamp(y_pred, epsilon(), 1.0)
    return torch.sum(y_true * torch.log(y_true / y_pred), dim=-1)


def poisson(y_true, y_pred):
    """Mean of `y_pred - y_true * log(y_pred + epsilon)` over the last axis."""
    y_true, y_pred = pair("poisson", y_true, y_pred)
    return (y_pred - y_true * torch.log(y_pred + epsilon())).mean(dim=-1)
