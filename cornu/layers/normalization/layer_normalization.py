"""`LayerNormalization`: normalizes each sample over the given axes."""

import warnings

import torch
import torch.nn.functional as F

from cornu.layers.layer import Layer
from cornu.layers.normalization.norm_utils import (add_gamma_beta, build_axes, check_axes,
                                                   gamma_beta_config, is_trailing, positive_axes,
                                                   set_gamma_beta_options, standardize_axes,
                                                   upcast)


class LayerNormalization(Layer):
    """Normalizes each sample to zero mean and unit variance over `axis`, then applies
    `gamma` and `beta` (shaped like the normalized axes).

    Args:
        axis: an int or a list of ints, the axes to normalize over.
        epsilon: small float added to the variance.
        center: whether to add the `beta` offset.
        scale: whether to multiply by `gamma`.
        rms_scaling: deprecated; divide by the standard deviation without centering and
            without `beta` (prefer `RMSNormalization`).
        beta_initializer: initializer of `beta`.
        gamma_initializer: initializer of `gamma`.
        beta_regularizer: regularizer of `beta`.
        gamma_regularizer: regularizer of `gamma`.
        beta_constraint: constraint of `beta`.
        gamma_constraint: constraint of `gamma`.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, rms_scaling=False, **kwargs):
        super().__init__(**kwargs)
        if rms_scaling:
            warnings.warn("`rms_scaling=True` is deprecated: it divides by the standard "
                          "deviation, not the root mean square. Use `RMSNormalization`.")
        self.axis = standardize_axes(self, axis)
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
        set_gamma_beta_options(self, beta_initializer, gamma_initializer, beta_regularizer,
                               gamma_regularizer, beta_constraint, gamma_constraint)
        self.supports_masking = True
        self.autocast = False

    def build(self, input_shape):
        shape = build_axes(self, input_shape)  # gamma/beta are shaped like the normalized dims
        self.gamma, self.beta = add_gamma_beta(self, shape, self.scale or self.rms_scaling,
                                               self.center and not self.rms_scaling)
        self.built = True

    def call(self, inputs):
        x = upcast(inputs)
        rank = x.dim()
        axes = positive_axes(self.axis, rank)
        gamma = None if self.gamma is None else self.gamma.to(x.dtype)
        beta = None if self.beta is None else self.beta.to(x.dtype)
        if not self.rms_scaling and is_trailing(axes, rank) and axes == [
                a % rank for a in self.axis]:
            out = F.layer_norm(x, tuple(x.shape[a] for a in axes), gamma, beta, self.epsilon)
        else:
            shape = [1] * rank
            for a in axes:
                shape[a] = x.shape[a]
            variance, mean = torch.var_mean(x, dim=axes, keepdim=True, correction=0)
            inv = torch.rsqrt(variance + self.epsilon)
            if gamma is not None:
                inv = inv * gamma.reshape(shape)
            if self.rms_scaling:
                out = x * inv
            else:
                shift = -mean * inv
                if beta is not None:
                    shift = shift + beta.reshape(shape)
                out = x * inv + shift
        return out.to(self._compute_torch_dtype)

    def compute_output_shape(self, input_shape):
        check_axes(self, self.axis, input_shape)
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            **gamma_beta_config(self),
        })
        return config
