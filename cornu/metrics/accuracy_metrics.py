"""Accuracy metrics: exact, binary, categorical, sparse categorical and top-k."""

import torch

from cornu.backend.config import floatx
from cornu.losses.loss import check_same_shape, prepare_pair, squeeze_or_expand_to_same_rank
from cornu.metrics.reduction_metrics import FixedMeanMetric
from cornu.utils.dtypes import to_torch_dtype


def _float(x):
    return x.to(to_torch_dtype(floatx()))


def accuracy(y_true, y_pred):
    """1.0 where `y_true == y_pred`, else 0.0 (element-wise)."""
    y_true, y_pred = prepare_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_same_shape("accuracy", y_true, y_pred)
    return _float(y_true.to(y_pred.dtype) == y_pred)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where `(y_pred > threshold) == y_true`, else 0.0 (element-wise).

    Args:
        y_true: 0/1 labels.
        y_pred: scores or probabilities.
        threshold: scores above it count as 1.
    """
    y_true, y_pred = prepare_pair(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    check_same_shape("binary_accuracy", y_true, y_pred)
    return _float(y_true == (y_pred > threshold).to(y_true.dtype))


def categorical_accuracy(y_true, y_pred):
    """1.0 where the arg-max of one-hot `y_true` equals the arg-max of `y_pred`."""
    y_true, y_pred = prepare_pair(y_true, y_pred)
    check_same_shape("categorical_accuracy", y_true, y_pred)
    return _float(torch.argmax(y_true, dim=-1) == torch.argmax(y_pred, dim=-1))


def _sparse_labels(name, y_true, y_pred):
    if y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1:
        y_true = y_true.squeeze(-1)
    if y_true.shape != y_pred.shape[:-1]:
        raise ValueError(
            f"In `{name}`, `y_true` must have the shape of `y_pred` without its last (class) "
            f"axis. Received: y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}")
    return y_true


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label `y_true` equals the arg-max of `y_pred`."""
    y_true, y_pred = prepare_pair(y_true, y_pred)
    y_true = _sparse_labels("sparse_categorical_accuracy", y_true, y_pred)
    pred = torch.argmax(y_pred, dim=-1)
    if y_true.is_floating_point():
        pred = pred.to(y_true.dtype)
    else:
        y_true = y_true.long()
    return _float(y_true == pred)


def _in_top_k(labels, y_pred, k):
    k = min(int(k), y_pred.shape[-1])
    kth = torch.topk(y_pred, k, dim=-1).values[..., -1:]
    target = torch.gather(y_pred, -1, labels.long().unsqueeze(-1))
    return (target >= kth).squeeze(-1)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the arg-max of one-hot `y_true` is among the `k` highest scores.

    Args:
        y_true: one-hot labels.
        y_pred: scores.
        k: how many top scores count.
    """
    y_true, y_pred = prepare_pair(y_true, y_pred)
    check_same_shape("top_k_categorical_accuracy", y_true, y_pred)
    return _float(_in_top_k(torch.argmax(y_true, dim=-1), y_pred, k))


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label `y_true` is among the `k` highest scores.

    Args:
        y_true: integer labels.
        y_pred: scores, or (with `from_sorted_ids`) class ids sorted by score.
        k: how many top scores count.
        from_sorted_ids: `y_pred` holds the top class ids rather than scores.
    """
    y_true, y_pred = prepare_pair(y_true, y_pred)
    if from_sorted_ids:
        if y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1:
            y_true = y_true.squeeze(-1)
        ids = y_pred[..., :k]
        return _float((y_true.to(ids.dtype).unsqueeze(-1) == ids).any(dim=-1))
    y_true = _sparse_labels("sparse_top_k_categorical_accuracy", y_true, y_pred)
    return _float(_in_top_k(y_true, y_pred, k))


class Accuracy(FixedMeanMetric):
    """How often predictions equal labels.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)


class BinaryAccuracy(FixedMeanMetric):
    """How often thresholded predictions match binary labels.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
        threshold: scores above it count as 1.
    """

    _config_keys = ("threshold",)

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(FixedMeanMetric):
    """How often the arg-max of the predictions matches the one-hot label.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(FixedMeanMetric):
    """How often the arg-max of the predictions matches the integer label.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(FixedMeanMetric):
    """How often the one-hot label is among the top `k` predictions.

    Args:
        k: how many top scores count.
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
    """

    _config_keys = ("k",)

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(FixedMeanMetric):
    """How often the integer label is among the top `k` predictions.

    Args:
        k: how many top scores count.
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
        from_sorted_ids: `y_pred` holds class ids sorted by score.
    """

    _config_keys = ("k",)

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(fn=sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids

    def get_config(self):
        config = super().get_config()
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
