"""`Concatenate`: joins a list of tensors along an axis."""

import torch

from cornu.layers.merging.base_merge import Merge


class Concatenate(Merge):
    """Concatenates a list of tensors along `axis`; other dims must match.

    Args:
        axis: the axis to join along (-1 by default).
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _check_shapes(self, shapes):
        ranks = {len(s) for s in shapes}
        if len(ranks) > 1:
            raise ValueError(f"A `Concatenate` layer ('{self.name}') requires inputs with "
                             f"matching shapes except for the concatenation axis. Received: "
                             f"input_shape={shapes}")
        rank = ranks.pop()
        axis = self.axis % rank
        for i, dims in enumerate(zip(*shapes)):
            if i == axis:
                continue
            known = {d for d in dims if d is not None}
            if len(known) > 1:
                raise ValueError(
                    f"A `Concatenate` layer ('{self.name}') requires inputs with matching shapes "
                    f"except for the concatenation axis. Received: input_shape={shapes}")

    def _merge_function(self, inputs):
        return torch.cat(inputs, dim=self.axis)

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        out = list(shapes[0])
        axis = self.axis % len(out)
        sizes = [s[axis] for s in shapes]
        out[axis] = None if any(d is None for d in sizes) else sum(sizes)
        for i in range(len(out)):
            if i != axis and out[i] is None:
                out[i] = next((s[i] for s in shapes if s[i] is not None), None)
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                m = torch.ones(x.shape[:-1] if self.axis in (-1, x.dim() - 1) else x.shape,
                               dtype=torch.bool, device=x.device)
            masks.append(m)
        if self.axis in (-1, inputs[0].dim() - 1):
            return torch.stack(masks, dim=-1).all(dim=-1)
        return torch.cat(masks, dim=self.axis)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of `Concatenate`."""
    return Concatenate(axis=axis, **kwargs)(inputs)
