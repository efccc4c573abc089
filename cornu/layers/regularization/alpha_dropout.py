"""`AlphaDropout`: dropout that keeps the mean and variance of SELU activations."""

import torch

from cornu.layers.layer import Layer
from cornu.layers.regularization.dropout import keep_mask, noise_shape_of

_ALPHA = 1.6732632423543772848170429916717
_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(Layer):
    """In training, sets dropped values to SELU's negative saturation value and applies the
    affine correction that keeps the mean and variance; the identity in inference.

    Args:
        rate: fraction of the inputs to drop, in [0, 1].
        noise_shape: shape of the binary mask (None entries take the input's size).
        seed: optional int for reproducible masks.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(f"AlphaDropout '{self.name}': `rate` must be a float in [0, 1]. "
                             f"Received: rate={rate!r}")
        self.rate = rate
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._generator = None if seed is None else torch.Generator().manual_seed(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        keep = keep_mask(inputs, noise_shape_of(inputs, self.noise_shape), self.rate,
                         self._generator)
        alpha_p = -_ALPHA * _SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = inputs * keep + alpha_p * (1 - keep)
        return a * x + b

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed,
                       "noise_shape": None if self.noise_shape is None else list(self.noise_shape)})
        return config
