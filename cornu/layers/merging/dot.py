"""`Dot`: dot products between samples of two tensors."""

import torch
import torch.nn.functional as F

from cornu.layers.merging.base_merge import Merge


class Dot(Merge):
    """Dot product of two tensors along `axes` (per sample).

    Args:
        axes: int or pair of ints, the axes to contract (batch dim excluded).
        normalize: L2-normalize along `axes` first (cosine similarity).
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int) and not (isinstance(axes, (list, tuple)) and len(axes) == 2):
            raise ValueError(f"Invalid format for argument `axes`: expected an int or a pair of "
                             f"ints. Received: axes={axes!r}")
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = False

    def _check_shapes(self, shapes):
        if len(shapes) != 2:
            raise ValueError(f"A `Dot` layer ('{self.name}') should be called on exactly 2 "
                             f"inputs. Received: input_shape={shapes}")
        a, b = self._resolved_axes(len(shapes[0]), len(shapes[1]))
        if shapes[0][a] is not None and shapes[1][b] is not None and shapes[0][a] != shapes[1][b]:
            raise ValueError(f"Incompatible input shapes for layer '{self.name}' (Dot): "
                             f"{shapes[0]} and {shapes[1]} along axes ({a}, {b}).")

    def _resolved_axes(self, rank1, rank2):
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else tuple(self.axes)
        return axes[0] % rank1, axes[1] % rank2

    def _merge_function(self, inputs):
        x, y = inputs
        a, b = self._resolved_axes(x.dim(), y.dim())
        if self.normalize:
            x, y = F.normalize(x, dim=a), F.normalize(y, dim=b)
        x = x.movedim(a, -1)
        y = y.movedim(b, 1)
        out = torch.matmul(x.reshape(x.shape[0], -1, x.shape[-1]),
                           y.reshape(y.shape[0], y.shape[1], -1))
        out = out.reshape(x.shape[:-1] + y.shape[2:])
        if out.dim() == 1:
            out = out.unsqueeze(1)
        return out

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def dot(inputs, axes=-1, **kwargs):
    """Functional form of `Dot`."""
    return Dot(axes=axes, **kwargs)(inputs)
