"""Intersection-over-union metrics built on a running confusion matrix."""

import warnings

import torch

from cornu.backend.config import epsilon
from cornu.losses.loss import to_tensor
from cornu.metrics.metric import Metric
from cornu.utils.dtypes import to_torch_dtype


class _IoUBase(Metric):
    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int32")
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable((num_classes, num_classes),
                                          name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        dtype = to_torch_dtype(self.dtype)
        device = self.total_cm.device
        y_true = to_tensor(y_true, device=device)
        y_pred = to_tensor(y_pred, device=device)
        if not self.sparse_y_true:
            y_true = torch.argmax(y_true, dim=self.axis)
        if not self.sparse_y_pred:
            y_pred = torch.argmax(y_pred, dim=self.axis)
        y_true, y_pred = y_true.to(dtype).reshape(-1), y_pred.to(dtype).reshape(-1)
        if y_true.shape != y_pred.shape:
            raise ValueError(
                f"In metric `{self.name}`, `y_true` and `y_pred` must hold the same number of "
                f"labels. Received: {y_true.numel()} and {y_pred.numel()} labels.")
        if sample_weight is None:
            weight = torch.ones_like(y_true)
        else:
            if isinstance(sample_weight, torch.Tensor) and sample_weight.is_floating_point() \
                    and not dtype.is_floating_point:
                warnings.warn("You are passing weight as `float`, but dtype is `int`. This may "
                              "result in an incorrect weight due to type casting. Consider "
                              "using integer weights.", stacklevel=3)
            weight = to_tensor(sample_weight, device=device).to(dtype).reshape(-1)
            weight = torch.broadcast_to(weight, y_true.shape)
        n = self.num_classes
        valid = (y_true >= 0) & (y_true < n) & (y_pred >= 0) & (y_pred < n)
        if self.ignore_class is not None:
            valid = valid & (y_true != self.ignore_class)
        zero = torch.zeros_like(y_true)
        index = (torch.where(valid, y_true, zero) * n + torch.where(valid, y_pred, zero)).long()
        weight = torch.where(valid, weight, torch.zeros_like(weight))
        self.total_cm.view(-1).index_add_(0, index, weight.to(self.total_cm.dtype))

    def _per_class_iou(self):
        cm = self.total_cm.to(torch.float32)
        tp = torch.diagonal(cm)
        return tp, cm.sum(dim=0) + cm.sum(dim=1) - tp


class IoU(_IoUBase):
    """Mean intersection-over-union over the classes in `target_class_ids`.

    Args:
        num_classes: number of classes.
        target_class_ids: the classes whose IoU is averaged.
        name: name of the metric instance.
        dtype: dtype of the confusion matrix (int32 by default).
        ignore_class: a label left out of the counts.
        sparse_y_true: labels are class ids (False: one-hot / scores, arg-maxed).
        sparse_y_pred: predictions are class ids (False: scores, arg-maxed).
        axis: the class axis for arg-max.
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"Target class id {max(target_class_ids)} is out of range, which "
                             f"is [0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)
        self._target_ids = torch.as_tensor(self.target_class_ids).to(self._device)

    def result(self):
        tp, denominator = self._per_class_iou()
        ids = self._target_ids
        if ids.device != tp.device:
            ids = self._target_ids = ids.to(tp.device)
        tp, denominator = tp[ids], denominator[ids]
        valid = denominator > 1e-9
        iou = torch.where(valid, tp / (denominator + epsilon()), torch.zeros_like(tp))
        return iou.sum() / (valid.to(torch.float32).sum() + epsilon())

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class BinaryIoU(IoU):
    """IoU for binary labels and thresholded scores.

    Args:
        target_class_ids: which of the classes (0, 1) to average.
        threshold: scores at or above it count as class 1.
        name: name of the metric instance.
        dtype: dtype of the confusion matrix.
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = to_tensor(y_pred, torch.float32)
        return super().update_state(y_true, (y_pred >= self.threshold).long(), sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """Intersection-over-union averaged over all classes.

    Args:
        num_classes: number of classes.
        name: name of the metric instance.
        dtype: dtype of the confusion matrix (int32 by default).
        ignore_class: a label left out of the counts.
        sparse_y_true: labels are class ids (False: one-hot, arg-maxed).
        sparse_y_pred: predictions are class ids (False: scores, arg-maxed).
        axis: the class axis for arg-max.
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    """`IoU` for one-hot labels and score predictions.

    Args:
        num_classes: number of classes.
        target_class_ids: the classes whose IoU is averaged.
        name: name of the metric instance.
        dtype: dtype of the confusion matrix.
        ignore_class: a label left out of the counts.
        sparse_y_pred: predictions are class ids rather than scores.
        axis: the class axis.
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """`MeanIoU` for one-hot labels and score predictions.

    Args:
        num_classes: number of classes.
        name: name of the metric instance.
        dtype: dtype of the confusion matrix.
        ignore_class: a label left out of the counts.
        sparse_y_pred: predictions are class ids rather than scores.
        axis: the class axis.
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config
