"""`Reshape`: gives each sample a new shape."""

import math

from cornu.layers.layer import Layer


class Reshape(Layer):
    """Reshapes each sample to `target_shape` (one dim may be -1).

    Args:
        target_shape: the new shape of one sample, without the batch dim.
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)
        if sum(1 for d in self.target_shape if d == -1) > 1:
            raise ValueError(f"Reshape '{self.name}': at most one dimension of `target_shape` "
                             f"can be -1. Received: target_shape={self.target_shape}")
        self.built = True

    def compute_output_shape(self, input_shape):
        sample = input_shape[1:]
        target = list(self.target_shape)
        if -1 in target:
            if any(d is None for d in sample):
                target[target.index(-1)] = None
            else:
                known = math.prod(d for d in target if d != -1)
                total = math.prod(sample)
                if known == 0 or total % known:
                    raise ValueError(f"Reshape '{self.name}': cannot reshape input of shape "
                                     f"{tuple(input_shape)} to target shape {self.target_shape}.")
                target[target.index(-1)] = total // known
        elif not any(d is None for d in sample) and math.prod(sample) != math.prod(target):
            raise ValueError(
                f"Reshape '{self.name}': total size of the input {tuple(input_shape)} does not "
                f"match the target shape {self.target_shape}.")
        return (input_shape[0],) + tuple(target)

    def call(self, inputs):
        return inputs.reshape((inputs.shape[0],) + self.target_shape)

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config
