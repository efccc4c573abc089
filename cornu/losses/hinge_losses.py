"""Hinge losses for binary ({-1, 1} or {0, 1}) and one-hot targets."""

import torch

from cornu.losses.loss import matched_pair as pair


def _to_signed_labels(y_true):
    """Maps {0, 1} labels to {-1, 1}; other labels are used as given (no host sync)."""
    is_binary = ((y_true == 0) | (y_true == 1)).all()
    return torch.where(is_binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true, y_pred):
    """Mean of `max(1 - y_true * y_pred, 0)` over the last axis; {0, 1} labels become {-1, 1}."""
    y_true, y_pred = pair("hinge", y_true, y_pred)
    y_true = _to_signed_labels(y_true)
    return torch.clamp(1.0 - y_true * y_pred, min=0.0).mean(dim=-1)


def squared_hinge(y_true, y_pred):
    """Mean of `max(1 - y_true * y_pred, 0) ** 2` over the last axis."""
    y_true, y_pred = pair("squared_hinge", y_true, y_pred)
    y_true = _to_signed_labels(y_true)
    return torch.square(torch.clamp(1.0 - y_true * y_pred, min=0.0)).mean(dim=-1)


def categorical_hinge(y_true, y_pred):
    """`max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)` over the last axis."""
    y_true, y_pred = pair("categorical_hinge", y_true, y_pred)
    pos = torch.sum(y_true * y_pred, dim=-1)
    neg = torch.amax((1.0 - y_true) * y_pred, dim=-1)
    return torch.clamp(neg - pos + 1.0, min=0.0)
