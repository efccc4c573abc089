"""`UnitNormalization`: scales each sample to unit L2 norm."""

import torch

from cornu.layers.layer import Layer
from cornu.layers.normalization.norm_utils import check_axes, standardize_axes


class UnitNormalization(Layer):
    """Divides the input by its L2 norm over `axis` (norms below 1e-12 are taken as 1e-12).

    Args:
        axis: an int or a list of ints, the axes the norm is taken over.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = standardize_axes(self, axis)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        dims = self.axis if isinstance(self.axis, int) else tuple(self.axis)
        inv_norm = torch.rsqrt(torch.sum(inputs * inputs, dim=dims, keepdim=True))
        return inputs * torch.clamp(inv_norm, max=1e12)

    def compute_output_shape(self, input_shape):
        check_axes(self, self.axis, input_shape)
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
