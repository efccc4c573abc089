"""`GroupNormalization`: normalizes each sample within groups of channels."""

import torch.nn.functional as F

from cornu.layers.layer import Layer
from cornu.layers.normalization.norm_utils import (add_gamma_beta, check_axes, gamma_beta_config,
                                                   set_gamma_beta_options, upcast)


class GroupNormalization(Layer):
    """Splits the channels into `groups` and normalizes each group of each sample.

    `groups=-1` gives one group per channel (instance normalization); `groups=1` is layer
    normalization over all non-batch axes.

    Args:
        groups: number of groups, dividing the number of channels; -1 for one per channel.
        axis: the channels axis.
        epsilon: small float added to the variance.
        center: whether to add the `beta` offset.
        scale: whether to multiply by `gamma`.
        beta_initializer: initializer of `beta`.
        gamma_initializer: initializer of `gamma`.
        beta_regularizer: regularizer of `beta`.
        gamma_regularizer: regularizer of `gamma`.
        beta_constraint: constraint of `beta`.
        gamma_constraint: constraint of `gamma`.
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(groups, bool) or not isinstance(groups, int) or (groups <= 0 and groups != -1):
            raise ValueError(f"GroupNormalization '{self.name}': `groups` must be a positive int "
                             f"(or -1 for instance normalization). Received: groups={groups!r}")
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f"GroupNormalization '{self.name}': `axis` must be an int. "
                             f"Received: axis={axis!r}")
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        set_gamma_beta_options(self, beta_initializer, gamma_initializer, beta_regularizer,
                               gamma_regularizer, beta_constraint, gamma_constraint)
        self.supports_masking = True
        self.autocast = False

    def build(self, input_shape):
        check_axes(self, self.axis, input_shape)
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"GroupNormalization '{self.name}': axis {self.axis} must have a "
                             f"known size. Received: input_shape={tuple(input_shape)}")
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups or dim % self.groups:
            raise ValueError(
                f"GroupNormalization '{self.name}': the number of channels ({dim}) must be a "
                f"multiple of `groups`, and at least as large. Received: groups={self.groups}, "
                f"input_shape={tuple(input_shape)}")
        self.gamma, self.beta = add_gamma_beta(self, (dim,), self.scale, self.center)
        self.built = True

    def call(self, inputs):
        x = upcast(inputs)
        axis = self.axis % x.dim()
        gamma = None if self.gamma is None else self.gamma.to(x.dtype)
        beta = None if self.beta is None else self.beta.to(x.dtype)
        # contiguous(): torch's CPU group_norm backward crashes on channels_last strides.
        out = F.group_norm(x.movedim(axis, 1).contiguous(), self.groups, gamma, beta,
                           self.epsilon)
        return out.movedim(1, axis).to(self._compute_torch_dtype)

    def compute_output_shape(self, input_shape):
        check_axes(self, self.axis, input_shape)
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            **gamma_beta_config(self),
        })
        return config
