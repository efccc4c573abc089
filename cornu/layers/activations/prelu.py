"""`PReLU`: leaky ReLU whose negative slope is learned."""

import torch

from cornu import constraints, initializers, regularizers
from cornu.layers.layer import Layer


class PReLU(Layer):
    """`x` for positive inputs, `alpha * x` otherwise, with `alpha` a weight shaped like one
    sample (size 1 along `shared_axes`).

    Args:
        alpha_initializer: initializer of `alpha` (zeros).
        alpha_regularizer: regularizer of `alpha`.
        alpha_constraint: constraint of `alpha`.
        shared_axes: axes (1-based, batch excluded) along which `alpha` is shared, e.g.
            `[1, 2]` for one slope per channel of `(batch, h, w, channels)` images.
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]
        self.supports_masking = True

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if not isinstance(axis, int) or not 1 <= axis < len(input_shape):
                raise ValueError(f"PReLU '{self.name}': `shared_axes` must be axes in "
                                 f"1..{len(input_shape) - 1}. Received: shared_axes="
                                 f"{self.shared_axes}, input_shape={tuple(input_shape)}")
            shape[axis - 1] = 1
        if any(d is None for d in shape):
            raise ValueError(f"PReLU '{self.name}': every non-shared axis needs a known size. "
                             f"Received: input_shape={tuple(input_shape)}")
        self.alpha = self.add_weight(name="alpha", shape=shape,
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        self.built = True

    def call(self, inputs):
        return torch.where(inputs > 0, inputs, inputs * self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        })
        return config
