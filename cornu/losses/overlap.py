"""Overlap losses for segmentation: Dice and Tversky."""

import torch

from cornu.backend.config import epsilon
from cornu.losses.loss import matched_pair as pair


def dice(y_true, y_pred, axis=None):
    """`1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + eps)` over `axis` (all by default).

    Args:
        y_true: targets.
        y_pred: predictions.
        axis: axes to reduce, or None for all.
    """
    y_true, y_pred = pair("dice", y_true, y_pred)
    dims = _dims(axis, y_pred)
    intersection = torch.sum(y_true * y_pred, dim=dims)
    total = torch.sum(y_true, dim=dims) + torch.sum(y_pred, dim=dims)
    return 1.0 - 2.0 * intersection / (total + epsilon())


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """`1 - TP / (TP + alpha * FP + beta * FN + eps)` with soft counts over `axis`.

    Args:
        y_true: targets.
        y_pred: predictions.
        alpha: weight of false positives.
        beta: weight of false negatives.
        axis: axes to reduce, or None for all.
    """
    y_true, y_pred = pair("tversky", y_true, y_pred)
    dims = _dims(axis, y_pred)
    tp = torch.sum(y_true * y_pred, dim=dims)
    fp = torch.sum((1.0 - y_pred) * y_true, dim=dims)
    fn = torch.sum(y_pred * (1.0 - y_true), dim=dims)
    return 1.0 - tp / (tp + alpha * fp + beta * fn + epsilon())


def _dims(axis, x):
    if axis is None:
        return tuple(range(x.dim()))
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis
