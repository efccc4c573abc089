"""Vectorised confusion-matrix counting at a set of thresholds (TP, FP, TN, FN)."""

import numpy as np
import torch

from cornu.backend.config import epsilon
from cornu.losses.loss import prepare_pair, squeeze_or_expand_to_same_rank, to_tensor

NEG_INF = -1e10
_THRESHOLD_CACHE = {}


def _thresholds_tensor(thresholds, dtype, device):
    """The thresholds as a tensor on `device`, made once (no host-to-device copy per update)."""
    key = (tuple(thresholds), dtype, device)
    value = _THRESHOLD_CACHE.get(key)
    if value is None:
        if len(_THRESHOLD_CACHE) > 256:
            _THRESHOLD_CACHE.clear()
        value = torch.as_tensor(np.asarray(thresholds), dtype=dtype).to(device)
        _THRESHOLD_CACHE[key] = value
    return value


def parse_thresholds(thresholds, default=0.5):
    """Returns the thresholds as a list of floats, checking they lie in [0, 1]."""
    if thresholds is None:
        return [default]
    values = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) else [thresholds]
    bad = [t for t in values if t is None or t < 0 or t > 1]
    if bad:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {bad}")
    return [float(t) for t in values]


def evenly_distributed(thresholds):
    """True when `thresholds` are `i / (n - 1)` for `i` in `0..n-1` (n >= 3)."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=epsilon()))


def filter_top_k(x, k):
    """Keeps the `k` largest entries along the last axis; the others become -1e10."""
    idx = torch.topk(x, k, dim=-1).indices
    keep = torch.zeros_like(x, dtype=torch.bool).scatter_(-1, idx, True)
    return torch.where(keep, x, torch.full_like(x, NEG_INF))


def _bucket_counts(y_true, y_pred, weights, num_thresholds, multi_label, with_epsilon):
    """TP and FP counts per threshold via one scatter-add (evenly spaced thresholds)."""
    y_pred = torch.clamp(y_pred, 0.0, 1.0)
    buckets = torch.ceil(y_pred * (num_thresholds - 1)) - 1
    if with_epsilon:
        buckets = torch.relu(buckets)
    # bucket -1 collects predictions above no threshold; it is dropped below.
    buckets = buckets.long() + 1
    pos = y_true * weights
    neg = (1.0 - y_true) * weights
    if multi_label:
        labels = y_pred.shape[-1]
        index = buckets.reshape(-1, labels) * labels + torch.arange(labels, device=y_pred.device)
        size = (num_thresholds + 1) * labels
        shape = (num_thresholds + 1, labels)
    else:
        index, size, shape = buckets.reshape(-1), num_thresholds + 1, (num_thresholds + 1,)
    index = index.reshape(-1)
    tp_b = torch.zeros(size, dtype=y_pred.dtype, device=y_pred.device)
    fp_b = torch.zeros(size, dtype=y_pred.dtype, device=y_pred.device)
    tp_b.index_add_(0, index, pos.reshape(-1))
    fp_b.index_add_(0, index, neg.reshape(-1))
    tp_b, fp_b = tp_b.reshape(shape)[1:], fp_b.reshape(shape)[1:]
    tp = torch.flip(torch.cumsum(torch.flip(tp_b, [0]), 0), [0])
    fp = torch.flip(torch.cumsum(torch.flip(fp_b, [0]), 0), [0])
    if multi_label:
        return tp, fp, pos.sum(0), neg.sum(0)
    return tp, fp, pos.sum(), neg.sum()


def _compare_counts(y_true, y_pred, weights, thresholds, multi_label):
    """TP and FP counts per threshold by comparing every prediction with every threshold."""
    if multi_label:
        labels = y_pred.shape[-1]
        pred = y_pred.reshape(1, -1, labels)
        thr = thresholds.reshape(-1, 1, 1)
        pos = (y_true * weights).reshape(1, -1, labels)
        neg = ((1.0 - y_true) * weights).reshape(1, -1, labels)
    else:
        pred = y_pred.reshape(1, -1)
        thr = thresholds.reshape(-1, 1)
        pos = (y_true * weights).reshape(1, -1)
        neg = ((1.0 - y_true) * weights).reshape(1, -1)
    above = (pred > thr).to(y_pred.dtype)
    return (above * pos).sum(1), (above * neg).sum(1), pos.sum(1)[0], neg.sum(1)[0]


def update_confusion_matrix(variables, y_true, y_pred, thresholds, top_k=None, class_id=None,
                            sample_weight=None, multi_label=False, label_weights=None,
                            evenly=False, name="metric"):
    """Adds this batch's weighted TP / FP / TN / FN counts per threshold to `variables`.

    Args:
        variables: dict from "tp", "fp", "tn", "fn" to state tensors of shape
            `(num_thresholds,)` (or `(num_thresholds, num_labels)` with `multi_label`).
        y_true: binary labels.
        y_pred: scores in [0, 1].
        thresholds: list of thresholds; a prediction is positive when above one.
        top_k: only the top `k` predictions per sample may count as positive.
        class_id: restrict to this class (last axis).
        sample_weight: optional per-sample weights.
        multi_label: keep a separate count per label (last axis).
        label_weights: optional per-label weights tensor (not with `multi_label`).
        evenly: thresholds are evenly spaced (enables the bucketed algorithm).
        name: the metric's name, for error messages.
    """
    var = next(iter(variables.values()))
    dtype = var.dtype
    y_true, y_pred = prepare_pair(y_true, y_pred, dtype)
    y_true = y_true.to(dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"In metric `{name}`, `y_true` and `y_pred` must have the same shape. Received: "
            f"y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}")
    if sample_weight is not None:
        sample_weight = to_tensor(sample_weight, dtype, y_pred.device).to(dtype).unsqueeze(-1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight, expand_rank_1=False)
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.dim() == 1:
            raise ValueError("When `class_id` is given, `y_pred` must have shape "
                             f"(num_samples, num_classes). Received: {tuple(y_pred.shape)}")
        y_true, y_pred = y_true[..., class_id:class_id + 1], y_pred[..., class_id:class_id + 1]
    y_true = (y_true != 0).to(dtype)
    weights = torch.ones((), dtype=dtype, device=y_pred.device)
    if sample_weight is not None:
        weights = sample_weight
    if label_weights is not None:
        weights = weights * label_weights.to(device=y_pred.device, dtype=dtype)
    try:
        weights = torch.broadcast_to(weights, y_pred.shape)
    except RuntimeError:
        raise ValueError(
            f"In metric `{name}`, `sample_weight` of shape {tuple(weights.shape)} does not "
            f"match y_pred.shape={tuple(y_pred.shape)}.") from None
    if not multi_label:
        y_true, y_pred, weights = y_true.reshape(-1), y_pred.reshape(-1), weights.reshape(-1)
    elif y_pred.dim() != 2:
        labels = y_pred.shape[-1]
        y_true, y_pred = y_true.reshape(-1, labels), y_pred.reshape(-1, labels)
        weights = weights.reshape(-1, labels)
    if evenly:
        with_eps = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        tp, fp, total_pos, total_neg = _bucket_counts(
            y_true, y_pred, weights, len(thresholds), multi_label, with_eps)
    else:
        thr = _thresholds_tensor(thresholds, dtype, y_pred.device)
        tp, fp, total_pos, total_neg = _compare_counts(y_true, y_pred, weights, thr, multi_label)
    counts = {"tp": tp, "fp": fp, "fn": total_pos - tp, "tn": total_neg - fp}
    for key, state in variables.items():
        state.add_(counts[key].to(state.device))
