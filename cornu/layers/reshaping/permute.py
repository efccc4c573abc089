"""`Permute`: reorders the non-batch dims."""

from cornu.layers.layer import Layer


class Permute(Layer):
    """Permutes the dims of each sample, e.g. `Permute((2, 1))` swaps the first two.

    Args:
        dims: a permutation of `1..rank-1` (the batch dim 0 stays first).
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Permute '{self.name}': `dims` must be a permutation of the "
                             f"integers 1..{len(self.dims)}. Received: dims={dims!r}")
        self.built = True

    def call(self, inputs):
        if inputs.dim() != len(self.dims) + 1:
            raise ValueError(f"Permute '{self.name}' expects inputs of rank "
                             f"{len(self.dims) + 1}. Received: inputs.shape={tuple(inputs.shape)}")
        return inputs.permute((0,) + self.dims)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != len(self.dims) + 1:
            raise ValueError(f"Permute '{self.name}' expects inputs of rank "
                             f"{len(self.dims) + 1}. Received: input_shape={tuple(input_shape)}")
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = list(self.dims)
        return config
