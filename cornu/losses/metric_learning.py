"""Metric-learning losses over pairs of embeddings: the circle loss."""

import torch
import torch.nn.functional as F

from cornu.losses.loss import prepare_pair


def _pair_masks(query_labels, key_labels, remove_diagonal):
    query_labels = query_labels.reshape(-1, 1)
    key_labels = key_labels.reshape(1, -1)
    positive = query_labels == key_labels
    negative = ~positive
    if remove_diagonal:
        eye = torch.eye(query_labels.shape[0], key_labels.shape[1], dtype=torch.bool,
                        device=positive.device)
        positive = positive & ~eye
    return positive, negative


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
           gamma=80, margin=0.4):
    """Circle loss (Sun et al., 2020, arXiv:2002.10857) of L2-normalized embeddings.

    With cosine distances `d = max(1 - y_pred @ ref_embeddings.T, 0)`, each same-label
    pair contributes the logit `-gamma * max(margin + d, 0) * (margin - d)` and each
    other-label pair `gamma * max(1 + margin - d, 0) * (1 - margin - d)`; a row's loss is
    `softplus(logsumexp(positive logits) + logsumexp(negative logits))`. Rows whose loss
    is 0 (no positive pair, say) carry a mask, so reductions average over the others.

    Args:
        y_true: integer labels of the embeddings, shape `(batch,)` or `(batch, 1)`.
        y_pred: L2-normalized embeddings, shape `(batch, dim)`.
        ref_labels: labels of the reference embeddings; defaults to `y_true`.
        ref_embeddings: L2-normalized reference embeddings; defaults to `y_pred`.
        remove_diagonal: leave each embedding's pair with itself out of the positives.
        gamma: scale of the logits.
        margin: relaxation margin.

    Returns:
        One loss per row of `y_pred`.
    """
    labels, y_pred = prepare_pair(y_true, y_pred)
    labels = labels.to(torch.int32)
    ref_embeddings = y_pred if ref_embeddings is None else torch.as_tensor(
        ref_embeddings, dtype=y_pred.dtype, device=y_pred.device)
    ref_labels = labels if ref_labels is None else torch.as_tensor(
        ref_labels, device=labels.device).to(torch.int32)
    distances = torch.clamp(1 - y_pred @ ref_embeddings.T, min=0.0)
    positive, negative = _pair_masks(labels, ref_labels, remove_diagonal)
    positive_weights = torch.clamp((margin + distances) * positive, min=0.0)
    negative_weights = torch.clamp((1 + margin - distances) * negative, min=0.0)
    positive_logits = -gamma * positive_weights * (margin - distances)
    negative_logits = gamma * negative_weights * ((1 - margin) - distances)
    minus_inf = torch.tensor(float("-inf"), dtype=distances.dtype, device=distances.device)
    positive_term = torch.logsumexp(torch.where(positive, positive_logits, minus_inf), dim=1)
    negative_term = torch.logsumexp(torch.where(negative, negative_logits, minus_inf), dim=1)
    losses = F.softplus(positive_term + negative_term)
    losses._keras_mask = losses > 0
    return losses
