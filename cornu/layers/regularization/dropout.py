"""`Dropout`: zeroes a random fraction of the inputs during training."""

import torch
import torch.nn.functional as F

from cornu.layers.layer import Layer


def noise_shape_of(inputs, noise_shape):
    """The shape of a dropout mask: `noise_shape` with its None entries taken from the inputs
    (the inputs' shape when `noise_shape` is None)."""
    if noise_shape is None:
        return inputs.shape
    return tuple(inputs.shape[i] if d is None else d for i, d in enumerate(noise_shape))


def keep_mask(inputs, shape, rate, generator):
    """A mask of `shape` in the inputs' dtype and on their device, 1 with probability
    `1 - rate` and 0 otherwise; drawn on the CPU from `generator` (None: the global one)."""
    keep = torch.rand(shape, generator=generator) >= rate
    return keep.to(device=inputs.device, dtype=inputs.dtype)


class Dropout(Layer):
    """Randomly sets inputs to 0 with probability `rate` in training, scaling the rest by 1/(1-rate).

    Args:
        rate: fraction of the inputs to drop, in [0, 1).
        noise_shape: shape of the binary mask (1 where the mask is shared), e.g. `(N, 1, C)`.
        seed: optional int for reproducible masks.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float value "
                             f"between 0 and 1. Received: rate={rate!r}")
        self.rate = rate
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._generator = None if seed is None else torch.Generator().manual_seed(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.noise_shape is None and self._generator is None:
            return F.dropout(inputs, self.rate, training=True)
        keep = keep_mask(inputs, noise_shape_of(inputs, self.noise_shape), self.rate,
                         self._generator)
        return inputs * keep / (1.0 - self.rate)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": None if self.noise_shape is None
                       else list(self.noise_shape), "seed": self.seed})
        return config
