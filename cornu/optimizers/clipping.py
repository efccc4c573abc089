"""Gradient clipping as Keras does it, on lists of tensors with foreach kernels.

Every function returns new tensors (the caller's gradients are never modified) and runs
entirely on the gradients' device: no value is read back to the host.
"""

import torch


def clip_by_value(grads, clipvalue):
    """Clips every element to `[-clipvalue, clipvalue]`."""
    grads = torch._foreach_clamp_min(grads, -clipvalue)
    torch._foreach_clamp_max_(grads, clipvalue)
    return grads


def clip_by_norm(grads, clipnorm):
    """Rescales each gradient separately so that its L2 norm is at most `clipnorm`."""
    factors = torch._foreach_norm(grads)
    torch._foreach_clamp_min_(factors, clipnorm)  # max(norm, clipnorm)
    torch._foreach_reciprocal_(factors)
    torch._foreach_mul_(factors, clipnorm)
    return torch._foreach_mul(grads, factors)


def global_norm(grads):
    """The L2 norm of all gradients together, as a 0-d tensor (float32 or wider)."""
    norms = torch._foreach_norm(grads)
    dtype = torch.promote_types(norms[0].dtype, torch.float32)
    return torch.linalg.vector_norm(torch.stack([n.to(dtype) for n in norms]))


def clip_by_global_norm(grads, clipnorm):
    """Rescales all gradients by one factor so that their global norm is at most `clipnorm`.

    A non-finite global norm makes every gradient NaN, as in Keras.
    """
    norm = global_norm(grads)
    scale = clipnorm * torch.minimum(1.0 / norm, torch.ones_like(norm) / clipnorm)
    scale = scale + (norm - norm)  # NaN when the norm is inf or NaN
    return torch._foreach_mul(grads, scale.to(grads[0].dtype))
