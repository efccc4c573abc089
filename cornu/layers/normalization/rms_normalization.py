"""`RMSNormalization`: divides each sample by its root mean square."""

import torch
import torch.nn.functional as F

from cornu.layers.layer import Layer
from cornu.layers.normalization.norm_utils import (build_axes, check_axes, is_trailing,
                                                   positive_axes, standardize_axes, upcast)


class RMSNormalization(Layer):
    """Computes `x * rsqrt(mean(x**2, axis) + epsilon) * scale` (Zhang & Sennrich, 2019).

    Args:
        axis: an int or a list of ints, the axes the mean is taken over.
        epsilon: small float added to the mean square.
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = standardize_axes(self, axis)
        self.epsilon = epsilon

    def build(self, input_shape):
        shape = build_axes(self, input_shape)
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")
        self.built = True

    def call(self, inputs):
        x = upcast(inputs)
        rank = x.dim()
        axes = positive_axes(self.axis, rank)
        scale = self.scale.to(x.dtype)
        if is_trailing(axes, rank) and axes == [a % rank for a in self.axis]:
            out = F.rms_norm(x, tuple(x.shape[a] for a in axes), scale, self.epsilon)
        else:
            shape = [1] * rank
            for a in axes:
                shape[a] = x.shape[a]
            rrms = torch.rsqrt(torch.mean(x * x, dim=axes, keepdim=True) + self.epsilon)
            out = x * rrms * scale.reshape(shape)
        return out.to(inputs.dtype if inputs.is_floating_point() else self._compute_torch_dtype)

    def compute_output_shape(self, input_shape):
        check_axes(self, self.axis, input_shape)
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"axis": self.axis, "epsilon": self.epsilon})
        return config
