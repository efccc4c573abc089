"""Connectionist temporal classification (CTC) loss."""

import torch
import torch.nn.functional as F

from cornu.losses.loss import prepare_pair


def ctc(y_true, y_pred):
    """CTC loss per sample; label 0 is the blank and pads `y_true`.

    Args:
        y_true: integer labels, shape `(batch_size, max_label_length)`, padded with 0.
        y_pred: unnormalised scores, shape `(batch_size, max_time, num_classes)`.
    """
    y_true, y_pred = prepare_pair(y_true, y_pred)
    if y_true.dim() != 2:
        raise ValueError("In `ctc`, `y_true` must have shape (batch_size, max_length) of "
                         f"integer labels. Received: y_true.shape={tuple(y_true.shape)}")
    if y_pred.dim() != 3:
        raise ValueError("In `ctc`, `y_pred` must have shape (batch_size, max_length, "
                         f"num_classes). Received: y_pred.shape={tuple(y_pred.shape)}")
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError("In `ctc`, `y_true` and `y_pred` must have the same batch size. "
                         f"Received: y_true.shape={tuple(y_true.shape)}, "
                         f"y_pred.shape={tuple(y_pred.shape)}")
    labels = y_true.long()
    batch, time = y_pred.shape[0], y_pred.shape[1]
    label_length = (labels != 0).sum(dim=-1)
    input_length = torch.full((batch,), time, dtype=torch.long, device=y_pred.device)
    if y_pred.dtype in (torch.float16, torch.bfloat16):
        y_pred = y_pred.float()
    log_probs = F.log_softmax(y_pred.transpose(0, 1), dim=-1)
    return F.ctc_loss(log_probs, labels, input_length, label_length, blank=0, reduction="none")
