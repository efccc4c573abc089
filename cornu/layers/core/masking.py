"""`Masking`: marks time steps equal to `mask_value` as masked for later layers."""

import torch

from cornu.layers.layer import Layer


class Masking(Layer):
    """Masks every step whose features all equal `mask_value`: those steps are zeroed in the
    output, and the output carries a boolean mask `(batch, steps)` (True = keep) that
    mask-aware layers downstream (RNNs, Softmax, ...) use.

    Args:
        mask_value: the value marking a padded step.
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, dict) and mask_value.get("config") is not None:
            from cornu.saving.serialization_lib import deserialize_keras_object
            mask_value = deserialize_keras_object(mask_value)
        self.mask_value = mask_value
        self.supports_masking = True
        self.built = True

    def _keep(self, inputs, keepdim):
        return torch.any(inputs != self.mask_value, dim=-1, keepdim=keepdim)

    def call(self, inputs):
        return inputs.masked_fill(~self._keep(inputs, True), 0)

    def compute_mask(self, inputs, mask=None):
        return self._keep(inputs, False)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config
