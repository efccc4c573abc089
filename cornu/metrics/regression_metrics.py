"""Regression metrics: running means of error functions, RMSE, cosine similarity and R²."""

import torch

from cornu.losses import regression as reg
from cornu.losses.loss import matched_pair, prepare_pair, squeeze_or_expand_to_same_rank, to_tensor
from cornu.metrics.metric import Metric
from cornu.metrics.reduction_metrics import FixedMeanMetric, Mean
from cornu.utils.dtypes import to_torch_dtype


def cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine similarity between L2-normalised `y_true` and `y_pred` along `axis`.

    Args:
        y_true: targets.
        y_pred: predictions.
        axis: the axis along which similarity is computed.
    """
    y_true, y_pred = matched_pair("cosine_similarity", y_true, y_pred)
    return torch.sum(reg.l2_normalize(y_true, axis) * reg.l2_normalize(y_pred, axis), dim=axis)


def _mean_metric(class_name, fn, default_name, doc):
    def __init__(self, name=default_name, dtype=None):
        FixedMeanMetric.__init__(self, fn, name=name, dtype=dtype)

    doc += ("\n\n    Args:\n        name: name of the metric instance.\n"
            "        dtype: dtype of the metric's computations.\n")
    return type(class_name, (FixedMeanMetric,), {"__init__": __init__, "__doc__": doc,
                                                  "__module__": __name__})


MeanSquaredError = _mean_metric("MeanSquaredError", reg.mean_squared_error,
                                "mean_squared_error", "Running mean of squared errors.")
MeanAbsoluteError = _mean_metric("MeanAbsoluteError", reg.mean_absolute_error,
                                 "mean_absolute_error", "Running mean of absolute errors.")
MeanAbsolutePercentageError = _mean_metric(
    "MeanAbsolutePercentageError", reg.mean_absolute_percentage_error,
    "mean_absolute_percentage_error", "Running mean absolute percentage error.")
MeanSquaredLogarithmicError = _mean_metric(
    "MeanSquaredLogarithmicError", reg.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", "Running mean squared logarithmic error.")
LogCoshError = _mean_metric("LogCoshError", reg.log_cosh, "logcosh",
                            "Running mean of the logarithm of the hyperbolic cosine of the error.")


class CosineSimilarity(FixedMeanMetric):
    """Running mean of the cosine similarity between labels and predictions.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
        axis: the axis along which similarity is computed.
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class RootMeanSquaredError(Mean):
    """Square root of the running mean of squared errors.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = prepare_pair(y_true, y_pred, to_torch_dtype(self.dtype))
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true.to(y_pred.dtype), y_pred)
        if y_true.shape != y_pred.shape:
            raise ValueError(
                f"In metric `{self.name}`, `y_true` and `y_pred` must have the same shape. "
                f"Received: y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}")
        return super().update_state(torch.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return torch.sqrt(super().result())


class R2Score(Metric):
    """Coefficient of determination (R²), optionally adjusted for the number of regressors.

    Args:
        class_aggregation: None (one score per output), "uniform_average" or
            "variance_weighted_average".
        num_regressors: number of independent regressors for the adjusted R² (0: plain R²).
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one of "
                             f"{valid}. Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value "
                             f">= 0. Received: num_regressors={num_regressors}")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), name="num_samples")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2 or y_true_shape != y_pred_shape:
            raise ValueError("R2Score expects 2D inputs of equal shape (batch_size, output_dim). "
                             f"Received input shapes: y_pred.shape={tuple(y_pred_shape)} and "
                             f"y_true.shape={tuple(y_true_shape)}.")
        n = y_pred_shape[-1]
        self._num_outputs = n
        self.squared_sum = self.add_variable((n,), name="squared_sum")
        self.sum = self.add_variable((n,), name="sum")
        self.total_mse = self.add_variable((n,), name="residual")
        self.count = self.add_variable((n,), name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        dtype = to_torch_dtype(self.dtype)
        y_true, y_pred = prepare_pair(y_true, y_pred, dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true.to(dtype), y_pred)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        elif y_true.shape != y_pred.shape or y_pred.shape[1:] != (self._num_outputs,):
            raise ValueError(f"In metric `{self.name}`, expected inputs of shape (batch_size, "
                             f"{self._num_outputs}). Received: y_true.shape="
                             f"{tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}")
        weight = torch.ones((), dtype=dtype, device=y_true.device) if sample_weight is None \
            else to_tensor(sample_weight, dtype, y_true.device).to(dtype)
        if weight.dim() == 1:
            weight = weight.unsqueeze(1)
        weight = torch.broadcast_to(weight, y_true.shape)
        weighted = y_true * weight
        self.sum.add_(weighted.sum(dim=0))
        self.squared_sum.add_((y_true * weighted).sum(dim=0))
        self.total_mse.add_((torch.square(y_true - y_pred) * weight).sum(dim=0))
        self.count.add_(weight.sum(dim=0))
        self.num_samples.add_(y_true.numel())

    def result(self):
        if not self._built:
            return torch.zeros((), device=self._device)
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        raw = 1 - self.total_mse / total
        raw = torch.where(torch.isinf(raw), torch.zeros_like(raw), raw)
        if self.class_aggregation == "uniform_average":
            score = raw.mean()
        elif self.class_aggregation == "variance_weighted_average":
            score = (total * raw).sum() / total.sum()
        else:
            score = raw
        if self.num_regressors != 0:
            # Adjusted R² only where it is defined (n - p - 1 > 0); plain R² otherwise.
            n = self.num_samples
            p = float(self.num_regressors)
            adjusted = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
            score = torch.where(n - 1.0 > p, adjusted, score)
        return score

    def reset_state(self):
        super().reset_state()

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
