"""Correlation metrics: Pearson's and Lin's concordance coefficients along an axis."""

import torch

from cornu.backend.config import epsilon
from cornu.losses.loss import prepare_pair, squeeze_or_expand_to_same_rank
from cornu.metrics.reduction_metrics import FixedMeanMetric


def _pair(y_true, y_pred):
    y_true, y_pred = prepare_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true.to(y_pred.dtype), y_pred)
    return y_true, y_pred


def _dims(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's correlation coefficient of `y_true` and `y_pred` along `axis`.

    Both inputs are centred and divided by their (population) standard deviation along
    `axis`; the result is the mean of their product there. A constant input gives NaN.

    Args:
        y_true: targets.
        y_pred: predictions.
        axis: an axis or tuple of axes to correlate over. Defaults to -1.

    Returns:
        The coefficients, with `axis` reduced away.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    dims = _dims(axis)
    standardized = []
    for x in (y_true, y_pred):
        centred = x - torch.mean(x, dim=dims, keepdim=True)
        scale = torch.std(centred, dim=dims, keepdim=True, correction=0)
        standardized.append(centred / scale)
    return torch.mean(standardized[0] * standardized[1], dim=dims)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation coefficient of `y_true` and `y_pred` along `axis`.

    `2 * cov(t, p) / (var(t) + var(p) + (mean(t) - mean(p))**2 + epsilon)`, with
    population (co)variances along `axis`.

    Args:
        y_true: targets.
        y_pred: predictions.
        axis: an axis or tuple of axes to compare over. Defaults to -1.

    Returns:
        The coefficients, with `axis` reduced away.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    dims = _dims(axis)
    true_mean = torch.mean(y_true, dim=dims, keepdim=True)
    pred_mean = torch.mean(y_pred, dim=dims, keepdim=True)
    true_var = torch.var(y_true, dim=dims, keepdim=True, correction=0)
    pred_var = torch.var(y_pred, dim=dims, keepdim=True, correction=0)
    denominator = true_var + pred_var + torch.square(true_mean - pred_mean) + epsilon()
    products = (y_true - true_mean) * (y_pred - pred_mean)
    return torch.mean(2 * products / denominator, dim=dims)


class PearsonCorrelation(FixedMeanMetric):
    """Running mean of the Pearson correlation coefficient (`pearson_correlation`).

    Each `update_state` computes one coefficient per slice along `axis` (per sample with
    the default `axis=-1`); `result()` is their weighted mean over all updates. Higher is
    better.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
        axis: an axis or tuple of axes to correlate over. Defaults to -1.
    """

    _config_keys = ("axis",)

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"


class ConcordanceCorrelation(FixedMeanMetric):
    """Running mean of the concordance correlation coefficient (`concordance_correlation`).

    Each `update_state` computes one coefficient per slice along `axis` (per sample with
    the default `axis=-1`); `result()` is their weighted mean over all updates. Higher is
    better.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
        axis: an axis or tuple of axes to compare over. Defaults to -1.
    """

    _config_keys = ("axis",)

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"
