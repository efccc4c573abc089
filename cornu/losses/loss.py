"""The `Loss` base class and the sample-weighting and reduction rules Keras 3 uses."""

import numpy as np
import torch

from cornu.backend.config import floatx
from cornu.utils.dtypes import dtype_name, to_torch_dtype
from cornu.utils.naming import auto_name

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def standardize_reduction(reduction):
    """Checks `reduction` against the values Keras accepts and returns it."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Invalid value for argument `reduction`. Expected one of {REDUCTIONS}. "
            f"Received: reduction={reduction!r}")
    return reduction


def to_tensor(x, dtype=None, device=None):
    """Returns `x` as a torch tensor; numbers and arrays become `dtype` (floatx for floats).

    Args:
        x: a tensor, NumPy array, list or number.
        dtype: torch dtype for non-tensor float data (default floatx); integer and
            boolean data keep their type.
        device: target device, or None to keep the tensor's own.
    """
    if not isinstance(x, torch.Tensor):
        arr = np.asarray(x)
        if arr.dtype.kind in "iub":
            return torch.as_tensor(arr, device=device)
        return torch.as_tensor(arr, dtype=dtype or to_torch_dtype(floatx()), device=device)
    if device is not None and x.device != device:
        x = x.to(device, non_blocking=True)
    return x


def prepare_pair(y_true, y_pred, dtype=None):
    """Converts `y_pred` to a float tensor and `y_true` to a tensor on its device.

    Args:
        y_true: labels (any array-like).
        y_pred: predictions (any array-like).
        dtype: float dtype forced on `y_pred` (and float `y_true`), or None to keep
            `y_pred`'s own float dtype.
    """
    device = y_pred.device if isinstance(y_pred, torch.Tensor) else (
        y_true.device if isinstance(y_true, torch.Tensor) else None)
    y_pred = to_tensor(y_pred, dtype, device)
    if dtype is not None and y_pred.dtype != dtype:
        y_pred = y_pred.to(dtype)
    elif not y_pred.is_floating_point():
        y_pred = y_pred.to(to_torch_dtype(floatx()))
    y_true = to_tensor(y_true, y_pred.dtype, device)
    if y_true.is_floating_point() and y_true.dtype != y_pred.dtype:
        y_true = y_true.to(y_pred.dtype)
    return y_true, y_pred


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Makes ranks equal when they differ by one and the longer one ends in 1 (Keras's rule)."""
    r1, r2 = x1.dim(), x2.dim()
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2.unsqueeze(-1)
        else:
            x1 = x1.squeeze(-1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1.unsqueeze(-1)
        else:
            x2 = x2.squeeze(-1)
    return x1, x2


def check_same_shape(name, y_true, y_pred):
    """Raises a ValueError naming `name` when the two tensors' shapes differ."""
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"In `{name}`, `y_true` and `y_pred` must have the same shape (after Keras's "
            f"rank squeeze/expand). Received: y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}")


def matched_pair(name, y_true, y_pred, squeeze=True):
    """Converts both inputs like `prepare_pair`, applies the rank rule and checks shapes.

    Args:
        name: the loss's name, for error messages.
        y_true: labels.
        y_pred: predictions.
        squeeze: apply `squeeze_or_expand_to_same_rank` first.
    """
    y_true, y_pred = prepare_pair(y_true, y_pred)
    if squeeze:
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if y_true.dtype != y_pred.dtype:
        y_true = y_true.to(y_pred.dtype)
    check_same_shape(name, y_true, y_pred)
    return y_true, y_pred


def _divide_no_nan(x, y):
    return torch.where(y == 0, torch.zeros_like(x), x / torch.where(y == 0, torch.ones_like(y), y))


