"""`GlobalAveragePooling1D`, `GlobalAveragePooling2D`, `GlobalAveragePooling3D`: the mean over
all spatial positions, per channel (1D: of the unmasked steps only, given a mask)."""

import torch

from cornu.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling(BaseGlobalPooling):
    """Global average pooling over `rank` spatial dims (base of the 1D/2D/3D layers)."""

    def call(self, inputs):
        if inputs.dim() != self.rank + 2:
            self._check(tuple(inputs.shape))
        return inputs.mean(dim=self._axes, keepdim=self.keepdims)


class GlobalAveragePooling1D(GlobalAveragePooling):
    """Global average pooling over `(batch, steps, features)` (or channels-first) inputs.

    Args:
        data_format: "channels_last" or "channels_first"; the global default when None.
        keepdims: keep the steps dim (with length 1).

    Call arguments:
        inputs: a 3D tensor.
        mask: optional `(batch, steps)` tensor, true (or 1) for the steps to average.
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        if inputs.dim() != 3:
            self._check(tuple(inputs.shape))
        steps = self._axes[0]
        mask = torch.as_tensor(mask, device=inputs.device)
        if tuple(mask.shape) != (inputs.shape[0], inputs.shape[steps]):
            raise ValueError(
                f"Layer '{self.name}' (GlobalAveragePooling1D) expected a mask of shape "
                f"(batch, steps) = {(inputs.shape[0], inputs.shape[steps])}. Received: "
                f"mask.shape={tuple(mask.shape)}")
        keep = mask.to(torch.bool).unsqueeze(2 if steps == 1 else 1)
        total = torch.where(keep, inputs, 0).sum(dim=steps, keepdim=self.keepdims)
        count = keep.to(inputs.dtype).sum(dim=steps, keepdim=self.keepdims)
        return total / count

    def compute_mask(self, inputs, previous_mask):
        return None


class GlobalAveragePooling2D(GlobalAveragePooling):
    """Global average pooling over `(batch, height, width, channels)` (or channels-first)
    inputs.

    Args:
        data_format: "channels_last" or "channels_first"; the global default when None.
        keepdims: keep the spatial dims (with length 1).
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(2, data_format, keepdims, **kwargs)


class GlobalAveragePooling3D(GlobalAveragePooling):
    """Global average pooling over `(batch, depth, height, width, channels)` (or
    channels-first) inputs.

    Args:
        data_format: "channels_last" or "channels_first"; the global default when None.
        keepdims: keep the spatial dims (with length 1).
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(3, data_format, keepdims, **kwargs)
