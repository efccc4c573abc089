"""Threshold-based confusion metrics: TP/FP/TN/FN counts, Precision, Recall and the
"X at fixed Y" metrics (SensitivityAtSpecificity, PrecisionAtRecall, ...)."""

import torch

from cornu.metrics.confusion_utils import (
    NEG_INF,
    evenly_distributed,
    parse_thresholds,
    update_confusion_matrix,
)
from cornu.metrics.metric import Metric


def divide_no_nan(x, y):
    """`x / y`, with 0 where `y == 0`."""
    safe = torch.where(y == 0, torch.ones_like(y), y)
    return torch.where(y == 0, torch.zeros_like(x), x / safe)


class _ConfusionCount(Metric):
    _key = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_thresholds(thresholds, 0.5)
        self._evenly = evenly_distributed(self.thresholds)
        self.accumulator = self.add_variable(shape=(len(self.thresholds),), name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix({self._key: self.accumulator}, y_true, y_pred, self.thresholds,
                                sample_weight=sample_weight, evenly=self._evenly, name=self.name)

    def result(self):
        value = self.accumulator[0] if len(self.thresholds) == 1 else self.accumulator
        return value.detach().clone()

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


def _count_class(class_name, key, what):
    doc = (f"Weighted number of {what}.\n\n    Args:\n        thresholds: a float or list of "
           "floats in [0, 1]; a prediction above a threshold is positive. Defaults to 0.5.\n"
           "        name: name of the metric instance.\n        dtype: dtype of the metric's "
           "computations.\n")
    return type(class_name, (_ConfusionCount,), {"_key": key, "__doc__": doc,
                                                  "__module__": __name__})


TruePositives = _count_class("TruePositives", "tp", "true positives")
FalsePositives = _count_class("FalsePositives", "fp", "false positives")
TrueNegatives = _count_class("TrueNegatives", "tn", "true negatives")
FalseNegatives = _count_class("FalseNegatives", "fn", "false negatives")


class _PrecisionRecall(Metric):
    _other = None  # "fp" for precision, "fn" for recall

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self._evenly = evenly_distributed(self.thresholds)
        n = len(self.thresholds)
        self.true_positives = self.add_variable(shape=(n,), name="true_positives")
        other_name = "false_positives" if self._other == "fp" else "false_negatives"
        setattr(self, other_name, self.add_variable(shape=(n,), name=other_name))
        self._other_var = getattr(self, other_name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix(
            {"tp": self.true_positives, self._other: self._other_var}, y_true, y_pred,
            self.thresholds, top_k=self.top_k, class_id=self.class_id,
            sample_weight=sample_weight, evenly=self._evenly, name=self.name)

    def result(self):
        value = divide_no_nan(self.true_positives, self.true_positives + self._other_var)
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """Precision `TP / (TP + FP)` at one or more thresholds.

    Args:
        thresholds: a float or list of floats in [0, 1]; defaults to 0.5 (or, with
            `top_k`, to counting the top-k predictions as positive).
        top_k: only the top `k` predictions per sample count as positive.
        class_id: compute the metric for this class only.
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
    """

    _other = "fp"


class Recall(_PrecisionRecall):
    """Recall `TP / (TP + FN)` at one or more thresholds.

    Args:
        thresholds: a float or list of floats in [0, 1]; defaults to 0.5 (or, with
            `top_k`, to counting the top-k predictions as positive).
        top_k: only the top `k` predictions per sample count as positive.
        class_id: compute the metric for this class only.
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
    """

    _other = "fn"


class _AtFixedValue(Metric):
    """Counts at `num_thresholds` evenly spaced thresholds; `result()` is the best
    `_maximized` rate among the thresholds whose `_constrained` rate is >= the value."""

    _value_arg = None  # the constructor's argument naming the value
    _constrained = None  # "recall", "specificity" or "precision"
    _maximized = None

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if not 0 <= value <= 1:
            raise ValueError(f"Argument `{self._value_arg}` must be in the range [0, 1]. "
                             f"Received: {self._value_arg}={value}")
        if num_thresholds <= 0:
            raise ValueError("Argument `num_thresholds` must be an integer > 0. "
                             f"Received: num_thresholds={num_thresholds}")
        super().__init__(name=name, dtype=dtype)
        self.value = value
        setattr(self, self._value_arg, value)
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds, self._evenly = [0.5], False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds, self._evenly = [0.0] + inner + [1.0], True
        n = len(self.thresholds)
        self.true_positives = self.add_variable(shape=(n,), name="true_positives")
        self.false_positives = self.add_variable(shape=(n,), name="false_positives")
        self.true_negatives = self.add_variable(shape=(n,), name="true_negatives")
        self.false_negatives = self.add_variable(shape=(n,), name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix(
            {"tp": self.true_positives, "tn": self.true_negatives,
             "fp": self.false_positives, "fn": self.false_negatives},
            y_true, y_pred, self.thresholds, class_id=self.class_id,
            sample_weight=sample_weight, evenly=self._evenly, name=self.name)

    def _rates(self):
        tp, fp, tn, fn = (self.true_positives, self.false_positives, self.true_negatives,
                          self.false_negatives)
        return {"recall": divide_no_nan(tp, tp + fn), "specificity": divide_no_nan(tn, tn + fp),
                "precision": divide_no_nan(tp, tp + fp)}

    def result(self):
        rates = self._rates()
        constrained, maximized = rates[self._constrained], rates[self._maximized]
        feasible = constrained >= self.value
        best = torch.where(feasible, maximized, torch.zeros_like(maximized)).amax()
        return torch.clamp(best, min=0.0)

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._value_arg: self.value}


class SensitivityAtSpecificity(_AtFixedValue):
    """Best sensitivity (recall) among thresholds whose specificity is >= `specificity`.

    Args:
        specificity: the minimum specificity, in [0, 1].
        num_thresholds: number of evenly spaced thresholds.
        class_id: compute the metric for this class only.
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
    """

    _value_arg, _constrained, _maximized = "specificity", "specificity", "recall"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_AtFixedValue):
    """Best specificity among thresholds whose sensitivity is >= `sensitivity`.

    Args:
        sensitivity: the minimum sensitivity, in [0, 1].
        num_thresholds: number of evenly spaced thresholds.
        class_id: compute the metric for this class only.
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
    """

    _value_arg, _constrained, _maximized = "sensitivity", "recall", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(_AtFixedValue):
    """Best precision among thresholds whose recall is >= `recall`.

    Args:
        recall: the minimum recall, in [0, 1].
        num_thresholds: number of evenly spaced thresholds.
        class_id: compute the metric for this class only.
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
    """

    _value_arg, _constrained, _maximized = "recall", "recall", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_AtFixedValue):
    """Best recall among thresholds whose precision is >= `precision`.

    Args:
        precision: the minimum precision, in [0, 1].
        num_thresholds: number of evenly spaced thresholds.
        class_id: compute the metric for this class only.
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
    """

    _value_arg, _constrained, _maximized = "precision", "precision", "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)
