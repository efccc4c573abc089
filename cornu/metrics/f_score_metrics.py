"""F-beta and F1 scores over thresholded multi-label predictions."""

import torch

from cornu.backend.config import epsilon
from cornu.losses.loss import prepare_pair, to_tensor
from cornu.metrics.metric import Metric
from cornu.utils.dtypes import to_torch_dtype


class FBetaScore(Metric):
    """F-beta score `(1 + beta^2) * P * R / (beta^2 * P + R)` per class or averaged.

    Args:
        average: None (one score per class), "micro" (global counts), "macro" (unweighted
            mean of class scores) or "weighted" (mean weighted by class support).
        beta: weight of recall relative to precision (a float > 0).
        threshold: predictions above it are positive; None marks each row's maximum.
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: {None, "
                             f"'micro', 'macro', 'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError("Invalid `threshold` argument value. It should be a Python "
                                 f"float. Received: threshold={threshold} of type '{type(threshold)}'")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError("Invalid `threshold` argument value. It should verify "
                                 f"0 < threshold <= 1. Received: threshold={threshold}")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2 or y_true_shape != y_pred_shape:
            raise ValueError(
                f"{self.__class__.__name__} expects 2D inputs of equal shape (batch_size, "
                f"output_dim). Received: y_true.shape={tuple(y_true_shape)}, "
                f"y_pred.shape={tuple(y_pred_shape)}")
        self._num_classes = y_pred_shape[-1]
        shape = () if self.average == "micro" else (self._num_classes,)
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")
        self.intermediate_weights = self.add_variable(shape, name="intermediate_weights")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        dtype = to_torch_dtype(self.dtype)
        y_true, y_pred = prepare_pair(y_true, y_pred, dtype)
        y_true = y_true.to(dtype)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        elif y_true.shape != y_pred.shape or y_pred.dim() != 2 \
                or y_pred.shape[-1] != self._num_classes:
            raise ValueError(f"In metric `{self.name}`, expected inputs of shape (batch_size, "
                             f"{self._num_classes}). Received: y_true.shape="
                             f"{tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}")
        if self.threshold is None:
            top = y_pred.amax(dim=-1, keepdim=True)
            y_pred = (y_pred >= top) & (torch.abs(y_pred) > 1e-9)
        else:
            y_pred = y_pred > self.threshold
        y_pred = y_pred.to(dtype)
        weight = None
        if sample_weight is not None:
            weight = to_tensor(sample_weight, dtype, y_pred.device).to(dtype).reshape(-1, 1)

        def weighted_sum(val):
            if weight is not None:
                val = val * weight
            return val.sum() if self.axis is None else val.sum(dim=self.axis)

        self.true_positives.add_(weighted_sum(y_pred * y_true))
        self.false_positives.add_(weighted_sum(y_pred * (1 - y_true)))
        self.false_negatives.add_(weighted_sum((1 - y_pred) * y_true))
        self.intermediate_weights.add_(weighted_sum(y_true))

    def result(self):
        if not self._built:
            return torch.zeros((), device=self._device)
        eps = epsilon()
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + eps)
        recall = tp / (tp + self.false_negatives + eps)
        b2 = self.beta ** 2
        score = precision * recall / (b2 * precision + recall + eps) * (1 + b2)
        if self.average == "weighted":
            weights = self.intermediate_weights / (self.intermediate_weights.sum() + eps)
            return (score * weights).sum()
        if self.average is not None:
            return score.mean()
        return score

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 score: the harmonic mean of precision and recall (`FBetaScore` with beta 1).

    Args:
        average: None, "micro", "macro" or "weighted" (see `FBetaScore`).
        threshold: predictions above it are positive; None marks each row's maximum.
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
