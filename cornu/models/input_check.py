"""Checking data against a model's declared input shape before running it."""

import torch


def conform_input(x, shape, index, model_name, dtype=None):
    """Returns `x`, with a trailing dim of 1 added or dropped where Keras does so, and
    converted to the input's `dtype` (a torch dtype) as Keras converts it.

    Raises a ValueError naming the model, the expected and the received shape when a known
    (non-batch) dimension or the rank differs.
    """
    if not isinstance(x, torch.Tensor):
        return x
    if dtype is not None and x.dtype != dtype:
        mask = getattr(x, "_keras_mask", None)
        x = x.to(dtype)
        if mask is not None:
            x._keras_mask = mask
    ndim = x.dim()
    if ndim != len(shape):
        if ndim == len(shape) - 1 and shape[-1] == 1:
            return x.unsqueeze(-1)
        if ndim == len(shape) + 1 and x.shape[-1] == 1:
            return x.squeeze(-1)
        raise ValueError(
            f"Input {index} of model '{model_name}' is incompatible with the model: expected "
            f"shape={shape}, found shape={tuple(x.shape)}")
    for expected, actual in zip(shape[1:], x.shape[1:]):
        if expected is not None and expected != actual:
            raise ValueError(
                f"Input {index} of model '{model_name}' is incompatible with the model: expected "
                f"shape={shape}, found shape={tuple(x.shape)}")
    return x
