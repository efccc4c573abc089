"""Random tensors: Keras's `keras.random` functions on torch generators.

`seed` is None (torch's global generator, seeded by `keras.utils.set_random_seed`), an int
(the same values on every call, as Keras's integer seeds), or a `SeedGenerator` (a new draw
on every call). Ops without a tensor argument create their result on the device of the
enclosing layer call's inputs, else on `cornu.config.device()`; during shape inference (meta
tensors) they return empty meta tensors and leave seed generators untouched.
"""

import numpy as np
import torch

from cornu.backend.config import floatx
from cornu.random.seed_generator import SeedGenerator
from cornu.utils.dtypes import to_torch_dtype

__all__ = ["normal", "uniform", "truncated_normal", "randint", "categorical", "dropout",
           "shuffle", "gamma", "beta", "binomial"]


# torch.compile cannot trace torch.Generator objects, and tracing the seed counter would
# recompile on every draw: random ops always run eagerly (a graph break under jit_compile).
_eager = torch.compiler.disable


def _target_device():
    from cornu.layers.layer import current_device
    d = current_device()
    if d is not None:
        return d
    from cornu.backend.config import device
    return device()


def _generator(seed, device):
    """A torch generator for `seed` on `device` (None: torch's global one)."""
    if seed is None:
        return None
    if isinstance(seed, SeedGenerator):
        value = seed.draw()
    elif isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        value = int(seed) & 0xFFFFFFFF  # as Keras: integer seeds are uint32
    else:
        raise ValueError("Argument `seed` must be either an integer or an instance of "
                         f"`SeedGenerator`. Received: seed={seed!r} (of type {type(seed)})")
    return torch.Generator(device=device).manual_seed(value)


def _shape(shape):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    out = []
    for d in shape:
        if d is None:
            raise ValueError(f"Random ops need a fully defined shape. Received: shape={shape}")
        out.append(int(d))
    return tuple(out)


def _float_dtype(dtype, op):
    dtype = to_torch_dtype(dtype or floatx())
    if not dtype.is_floating_point:
        raise ValueError(f"`keras.random.{op}` requires a floating point `dtype`. "
                         f"Received: dtype={dtype}")
    return dtype


def _param(value, device, dtype):
    if isinstance(value, torch.Tensor):
        return value.to(device=device, dtype=dtype)
    return torch.as_tensor(np.asarray(value), dtype=dtype, device=device)


@_eager
def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from a normal distribution with `mean` and `stddev`."""
    shape, dtype, device = _shape(shape), _float_dtype(dtype, "normal"), _target_device()
    if device.type == "meta":
        return torch.empty(shape, dtype=dtype, device=device)
    out = torch.empty(shape, dtype=dtype, device=device)
    return out.normal_(0.0, 1.0, generator=_generator(seed, device)).mul_(stddev).add_(mean)


@_eager
def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples uniformly from `[minval, maxval)`."""
    shape, dtype, device = _shape(shape), _float_dtype(dtype, "uniform"), _target_device()
    if device.type == "meta":
        return torch.empty(shape, dtype=dtype, device=device)
    out = torch.rand(shape, dtype=dtype, device=device, generator=_generator(seed, device))
    return out * (maxval - minval) + minval


@_eager
def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from a normal distribution cut at two standard deviations from `mean`."""
    from cornu.initializers import _truncated_normal_
    shape, dtype, device = _shape(shape), _float_dtype(dtype, "truncated_normal"), _target_device()
    out = torch.empty(shape, dtype=dtype, device=device)
    if device.type == "meta":
        return out
    return _truncated_normal_(out, mean, stddev, _generator(seed, device))


@_eager
def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Samples integers uniformly from `[minval, maxval)`."""
    shape, device = _shape(shape), _target_device()
    dtype = to_torch_dtype(dtype)
    if device.type == "meta":
        return torch.empty(shape, dtype=dtype, device=device)
    return torch.randint(int(minval), int(maxval), shape, dtype=dtype, device=device,
                         generator=_generator(seed, device))


