"""`SpatialDropout1D/2D/3D`: drops whole feature maps instead of single values."""

import torch

from cornu.backend.config import standardize_data_format
from cornu.layers.layer import Layer
from cornu.layers.regularization.dropout import keep_mask


class _SpatialDropout(Layer):
    """Base: in training, zeroes whole channels with probability `rate` and scales the rest
    by `1 / (1 - rate)`; one draw per (sample, channel)."""

    _rank = None

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(f"{type(self).__name__} '{self.name}': `rate` must be a float in "
                             f"[0, 1]. Received: rate={rate!r}")
        self.rate = rate
        self.seed = seed
        self.data_format = standardize_data_format(data_format)
        self._generator = None if seed is None else torch.Generator().manual_seed(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if inputs.dim() != self._rank:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' expects inputs of rank {self._rank}. "
                f"Received: inputs.shape={tuple(inputs.shape)}")
        if not training or self.rate == 0:
            return inputs
        shape = [1] * inputs.dim()
        shape[0] = inputs.shape[0]
        channel = 1 if self.data_format == "channels_first" else -1
        shape[channel] = inputs.shape[channel]
        keep = keep_mask(inputs, shape, self.rate, self._generator)
        return inputs * keep / (1.0 - self.rate) if self.rate < 1 else inputs * keep

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.pop("trainable", None)  # Keras's spatial dropouts take no `trainable` argument
        config.update({"rate": self.rate, "seed": self.seed})
        if self._rank > 3:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Drops entire 1D feature maps: inputs `(batch, steps, channels)`.

    Args:
        rate: fraction of the channels to drop, in [0, 1].
        seed: optional int for reproducible masks.
    """

    _rank = 3

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, data_format="channels_last", seed=seed, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Drops entire 2D feature maps: inputs `(batch, rows, cols, channels)` (channels_last).

    Args:
        rate: fraction of the channels to drop, in [0, 1].
        data_format: "channels_last" or "channels_first".
        seed: optional int for reproducible masks.
    """

    _rank = 4


class SpatialDropout3D(_SpatialDropout):
    """Drops entire 3D feature maps: inputs `(batch, d1, d2, d3, channels)` (channels_last).

    Args:
        rate: fraction of the channels to drop, in [0, 1].
        data_format: "channels_last" or "channels_first".
        seed: optional int for reproducible masks.
    """

    _rank = 5
