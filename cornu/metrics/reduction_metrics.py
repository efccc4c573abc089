"""Running reductions: `Sum`, `Mean` and `MeanMetricWrapper` (the mean of a per-sample function)."""

import torch

from cornu.losses.loss import apply_mask, prepare_pair, squeeze_or_expand_to_same_rank, to_tensor
from cornu.metrics.metric import Metric
from cornu.saving import serialization_lib
from cornu.utils.dtypes import to_torch_dtype


def _reduce_trailing(x, start, reduce_fn):
    if x.dim() > start:
        return reduce_fn(x, dim=tuple(range(start, x.dim())))
    return x


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype, name="metric"):
    """Weights `values` and reduces them to one value per sample, as Keras's metrics do.

    Args:
        values: a tensor whose first axis is the batch.
        sample_weight: optional weights broadcastable to `values`' leading axes.
        reduce_fn: `torch.sum` or `torch.mean`, used over the non-batch axes.
        dtype: torch dtype of the computation.
        name: the metric's name, for error messages.

    Returns:
        `(values, sample_weight)`, each of shape `(batch_size,)` (or scalar).
    """
    mask = getattr(values, "_keras_mask", None)
    values = to_tensor(values, dtype)
    if values.dtype != dtype:
        values = values.to(dtype)
    if sample_weight is not None:
        sample_weight = to_tensor(sample_weight, dtype, values.device).to(dtype)
        if mask is not None:
            sample_weight = apply_mask(sample_weight, mask, dtype, "sum")
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim = sample_weight.dim()
        values = _reduce_trailing(values, weight_ndim, reduce_fn)
        try:
            sample_weight = torch.broadcast_to(sample_weight, values.shape)
        except RuntimeError:
            raise ValueError(
                f"In metric `{name}`, `sample_weight` of shape "
                f"{tuple(sample_weight.shape)} cannot be broadcast to the per-sample values "
                f"of shape {tuple(values.shape)}.") from None
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = _reduce_trailing(sample_weight, 1, reduce_fn)
    values = _reduce_trailing(values, 1, reduce_fn)
    return values, sample_weight


class Sum(Metric):
    """Running (weighted) sum of the given values.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, values, sample_weight=None):
        dtype = to_torch_dtype(self.dtype)
        values, _ = reduce_to_samplewise_values(values, sample_weight, torch.sum, dtype, self.name)
        self.total.add_(values.sum().to(device=self.total.device))

    def result(self):
        return self.total.detach().clone()


class Mean(Metric):
    """Running (weighted) mean of the given values.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, values, sample_weight=None):
        dtype = to_torch_dtype(self.dtype)
        values, sample_weight = reduce_to_samplewise_values(
            values, sample_weight, torch.mean, dtype, self.name)
        self.total.add_(values.sum().to(device=self.total.device))
        if sample_weight is not None:
            self.count.add_(sample_weight.sum().to(device=self.count.device))
        else:
            self.count.add_(values.shape[0] if values.dim() >= 1 else 1)

    def result(self):
        count = self.count
        safe = torch.where(count == 0, torch.ones_like(count), count)
        return torch.where(count == 0, torch.zeros_like(self.total), self.total / safe)


class MeanMetricWrapper(Mean):
    """The running mean of `fn(y_true, y_pred, **kwargs)` over all samples seen.

    Args:
        fn: a per-sample metric or loss function.
        name: name of the metric instance; defaults to `fn.__name__`.
        dtype: dtype of the metric's computations.
        **kwargs: passed to `fn` on every call.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None) or "mean_metric_wrapper",
                         dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        mask = getattr(y_pred, "_keras_mask", None)
        y_true, y_pred = prepare_pair(y_true, y_pred)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        dtype = to_torch_dtype(self.dtype)
        if mask is not None:
            sample_weight = apply_mask(sample_weight, mask, dtype, "sum")
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        config["fn"] = serialization_lib.serialize_keras_object(self._fn)
        config.update(serialization_lib.serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("fn"), (dict, str)):
            from cornu.metrics import deserialize

            config["fn"] = deserialize(config["fn"])
        return cls(**config)


class FixedMeanMetric(MeanMetricWrapper):
    """A `MeanMetricWrapper` over a fixed function; its config lists only its own arguments."""

    _config_keys = ()

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype}
        config.update({k: getattr(self, k) for k in self._config_keys})
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)
