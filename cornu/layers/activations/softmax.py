"""`Softmax`: softmax over an axis, with masked positions given zero probability."""

import torch

from cornu.layers.layer import Layer


class Softmax(Layer):
    """Softmax over `axis`; where a mask is given (True = keep; broadcast against the inputs
    from the right), masked positions are excluded and get probability 0.

    Args:
        axis: an int or a list of ints, the axes the softmax normalizes over.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.supports_masking = True
        self.built = True

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = self._check_mask(inputs, torch.as_tensor(mask, device=inputs.device))
            large_negative = -3e4 if inputs.dtype == torch.float16 else -1e9
            inputs = torch.where(mask, inputs, torch.tensor(large_negative, dtype=inputs.dtype,
                                                            device=inputs.device))
        axis = self.axis
        if isinstance(axis, list) and len(axis) == 1:
            axis = axis[0]
        if isinstance(axis, int):
            outputs = torch.softmax(inputs, dim=axis)
        else:
            outputs = torch.exp(inputs - torch.logsumexp(inputs, dim=tuple(axis), keepdim=True))
        if mask is not None:
            outputs = outputs.masked_fill(~mask, 0.0)
        return outputs

    def _check_mask(self, inputs, mask):
        ok = mask.dim() <= inputs.dim() and all(
            m == 1 or m == i for m, i in zip(reversed(mask.shape), reversed(inputs.shape)))
        if not ok:
            raise ValueError(f"Softmax '{self.name}': the mask must broadcast to the inputs. "
                             f"Received: inputs.shape={tuple(inputs.shape)}, "
                             f"mask.shape={tuple(mask.shape)}")
        return mask if mask.dtype == torch.bool else mask > 0.5

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
