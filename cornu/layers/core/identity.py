"""`Identity`: returns its input unchanged."""

from cornu.layers.layer import Layer


class Identity(Layer):
    """Returns its inputs unchanged (handy as a placeholder)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