@_eager
def categorical(logits, num_samples, dtype="int32", seed=None):
    """Draws `num_samples` class indices per row of `logits` (shape `(batch, classes)`)."""
    logits = torch.as_tensor(logits) if not isinstance(logits, torch.Tensor) else logits
    if logits.ndim != 2:
        raise ValueError("`logits` should be a 2-D tensor with shape [batch_size, num_classes]. "
                         f"Received: logits.shape={tuple(logits.shape)}")
    dtype = to_torch_dtype(dtype)
    if logits.device.type == "meta":
        return torch.empty((logits.shape[0], int(num_samples)), dtype=dtype, device="meta")
    probs = torch.softmax(logits.float() if not logits.is_floating_point() else logits, -1)
    out = torch.multinomial(probs, int(num_samples), replacement=True,
                            generator=_generator(seed, logits.device))
    return out.to(dtype)


@_eager
def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zeroes each entry with probability `rate` and scales the others by `1 / (1 - rate)`.

    Args:
        inputs: the tensor.
        rate: drop probability, in [0, 1).
        noise_shape: the shape of the mask, broadcast over `inputs` (None entries take
            the inputs' size).
        seed: None, an int or a `SeedGenerator`.
    """
    x = inputs if isinstance(inputs, torch.Tensor) else torch.as_tensor(np.asarray(inputs))
    if not 0 <= rate < 1:
        raise ValueError(f"`rate` must be in [0, 1). Received: rate={rate}")
    if x.device.type == "meta" or rate == 0:
        return x
    if noise_shape is None:
        shape = tuple(x.shape)
    else:
        shape = tuple(x.shape[i] if d is None else int(d) for i, d in enumerate(noise_shape))
    keep = torch.rand(shape, device=x.device, generator=_generator(seed, x.device)) >= rate
    return torch.where(keep, x / (1.0 - rate), torch.zeros((), dtype=x.dtype, device=x.device))


@_eager
def shuffle(x, axis=0, seed=None):
    """`x` with its entries along `axis` in a random order."""
    x = x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    if x.device.type == "meta":
        return x
    order = torch.randperm(x.shape[axis], device=x.device, generator=_generator(seed, x.device))
    return torch.index_select(x, axis, order)


def _sample_device_and_params(shape, params, dtype):
    device = _target_device()
    for p in params:
        if isinstance(p, torch.Tensor):
            device = p.device
            break
    return device, [_param(p, device, dtype).expand(shape) for p in params]


def _work_dtype(dtype):
    # torch's gamma and binomial samplers lack half-precision kernels: sample in float32.
    return torch.float64 if dtype == torch.float64 else torch.float32


@_eager
def gamma(shape, alpha, dtype=None, seed=None):
    """Samples from a gamma distribution with concentration `alpha` (scale 1)."""
    shape, dtype = _shape(shape), _float_dtype(dtype, "gamma")
    device, (alpha,) = _sample_device_and_params(shape, [alpha], _work_dtype(dtype))
    if device.type == "meta":
        return torch.empty(shape, dtype=dtype, device=device)
    generator = _generator(seed, device)
    return torch._standard_gamma(alpha.contiguous(), generator=generator).to(dtype)


@_eager
def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples from a beta distribution with concentrations `alpha` and `beta`."""
    shape, dtype = _shape(shape), _float_dtype(dtype, "beta")
    device, (a, b) = _sample_device_and_params(shape, [alpha, beta], _work_dtype(dtype))
    if device.type == "meta":
        return torch.empty(shape, dtype=dtype, device=device)
    generator = _generator(seed, device)
    x = torch._standard_gamma(a.contiguous(), generator=generator)
    y = torch._standard_gamma(b.contiguous(), generator=generator)
    return (x / (x + y)).to(dtype)


@_eager
def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Samples the number of successes in `counts` trials of probability `probabilities`."""
    shape, dtype = _shape(shape), _float_dtype(dtype, "binomial")
    device, (n, p) = _sample_device_and_params(shape, [counts, probabilities],
                                               _work_dtype(dtype))
    if device.type == "meta":
        return torch.empty(shape, dtype=dtype, device=device)
    out = torch.binomial(n.contiguous(), p.contiguous(), generator=_generator(seed, device))
    return out.to(dtype)