def apply_mask(sample_weight, mask, dtype, reduction):
    """Folds a boolean mask into the sample weights as Keras does.

    With "mean"/"sum_over_batch_size" the valid entries are scaled by total/valid so the
    reduction averages over valid entries only.
    """
    if mask is None:
        return sample_weight
    mask = to_tensor(mask, device=None)
    if reduction in ("mean", "sum_over_batch_size"):
        total = float(mask.numel())
        valid = mask.to(dtype).sum()
        scale = _divide_no_nan(torch.full_like(valid, total), valid)
        float_mask = torch.where(mask.bool(), scale, torch.zeros_like(scale))
    else:
        float_mask = mask.to(dtype)
    if sample_weight is None:
        return float_mask
    sample_weight = to_tensor(sample_weight, dtype, float_mask.device).to(dtype)
    float_mask, sample_weight = align_weight(float_mask, sample_weight, "mask")
    return sample_weight * float_mask


def align_weight(values, sample_weight, name):
    """Matches `sample_weight` to `values`: Keras's rank rule, then lower-rank weights are
    aligned with the leading (batch) axes; incompatible shapes raise a ValueError."""
    values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
    if 0 < sample_weight.dim() < values.dim():  # weights index the leading (batch) axes
        sample_weight = sample_weight.reshape(
            tuple(sample_weight.shape) + (1,) * (values.dim() - sample_weight.dim()))
    if sample_weight.dim() <= values.dim():
        lead = values.shape[-sample_weight.dim():] if sample_weight.dim() else ()
        if any(w not in (1, v) for w, v in zip(sample_weight.shape, lead)):
            raise ValueError(
                f"In `{name}`, `sample_weight` of shape {tuple(sample_weight.shape)} does not "
                f"match the per-sample losses of shape {tuple(values.shape)}.")
    return values, sample_weight


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Sums `values` and divides as `reduction` asks ("none"/None returns them unchanged)."""
    if reduction is None or reduction == "none" or values.dim() == 0 or tuple(values.shape) == (0,):
        return values
    loss = values.sum()
    if reduction == "sum":
        return loss
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return _divide_no_nan(loss, sample_weight.sum().to(loss.dtype))
    count = values.numel()
    return loss / count if count else loss * 0


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size", dtype=None, name="loss"):
    """Applies mask and sample weights to per-sample `values`, then reduces them.

    Args:
        values: per-sample losses.
        sample_weight: optional weights, broadcast over the batch axes.
        mask: optional boolean mask of valid entries.
        reduction: one of Keras's reduction names.
        dtype: torch dtype of the computation.
        name: the loss's name, for error messages.
    """
    reduction = standardize_reduction(reduction)
    values = to_tensor(values)
    dtype = dtype or values.dtype
    if values.dtype != dtype:
        values = values.to(dtype)
    if sample_weight is not None:
        sample_weight = to_tensor(sample_weight, dtype, values.device).to(dtype)
    if mask is not None:
        mask = to_tensor(mask, device=values.device)
    sample_weight = apply_mask(sample_weight, mask, dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = align_weight(values, sample_weight, name)
        values = values * sample_weight
    return reduce_values(values, sample_weight, reduction)


class Loss:
    """Base class of losses: subclasses implement `call(y_true, y_pred)`.

    Args:
        name: name of the loss instance.
        reduction: "sum_over_batch_size" (default), "sum", "mean",
            "mean_with_sample_weight", "none" or None.
        dtype: dtype of the computation; defaults to `floatx()`.
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or auto_name(self.__class__.__name__)
        self.reduction = standardize_reduction(reduction)
        dtype = getattr(dtype, "compute_dtype", dtype)  # accept a dtype policy
        self._dtype = dtype_name(dtype or floatx())
        self._torch_dtype = to_torch_dtype(self._dtype)

    @property
    def dtype(self):
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        in_mask = getattr(y_pred, "_keras_mask", None)
        y_true, y_pred = prepare_pair(y_true, y_pred, self._torch_dtype)
        losses = self.call(y_true, y_pred)
        out_mask = getattr(losses, "_keras_mask", None)
        if in_mask is not None and out_mask is not None:
            mask = in_mask.bool() & out_mask.bool()
        else:
            mask = out_mask if in_mask is None else in_mask
        return reduce_weighted_values(losses, sample_weight, mask, self.reduction,
                                      self._torch_dtype, self.name)

    def call(self, y_true, y_pred):
        """Returns the per-sample losses for `y_true` and `y_pred` (tensors)."""
        raise NotImplementedError

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{self.__class__.__name__} name={self.name}>"
