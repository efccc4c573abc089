"""Encoding integer indices as one-hot, multi-hot or count vectors, as Keras's
categorical preprocessing layers do."""

import torch

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


def check_output_mode(layer_name, output_mode, allowed=OUTPUT_MODES):
    if output_mode not in allowed:
        raise ValueError(f"{layer_name}: invalid `output_mode`. Expected one of {allowed}. "
                         f"Received: output_mode={output_mode!r}")


def encode_categorical(indices, output_mode, depth, dtype=torch.int64, count_weights=None):
    """Encodes a tensor of indices in `[0, depth)`; indices outside that range are dropped.

    Args:
        indices: an integer tensor.
        output_mode: "int" (returned as they are), "one_hot" (a new last axis of size
            `depth`; a last axis of size 1 is replaced), "multi_hot" (the last axis becomes
            a `depth`-sized indicator of the values it holds) or "count" (as "multi_hot",
            with counts; the sample axis is axis 1 for inputs of rank 2 and more, as Keras).
        depth: the size of the encoded axis.
        dtype: the output dtype.
        count_weights: for "count", a tensor shaped like `indices` weighting each value.
    """
    if output_mode == "int":
        return indices.to(dtype)
    if indices.dim() == 0:
        indices = indices.reshape(1)
    if output_mode == "one_hot" and indices.dim() > 1 and indices.shape[-1] == 1:
        indices = indices.squeeze(-1)
    classes = torch.arange(depth, device=indices.device)
    one_hot = indices.unsqueeze(-1) == classes
    if output_mode == "one_hot":
        return one_hot.to(dtype)
    if output_mode == "multi_hot":
        return one_hot.any(dim=-2).to(dtype)
    if count_weights is not None:
        weights = torch.as_tensor(count_weights, device=indices.device)
        return (one_hot.to(weights.dtype) * weights.unsqueeze(-1)).sum(
            dim=1 if indices.dim() > 1 else 0)
    return one_hot.to(dtype).sum(dim=1 if indices.dim() > 1 else 0)


def encoded_shape(input_shape, output_mode, depth):
    """The output shape of `encode_categorical` for an input shape."""
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if not input_shape:
        return (depth,)
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    if output_mode == "count" and len(input_shape) > 2:
        return input_shape[:1] + input_shape[2:] + (depth,)
    return input_shape[:-1] + (depth,)
