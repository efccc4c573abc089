"""`AugMix`: mixes the original images with several random augmentation chains."""

import torch

from cornu.layers.preprocessing import augment_ops
from cornu.layers.preprocessing.base_augmentation import (
    BaseRandomImageLayer, base_factor, is_number)


class AugMix(BaseRandomImageLayer):
    """AugMix (Hendrycks et al., 2020), as Keras 3 implements it, while training.

    `num_chains` chains each apply up to `chain_depth` operations picked at random (each
    step may also be skipped) among shear, translation, rotation, posterization,
    solarization, auto contrast and equalization (plus brightness, color degeneration,
    contrast and sharpness when `all_ops`); the chains are summed with Dirichlet(`alpha`)
    weights and blended with the original images with a Beta(`alpha`, `alpha`) weight, then
    clipped to `value_range`. The picks and weights are shared by the batch; each operation
    draws its own per-image strength in `factor`. Outputs are in the layer's compute dtype;
    at inference the values pass through unchanged.

    Args:
        value_range: `(low, high)`, the range of the input values; default `(0, 255)`.
        num_chains: number of chains mixed; default 3.
        chain_depth: the most operations in a chain; default 3.
        factor: strength, a number `f` in `[0, 1]` (the range `(0, f)`) or a pair;
            default 0.3.
        alpha: positive float, the Beta and Dirichlet concentration; default 1.0.
        all_ops: whether the color operations are included; default True.
        interpolation: "bilinear" or "nearest", for the geometric operations.
        seed: optional int for a reproducible sequence of draws.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3,
                 alpha=1.0, all_ops=True, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        for arg, value, low in (("num_chains", num_chains, 1), ("chain_depth", chain_depth, 0)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{self._label}: `{arg}` must be an int >= {low}. "
                                 f"Received: {arg}={value!r}")
        if not is_number(alpha) or alpha <= 0:
            raise ValueError(f"{self._label}: `alpha` must be a positive number. "
                             f"Received: alpha={alpha!r}")
        self.value_range = value_range
        self.num_chains = num_chains
        self.chain_depth = chain_depth
        self.factor = base_factor(self._label, factor, (0, 1))
        self.alpha = alpha
        self.all_ops = bool(all_ops)
        self.interpolation = interpolation
        self._augment_layers = list(augment_ops.GEOMETRIC_AND_LEVELS)
        if self.all_ops:
            self._augment_layers += augment_ops.COLOR
        for name in self._augment_layers:
            setattr(self, name, augment_ops.build(name, self.factor, value_range,
                                                  interpolation, seed, self.data_format,
                                                  self.dtype_policy))

    def _gamma(self, n):
        return torch._standard_gamma(torch.full((n,), float(self.alpha)),
                                     generator=self._generator)

    def call(self, inputs, training=True):
        self._check_images(inputs)
        images = inputs.to(self._compute_torch_dtype)
        if not training:
            return images
        dtype, device = images.dtype, images.device
        gamma = self._gamma(self.num_chains)
        chain_weights = (gamma / gamma.sum()).to(device=device, dtype=dtype)
        pair = self._gamma(2)
        weight = (pair[0] / pair.sum()).to(device=device, dtype=dtype)
        mixed = torch.zeros_like(images)
        for chain in range(self.num_chains):
            augmented = images
            for _ in range(self.chain_depth):
                pick = self._randint(len(self._augment_layers) + 1)
                if pick == len(self._augment_layers):
                    continue  # an empty step
                layer = getattr(self, self._augment_layers[pick])
                augmented = layer(augmented, training=True).to(dtype)
            mixed = mixed + augmented * chain_weights[chain]
        out = weight * images + (1 - weight) * mixed
        return out.clamp(min(self.value_range), max(self.value_range))

    def get_config(self):
        config = super().get_config()
        config.update({"value_range": self.value_range, "num_chains": self.num_chains,
                       "chain_depth": self.chain_depth, "factor": self.factor,
                       "alpha": self.alpha, "all_ops": self.all_ops,
                       "interpolation": self.interpolation, "seed": self.seed})
        return config
