"""`ELU`: exponential linear unit."""

import torch.nn.functional as F

from cornu.layers.layer import Layer


class ELU(Layer):
    """`x` for positive inputs, `alpha * (exp(x) - 1)` otherwise.

    Args:
        alpha: scale of the negative part.
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return F.elu(inputs, self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config
