"""Turning integer indices into one-hot, multi-hot or count vectors (shared by the
categorical layers)."""

import torch

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


def check_output_mode(layer_name, output_mode, allowed=OUTPUT_MODES):
    if output_mode not in allowed:
        raise ValueError(f"{layer_name}: `output_mode` must be one of {allowed}. "
                         f"Received: output_mode={output_mode!r}")


def check_range(layer_name, indices, depth):
    if indices.numel() and int(indices.max()) >= depth:
        raise ValueError(f"{layer_name}: input values must be in [0, {depth}). "
                         f"Received a value of {int(indices.max())}")


def encode(indices, output_mode, depth, dtype, count_weights=None):
    """Encodes integer `indices` as Keras's `encode_categorical_inputs` does.

    Args:
        indices: an integer tensor; negative values encode to all zeros.
        output_mode: "int" (a cast), "one_hot" (a trailing axis of size 1 is replaced),
            "multi_hot" or "count" (over the last axis).
        depth: the size of the encoded axis.
        dtype: the output torch dtype.
        count_weights: for "count", per-value weights shaped like `indices`.
    """
    if output_mode == "int":
        return indices.to(dtype)
    if indices.dim() == 0:
        indices = indices.reshape(1)
    if output_mode == "one_hot" and indices.dim() > 1 and indices.shape[-1] == 1:
        indices = indices.squeeze(-1)
    indices = indices.long()
    valid = indices >= 0
    one_hot = torch.nn.functional.one_hot(indices.clamp(min=0), depth) * valid.unsqueeze(-1)
    if output_mode == "one_hot":
        return one_hot.to(dtype)
    if output_mode == "multi_hot":
        return one_hot.amax(dim=-2).to(dtype)
    if count_weights is not None:
        return (one_hot.to(count_weights.dtype) * count_weights.unsqueeze(-1)).sum(dim=-2)
    return one_hot.sum(dim=-2).to(dtype)


def encoded_shape(input_shape, output_mode, depth):
    """The output shape of `encode` for an input shape."""
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if not input_shape:
        return (depth,)
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    return input_shape[:-1] + (depth,)
