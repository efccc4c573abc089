"""Weight initializers with Keras's names, arguments and defaults."""

import math

import numpy as np
import torch

from cornu.backend.config import floatx
from cornu.saving import serialization_lib
from cornu.utils.dtypes import to_torch_dtype


class Initializer:
    """Base class: `initializer(shape, dtype=None)` returns a new tensor."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def clone(self):
        return self.__class__.from_config(self.get_config())


class _SeededInitializer(Initializer):
    def __init__(self, seed=None):
        if seed is not None and not isinstance(seed, int):
            raise ValueError(f"`seed` must be an int or None. Received: seed={seed!r}")
        self.seed = seed

    def _generator(self):
        if self.seed is None:
            return None
        return torch.Generator().manual_seed(self.seed)

    def get_config(self):
        return {"seed": self.seed}


def _empty(shape, dtype):
    return torch.empty(tuple(int(s) for s in shape), dtype=to_torch_dtype(dtype or floatx()))


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return torch.zeros(tuple(shape), dtype=to_torch_dtype(dtype or floatx()))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return torch.ones(tuple(shape), dtype=to_torch_dtype(dtype or floatx()))


class Constant(Initializer):
    """A constant value.

    Args:
        value: a scalar.
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return torch.full(tuple(shape), float(self.value), dtype=to_torch_dtype(dtype or floatx()))

    def get_config(self):
        return {"value": self.value}


class RandomNormal(_SeededInitializer):
    """Normal distribution.

    Args:
        mean: mean of the values.
        stddev: standard deviation.
        seed: optional int for reproducible values.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return _empty(shape, dtype).normal_(self.mean, self.stddev, generator=self._generator())

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_SeededInitializer):
    """Uniform distribution on `[minval, maxval)`.

    Args:
        minval: lower bound.
        maxval: upper bound.
        seed: optional int for reproducible values.
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        return _empty(shape, dtype).uniform_(self.minval, self.maxval, generator=self._generator())

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(_SeededInitializer):
    """Normal distribution cut at two standard deviations.

    Args:
        mean: mean of the values.
        stddev: standard deviation before truncation.
        seed: optional int for reproducible values.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        out = _empty(shape, dtype)
        with torch.no_grad():
            return _truncated_normal_(out, self.mean, self.stddev, self._generator())

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


def _truncated_normal_(tensor, mean, stddev, generator):
    # Inverse-CDF sampling on [-2, 2] standard deviations.
    lo, hi = (1.0 + math.erf(-2.0 / math.sqrt(2.0))) / 2.0, (1.0 + math.erf(2.0 / math.sqrt(2.0))) / 2.0
    tensor.uniform_(2 * lo - 1, 2 * hi - 1, generator=generator)
    tensor.erfinv_().mul_(stddev * math.sqrt(2.0)).add_(mean)
    return tensor.clamp_(mean - 2 * stddev, mean + 2 * stddev)


def compute_fans(shape, input_axes=None, output_axes=None):
    """Keras's fan-in / fan-out for a kernel shape (last two dims are in, out, unless the
    kernel's input and output axes are given, as EinsumDense does)."""
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return (int(np.prod([shape[a] for a in input_axes])),
                int(np.prod([shape[a] for a in output_axes])))
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class VarianceScaling(_SeededInitializer):
    """Scale-aware initializer (the family behind Glorot, He and LeCun).

    Args:
        scale: positive scaling factor.
        mode: "fan_in", "fan_out" or "fan_avg".
        distribution: "truncated_normal", "untruncated_normal" or "uniform".
        seed: optional int for reproducible values.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        super().__init__(seed)
        self.input_axes, self.output_axes = input_axes, output_axes
        if scale <= 0.0:
            raise ValueError(f"`scale` must be positive. Received: scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"`mode` must be 'fan_in', 'fan_out' or 'fan_avg'. Received: mode={mode!r}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(
                "`distribution` must be 'truncated_normal', 'untruncated_normal' or 'uniform'. "
                f"Received: distribution={distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, fan)
        out = _empty(shape, dtype)
        gen = self._generator()
        with torch.no_grad():
            if self.distribution == "truncated_normal":
                return _truncated_normal_(out, 0.0, math.sqrt(scale) / 0.87962566103423978, gen)
            if self.distribution == "untruncated_normal":
                return out.normal_(0.0, math.sqrt(scale), generator=gen)
            limit = math.sqrt(3.0 * scale)
            return out.uniform_(-limit, limit, generator=gen)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


def _preset(name, scale, mode, distribution, doc):
    def __init__(self, seed=None, input_axes=None, output_axes=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed, input_axes, output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config,
                                           "__doc__": doc, "__module__": __name__})


GlorotUniform = _preset("GlorotUniform", 1.0, "fan_avg", "uniform", "Glorot (Xavier) uniform.")
GlorotNormal = _preset("GlorotNormal", 1.0, "fan_avg", "truncated_normal", "Glorot (Xavier) normal.")
HeUniform = _preset("HeUniform", 2.0, "fan_in", "uniform", "He uniform.")
HeNormal = _preset("HeNormal", 2.0, "fan_in", "truncated_normal", "He normal.")
LecunUniform = _preset("LecunUniform", 1.0, "fan_in", "uniform", "LeCun uniform.")
LecunNormal = _preset("LecunNormal", 1.0, "fan_in", "truncated_normal", "LeCun normal.")


class Orthogonal(_SeededInitializer):
    """A (semi-)orthogonal matrix scaled by `gain`.

    Args:
        gain: multiplicative factor.
        seed: optional int for reproducible values.
    """

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) < 2:
            raise ValueError(f"Orthogonal initializer needs a shape of rank >= 2. Received: shape={tuple(shape)}")
        rows = int(np.prod(shape[:-1]))
        flat = torch.empty(rows, shape[-1])
        with torch.no_grad():
            torch.nn.init.orthogonal_(flat, gain=self.gain, generator=self._generator())
        return flat.reshape(tuple(shape)).to(to_torch_dtype(dtype or floatx()))

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """The identity matrix times `gain` (2D shapes only).

    Args:
        gain: multiplicative factor.
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity initializer needs a 2D shape. Received: shape={tuple(shape)}")
        return (self.gain * torch.eye(*shape)).to(to_torch_dtype(dtype or floatx()))

    def get_config(self):
        return {"gain": self.gain}


