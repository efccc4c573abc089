"""`GaussianNoise`: adds zero-centred Gaussian noise during training."""

import torch

from cornu.layers.layer import Layer


class GaussianNoise(Layer):
    """Adds noise drawn from `N(0, stddev**2)` in training; the identity in inference.

    Args:
        stddev: standard deviation of the noise, in [0, 1].
        seed: optional int for reproducible noise.
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or not 0 <= stddev <= 1:
            raise ValueError(f"GaussianNoise '{self.name}': `stddev` must be a float in [0, 1]. "
                             f"Received: stddev={stddev!r}")
        self.stddev = stddev
        self.seed = seed
        self._generator = None if seed is None else torch.Generator().manual_seed(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        noise = torch.randn(inputs.shape, generator=self._generator, dtype=inputs.dtype)
        return inputs + noise.to(inputs.device) * self.stddev

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config
