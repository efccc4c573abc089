"""Cross-entropy losses: binary, categorical, sparse categorical, their focal variants and
the generalized cross-entropy. Probabilities are clipped to `[eps, 1 - eps]`; logits go
through torch's stable fused kernels."""

import warnings

import torch
import torch.nn.functional as F

from cornu.backend.config import epsilon
from cornu.losses.loss import matched_pair, prepare_pair


def _check_axis(axis):
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"`axis` must be an int. Received: axis={axis!r}")


def _elementwise_bce(y_true, y_pred, from_logits):
    if from_logits:
        return F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none")
    y_pred = torch.clamp(y_pred, epsilon(), 1.0 - epsilon())
    return F.binary_cross_entropy(y_pred, y_true, reduction="none")


def _smooth_binary(y_true, label_smoothing):
    if label_smoothing:
        return y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return y_true


def _smooth_categorical(y_true, label_smoothing, axis):
    if label_smoothing:
        num_classes = y_true.shape[axis]
        return y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    return y_true


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy, averaged over `axis`.

    Args:
        y_true: 0/1 targets, same shape as `y_pred`.
        y_pred: probabilities, or logits when `from_logits=True`.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: squeezes targets towards 0.5 by this amount.
        axis: the axis to average over.
    """
    y_true, y_pred = matched_pair("binary_crossentropy", y_true, y_pred, squeeze=False)
    y_true = _smooth_binary(y_true, label_smoothing)
    return _elementwise_bce(y_true, y_pred, from_logits).mean(dim=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary focal cross-entropy: `(1 - p_t) ** gamma * bce`, averaged over `axis`.

    Args:
        y_true: 0/1 targets.
        y_pred: probabilities, or logits when `from_logits=True`.
        apply_class_balancing: weight positives by `alpha` and negatives by `1 - alpha`.
        alpha: class balancing weight.
        gamma: focusing parameter.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: squeezes targets towards 0.5 by this amount.
        axis: the axis to average over.
    """
    y_true, y_pred = matched_pair("binary_focal_crossentropy", y_true, y_pred, squeeze=False)
    y_true = _smooth_binary(y_true, label_smoothing)
    if from_logits:
        y_pred = torch.sigmoid(y_pred)
    bce = _elementwise_bce(y_true, y_pred, from_logits=False)
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal = torch.pow(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return focal.mean(dim=axis)


def _warn_single_class(name, y_pred):
    if y_pred.shape[-1] == 1:
        warnings.warn(
            f"In loss {name}, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.", SyntaxWarning, stacklevel=3)


def _log_probs(y_pred, from_logits, axis):
    if from_logits:
        return F.log_softmax(y_pred, dim=axis)
    y_pred = y_pred / y_pred.sum(dim=axis, keepdim=True)
    return torch.log(torch.clamp(y_pred, epsilon(), 1.0 - epsilon()))


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical cross-entropy between one-hot (or soft) targets and predictions.

    Args:
        y_true: one-hot targets, same shape as `y_pred`.
        y_pred: probabilities, or logits when `from_logits=True`.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: mixes targets with the uniform distribution by this amount.
        axis: the class axis.
    """
    _check_axis(axis)
    y_true, y_pred = matched_pair("categorical_crossentropy", y_true, y_pred, squeeze=False)
    if y_pred.dim() < 1:
        raise ValueError("In `categorical_crossentropy`, `y_pred` must be at least rank 1. "
                         f"Received: y_pred.shape={tuple(y_pred.shape)}")
    _warn_single_class("categorical_crossentropy", y_pred)
    y_true = _smooth_categorical(y_true, label_smoothing, -1)
    return -torch.sum(y_true * _log_probs(y_pred, from_logits, axis), dim=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Categorical focal cross-entropy: `alpha * (1 - p) ** gamma * cce`, summed over `axis`.

    Args:
        y_true: one-hot targets.
        y_pred: probabilities, or logits when `from_logits=True`.
        alpha: weighting factor.
        gamma: focusing parameter.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: mixes targets with the uniform distribution by this amount.
        axis: the class axis.
    """
    _check_axis(axis)
    y_true, y_pred = matched_pair("categorical_focal_crossentropy", y_true, y_pred, squeeze=False)
    _warn_single_class("categorical_focal_crossentropy", y_pred)
    y_true = _smooth_categorical(y_true, label_smoothing, -1)
    if from_logits:
        y_pred = torch.softmax(y_pred, dim=axis)
    output = y_pred / y_pred.sum(dim=axis, keepdim=True)
    output = torch.clamp(output, epsilon(), 1.0 - epsilon())
    cce = -y_true * torch.log(output)
    focal = alpha * torch.pow(1.0 - output, gamma) * cce
    return focal.sum(dim=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Cross-entropy between integer class labels and predicted class scores.

    Args:
        y_true: class indices (ints, or floats holding ints), shape of `y_pred` without
            the class axis (a trailing 1 is allowed).
        y_pred: probabilities, or logits when `from_logits=True`.
        from_logits: whether `y_pred` holds logits.
        ignore_class: a label whose entries get zero loss and are masked out.
        axis: the class axis of `y_pred`.
    """
    y_true, y_pred = prepare_pair(y_true, y_pred)
    if y_pred.dim() < 1:
        raise ValueError("In `sparse_categorical_crossentropy`, `y_pred` must be at least "
                         f"rank 1. Received: y_pred.shape={tuple(y_pred.shape)}")
    class_axis = axis % y_pred.dim()
    if y_true.dim() == y_pred.dim() and y_true.shape[class_axis] == 1:
        y_true = y_true.squeeze(class_axis)
    expected = y_pred.shape[:class_axis] + y_pred.shape[class_axis + 1:]
    if y_true.shape != expected:
        raise ValueError(
            "In `sparse_categorical_crossentropy`, `y_true` must have the shape of `y_pred` "
            f"without the class axis ({tuple(expected)}). Received: y_true.shape="
            f"{tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}")
    labels = y_true if y_true.dtype == torch.int64 else y_true.long()
    ignore_index = -100 if ignore_class is None else int(ignore_class)
    if y_pred.dim() == 1:
        scores, labels = y_pred.unsqueeze(0), labels.unsqueeze(0)
    else:
        scores = y_pred if class_axis == 1 else y_pred.movedim(class_axis, 1)
    if from_logits:
        result = F.cross_entropy(scores, labels, reduction="none", ignore_index=ignore_index)
    else:
        result = F.nll_loss(_log_probs(scores, False, 1), labels, reduction="none",
                            ignore_index=ignore_index)
    if y_pred.dim() == 1:
        result = result.squeeze(0)
    if ignore_class is not None:
        result._keras_mask = labels.reshape(result.shape) != ignore_index
    return result


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """Generalized cross-entropy `(1 - p_true ** q) / q` for integer labels.

    Args:
        y_true: class indices.
        y_pred: probabilities, shape `(..., num_classes)`.
        q: in (0, 1); q -> 0 approaches cross-entropy, q = 1 is MAE.
    """
    y_true, y_pred = prepare_pair(y_true, y_pred)
    one_hot = F.one_hot(y_true.long(), y_pred.shape[-1]).to(y_pred.dtype)
    p = torch.sum(y_pred * one_hot, dim=-1)
    return (1.0 - torch.pow(p, q)) / q
