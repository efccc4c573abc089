"""`Merge`: the base of layers that combine a list of tensors into one."""

import functools

import torch

from cornu.layers.layer import Layer


class Merge(Layer):
    """Combines a list of same-shape (broadcastable) tensors with `_merge_function`."""

    min_inputs = 2

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or not isinstance(
                input_shape[0], (list, tuple)):
            raise ValueError(f"A merge layer ('{self.name}') should be called on a list of "
                             f"inputs. Received: input_shape={input_shape}")
        if len(input_shape) < self.min_inputs:
            raise ValueError(f"A merge layer ('{self.name}') should be called on a list of at "
                             f"least {self.min_inputs} inputs. Got {len(input_shape)} inputs.")
        self._check_shapes([tuple(s) for s in input_shape])
        self.built = True

    def _check_shapes(self, shapes):
        ranks = {len(s) for s in shapes}
        if len(ranks) > 1:
            return  # broadcasting across ranks is allowed, as in Keras
        for dims in zip(*[s[1:] for s in shapes]):
            known = {d for d in dims if d is not None and d != 1}
            if len(known) > 1:
                raise ValueError(
                    f"Inputs of layer '{self.name}' ({type(self).__name__}) have incompatible "
                    f"shapes. Received: input_shape={shapes}")

    def call(self, inputs):
        return self._merge_function(list(inputs))

    def _merge_function(self, inputs):
        raise NotImplementedError

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        masks = [m for m in mask if m is not None]
        return functools.reduce(torch.logical_and, masks)
