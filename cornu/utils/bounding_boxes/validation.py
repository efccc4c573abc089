"""Checking and densifying the `{"boxes": ..., "labels": ...}` dicts image layers take."""

import torch

from cornu.utils.bounding_boxes.converters import to_tensor


def validate_bounding_boxes(bounding_boxes):
    """Raises a ValueError unless `bounding_boxes` is a dict of boxes and labels whose ranks
    agree (boxes `(N, 4)` with labels `(N,)` / `(N, C)`, or batched)."""
    if (not isinstance(bounding_boxes, dict) or "labels" not in bounding_boxes
            or "boxes" not in bounding_boxes):
        raise ValueError("Expected `bounding_boxes` argument to be a dict with keys 'boxes' "
                         f"and 'labels'. Received: bounding_boxes={bounding_boxes}")
    boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
    if isinstance(boxes, list):
        if not isinstance(labels, list) or len(boxes) != len(labels):
            raise ValueError("If `bounding_boxes['boxes']` is a list, "
                             "`bounding_boxes['labels']` must be a list of the same length. "
                             f"Received: bounding_boxes['labels']={labels}")
        return
    boxes_rank, labels_rank = len(boxes.shape), len(to_tensor(labels).shape)
    if boxes_rank not in (2, 3):
        raise ValueError("Expected `bounding_boxes['boxes']` to have rank 2 or 3, with shape "
                         "(num_boxes, 4) or (batch_size, num_boxes, 4). Received: "
                         f"bounding_boxes['boxes'].shape={tuple(boxes.shape)}")
    if labels_rank not in (boxes_rank - 1, boxes_rank):
        raise ValueError(f"Found bounding_boxes['boxes'].shape={tuple(boxes.shape)} and "
                         f"expected bounding_boxes['labels'] to have rank {boxes_rank - 1} or "
                         f"{boxes_rank}, but received: bounding_boxes['labels'].shape="
                         f"{tuple(to_tensor(labels).shape)}")


def _pad_list(boxes, labels, max_boxes, box_value, label_value):
    boxes = [list(b)[:max_boxes] for b in boxes]
    labels = [list(lab)[:max_boxes] for lab in labels]
    boxes = [b + [[box_value] * 4] * (max_boxes - len(b)) for b in boxes]
    labels = [lab + [label_value] * (max_boxes - len(lab)) for lab in labels]
    return boxes, labels


def densify_bounding_boxes(bounding_boxes, is_batched=False, max_boxes=None,
                           boxes_default_value=0, labels_default_value=-1, device=None):
    """`{"boxes": float32 tensor, "labels": tensor}` from a bounding-box dict.

    Boxes given as (per-image) lists of different lengths are padded to the longest (or cut
    to `max_boxes`) with `boxes_default_value` and labels `labels_default_value`.
    """
    validate_bounding_boxes(bounding_boxes)
    boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
    result = dict(bounding_boxes)
    if isinstance(boxes, list):
        if is_batched:
            longest = max((len(b) for b in boxes), default=0)
            boxes, labels = _pad_list(boxes, labels, max_boxes or longest,
                                      boxes_default_value, labels_default_value)
        else:
            (boxes,), (labels,) = _pad_list([boxes], [labels], max_boxes or len(boxes),
                                            boxes_default_value, labels_default_value)
        result["boxes"] = torch.as_tensor(boxes, dtype=torch.float32, device=device)
        result["labels"] = torch.as_tensor(labels, dtype=torch.int32, device=device)
        return result
    result["boxes"] = to_tensor(boxes).to(device=device, dtype=torch.float32)
    result["labels"] = to_tensor(labels).to(device=device)
    return result
