"""`MixUp`: blends each image (and label) with another image of the batch while training."""

import torch

from cornu.layers.preprocessing import mixing_utils
from cornu.layers.preprocessing.base_augmentation import BaseRandomImageLayer, is_number


class MixUp(BaseRandomImageLayer):
    """MixUp (Zhang et al., 2017): each image becomes `w * x + (1 - w) * x[perm]`, where
    `perm` is a random permutation of the batch and `w ~ Beta(alpha, alpha)` per image.

    Call it on an images tensor or on a dict `{"images": ..., "labels": ...}`; labels
    (e.g. one-hot, shaped `(batch, classes)`) are mixed with the same weights. Training
    outputs are in the layer's compute dtype; at inference inputs pass through unchanged.

    Args:
        alpha: positive float, the Beta distribution's concentration; default 0.2.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        seed: optional int for a reproducible sequence of draws.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if not is_number(alpha) or alpha <= 0:
            raise ValueError(f"{self._label}: `alpha` must be a positive number. "
                             f"Received: alpha={alpha!r}")
        self.alpha = alpha

    def _draw(self, n, device):
        if n == 1:
            order = torch.zeros(1, dtype=torch.long)
        else:
            order = torch.randperm(n, generator=self._generator)
        concentration = torch.full((n,), float(self.alpha))
        if self._generator is None:
            weight = torch.distributions.Beta(concentration, concentration).sample()
        else:
            # Beta(a, a) as X / (X + Y) with X, Y ~ Gamma(a), drawn from the layer's seed.
            x = torch._standard_gamma(concentration, generator=self._generator)
            y = torch._standard_gamma(concentration, generator=self._generator)
            weight = x / (x + y)
        return order.to(device), weight.to(device)

    def call(self, inputs, training=True):
        images, labels, is_dict = mixing_utils.split_inputs(self._label, inputs)
        self._check_images(images)
        if not training:
            return inputs
        x = images.to(self._compute_torch_dtype)
        x = x.unsqueeze(0) if images.dim() == 3 else x
        n = x.shape[0]
        order, weight = self._draw(n, x.device)
        w = weight.to(x.dtype).reshape(n, 1, 1, 1)
        x = w * x + (1.0 - w) * x[order]
        x = x.squeeze(0) if images.dim() == 3 else x
        if not is_dict:
            return x
        outputs = dict(inputs, images=x)
        if labels is not None:
            labels = torch.as_tensor(labels, device=x.device)
            if images.dim() == 3:
                outputs["labels"] = labels.to(x.dtype)
            else:
                lw = weight.to(x.dtype).reshape((n,) + (1,) * (labels.dim() - 1))
                outputs["labels"] = lw * labels + (1.0 - lw) * labels[order]
        return outputs

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict):
            return dict(input_shape)
        return super().compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"alpha": self.alpha, "seed": self.seed})
        return config
