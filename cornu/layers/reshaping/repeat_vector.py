"""`RepeatVector`: repeats a vector `n` times along a new time axis."""

from cornu.layers.layer import Layer


class RepeatVector(Layer):
    """Turns `(batch, features)` into `(batch, n, features)`.

    Args:
        n: number of repetitions (a positive int).
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise ValueError(f"RepeatVector '{self.name}': `n` must be a positive int. "
                             f"Received: n={n!r}")
        self.n = n
        self.built = True

    def call(self, inputs):
        if inputs.dim() != 2:
            raise ValueError(f"RepeatVector '{self.name}' expects inputs of rank 2. "
                             f"Received: inputs.shape={tuple(inputs.shape)}")
        return inputs.unsqueeze(1).expand(-1, self.n, -1).contiguous()

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config
