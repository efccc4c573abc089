"""`MonitorCallback`: the shared "did the monitored quantity improve?" logic.

EarlyStopping, ModelCheckpoint and ReduceLROnPlateau subclass it.
"""

import warnings

import numpy as np

from cornu.callbacks.callback import Callback

# Metric classes to maximize / minimize, for `mode="auto"` (as in Keras 3).
_MAXIMIZED = frozenset({
    "AUC", "Accuracy", "BinaryAccuracy", "BinaryIoU", "CategoricalAccuracy",
    "ConcordanceCorrelation", "CosineSimilarity", "F1Score", "FBetaScore", "IoU", "MeanIoU",
    "OneHotIoU", "OneHotMeanIoU", "PearsonCorrelation", "Precision", "PrecisionAtRecall",
    "R2Score", "Recall", "RecallAtPrecision", "SensitivityAtSpecificity",
    "SparseCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "SpecificityAtSensitivity",
    "TopKCategoricalAccuracy"})
_MINIMIZED = frozenset({
    "BinaryCrossentropy", "CategoricalCrossentropy", "CategoricalHinge", "Hinge",
    "KLDivergence", "LogCoshError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredError", "MeanSquaredLogarithmicError", "Poisson", "RootMeanSquaredError",
    "SparseCategoricalCrossentropy", "SquaredHinge"})


def metric_direction(metric):
    """"up" for a metric to maximize, "down" for one to minimize, None if unknown."""
    direction = getattr(metric, "_direction", None)
    if direction in ("up", "down"):
        return direction
    name = type(metric).__name__
    if name in _MAXIMIZED:
        return "up"
    if name in _MINIMIZED:
        return "down"
    fn = getattr(metric, "_fn", None)  # a MeanMetricWrapper around a loss is minimized
    module = getattr(fn, "__module__", None) or getattr(type(fn), "__module__", "")
    if fn is not None and module.startswith("cornu.losses"):
        return "down"
    return None


def _less(a, b):
    # Keras compares the values as float32 tensors; do the same so ties break alike.
    return bool(np.float32(a) < np.float32(b))


def _greater(a, b):
    return bool(np.float32(a) > np.float32(b))


class MonitorCallback(Callback):
    """Base class of callbacks that watch one logged quantity for improvements.

    Args:
        monitor: the log name to watch, e.g. "val_loss".
        mode: "min", "max", or "auto" (inferred from the name: losses decrease,
            accuracies increase; an error if it cannot be inferred).
        baseline: initial best value; None uses the first value seen.
        min_delta: smallest change that counts as an improvement.
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto "
                          "mode.", stacklevel=3)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        """Picks `<` or `>` from `mode` (and the model's metrics in "auto" mode)."""
        if self.mode == "min":
            self.monitor_op = _less
        elif self.mode == "max":
            self.monitor_op = _greater
        else:
            name = self.monitor.removeprefix("val_")
            if name == "loss":
                self.monitor_op = _less
            from cornu.trainers.compile_utils import CompileMetrics
            metrics = []
            for metric in getattr(self.model, "metrics", None) or []:
                metrics += metric.metrics if isinstance(metric, CompileMetrics) else [metric]
            for metric in metrics:
                if getattr(metric, "name", None) == name:
                    direction = metric_direction(metric)
                    if direction is not None:
                        self.monitor_op = _greater if direction == "up" else _less
            if self.monitor_op is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, but "
                    "cornu can't tell whether that metric should be maximized or minimized. "
                    "Pass `mode='max'` to monitor the highest value, or `mode='min'` to "
                    "monitor the lowest value.")
        if self.monitor_op is _less:
            self.min_delta = -abs(self.min_delta)

    def _is_improvement(self, value, reference):
        if reference is None:
            return True
        return self.monitor_op(value - self.min_delta, reference)