IdentityInitializer = Identity

from cornu.initializers.stft_initializer import STFT, STFTInitializer  # noqa: E402

_CLASSES = (Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling,
            GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform, LecunNormal,
            Orthogonal, Identity, STFT)
ALL_OBJECTS = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS.update({
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_uniform": HeUniform, "he_normal": HeNormal,
    "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal, "orthogonal": Orthogonal,
    "identity": Identity, "IdentityInitializer": Identity, "uniform": RandomUniform,
    "normal": RandomNormal, "zero": Zeros, "one": Ones, "stft": STFT, "STFTInitializer": STFT,
})

# Keras 3's lowercase names are the classes themselves (`initializers.he_normal(seed=1)`).
zeros, ones, constant, identity, orthogonal = Zeros, Ones, Constant, Identity, Orthogonal
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
variance_scaling, glorot_uniform, glorot_normal = VarianceScaling, GlorotUniform, GlorotNormal
he_uniform, he_normal, lecun_uniform, lecun_normal = HeUniform, HeNormal, LecunUniform, LecunNormal
OrthogonalInitializer = Orthogonal
stft = STFT


def serialize(initializer):
    return serialization_lib.serialize_keras_object(initializer)


def deserialize(config, custom_objects=None):
    return serialization_lib.deserialize_keras_object(config, custom_objects, ALL_OBJECTS)


def get(identifier):
    """Returns an initializer from a name, config dict, instance or callable."""
    if isinstance(identifier, (int, float)) and not isinstance(identifier, bool):
        return Constant(identifier)
    return serialization_lib.get_object(identifier, ALL_OBJECTS, "initializer")
