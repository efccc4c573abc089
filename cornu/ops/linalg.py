"""`cornu.ops.linalg`: linear algebra on the last two axes (batched over the others).

Integer inputs are computed in `floatx()`. Every function is also in `cornu.ops`.
"""

import torch

from cornu.ops.math import norm
from cornu.ops.promotion import float_type, tensor
from cornu.ops.symbolic_dispatch import symbolic_op

__all__ = ["cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "lstsq", "lu_factor",
           "norm", "pinv", "qr", "slogdet", "solve", "solve_triangular", "svd"]


def _float(x):
    x = tensor(x)
    return x.to(float_type(x))


def _pair(a, b):
    a, b = tensor(a), tensor(b)
    dtype = float_type(a, b)
    return a.to(dtype), b.to(device=a.device, dtype=dtype)


@symbolic_op
def cholesky(x, upper=False):
    """The Cholesky factor of symmetric positive-definite `x` (lower unless `upper`)."""
    return torch.linalg.cholesky(_float(x), upper=upper)


@symbolic_op
def cholesky_inverse(x, upper=False):
    """The inverse of a matrix from its Cholesky factor `x`."""
    return torch.cholesky_inverse(_float(x), upper=upper)


@symbolic_op
def det(x):
    return torch.linalg.det(_float(x))


def eig(x):
    """Eigenvalues and eigenvectors of square `x` (complex)."""
    w, v = torch.linalg.eig(_float(x))
    return w, v


def eigh(x, UPLO="L"):
    """Eigenvalues (ascending) and eigenvectors of symmetric / Hermitian `x`."""
    w, v = torch.linalg.eigh(_float(x), UPLO=UPLO)
    return w, v


@symbolic_op
def inv(x):
    return torch.linalg.inv(_float(x))


@symbolic_op
def pinv(x, rcond=None):
    """The Moore-Penrose pseudo-inverse (singular values below `rcond` times the largest
    count as zero)."""
    return torch.linalg.pinv(_float(x), rtol=rcond)


@symbolic_op
def lstsq(a, b, rcond=None):
    """The least-squares solution `x` of `a @ x = b` (singular values below `rcond` times
    the largest count as zero; by default, machine epsilon times `max(M, N)`)."""
    a, b = _pair(a, b)
    if rcond is None:
        rcond = torch.finfo(a.dtype).eps * max(a.shape[-2:])
    vector = b.ndim == a.ndim - 1
    x = torch.linalg.pinv(a, rtol=rcond) @ (b.unsqueeze(-1) if vector else b)
    return x.squeeze(-1) if vector else x


def lu_factor(x):
    """The packed LU factorization of `x` and its 0-based int32 row pivots."""
    lu, pivots = torch.linalg.lu_factor(_float(x))
    return lu, (pivots - 1).to(torch.int32)


def qr(x, mode="reduced"):
    """`(q, r)` with `mode` "reduced" or "complete"."""
    if mode not in ("reduced", "complete"):
        raise ValueError(f"`mode` must be 'reduced' or 'complete'. Received: mode={mode!r}")
    q, r = torch.linalg.qr(_float(x), mode=mode)
    return q, r


def slogdet(x):
    """`(sign, log|det|)` of `x`."""
    sign, logabsdet = torch.linalg.slogdet(_float(x))
    return sign, logabsdet


@symbolic_op
def solve(a, b):
    """`x` with `a @ x = b`."""
    return torch.linalg.solve(*_pair(a, b))


@symbolic_op
def solve_triangular(a, b, lower=False):
    """`x` with `a @ x = b` for triangular `a` (upper unless `lower`)."""
    a, b = _pair(a, b)
    vector = b.ndim == a.ndim - 1
    x = torch.linalg.solve_triangular(a, b.unsqueeze(-1) if vector else b, upper=not lower)
    return x.squeeze(-1) if vector else x


def svd(x, full_matrices=True, compute_uv=True):
    """`(u, s, vh)` with `x = u @ diag(s) @ vh`, or only `s` if not `compute_uv`."""
    x = _float(x)
    if not compute_uv:
        return torch.linalg.svdvals(x)
    u, s, vh = torch.linalg.svd(x, full_matrices=full_matrices)
    return u, s, vh


from cornu.ops.misc import jvp, matrix_rank  # noqa: E402,F401  (also in Keras's ops.linalg)
