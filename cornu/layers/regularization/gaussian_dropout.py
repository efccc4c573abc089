"""`GaussianDropout`: multiplies the inputs by Gaussian noise centred on 1 during training."""

import math

import torch

from cornu.layers.layer import Layer


class GaussianDropout(Layer):
    """Multiplies by noise from `N(1, rate / (1 - rate))` in training; the identity in inference.

    Args:
        rate: drop probability (as for `Dropout`), in [0, 1].
        seed: optional int for reproducible noise.
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(f"GaussianDropout '{self.name}': `rate` must be a float in [0, 1]. "
                             f"Received: rate={rate!r}")
        self.rate = rate
        self.seed = seed
        self._generator = None if seed is None else torch.Generator().manual_seed(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = torch.randn(inputs.shape, generator=self._generator, dtype=inputs.dtype)
        return inputs * (noise.to(inputs.device) * stddev + 1.0)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config
