"""`CutMix`: pastes a random patch of another image of the batch into each image."""

import torch

from cornu.layers.preprocessing import mixing_utils
from cornu.layers.preprocessing.base_augmentation import BaseRandomImageLayer, base_factor


class CutMix(BaseRandomImageLayer):
    """CutMix (Yun et al., 2019): replaces a random box of each image by the same box of
    another image of the batch (a random permutation), while training.

    An `alpha` is drawn in the `factor` range (plus 1e-6) and per image `w ~ Beta(alpha,
    alpha)`; the box is `sqrt(1 - w)` of the height and of the width, at a uniform random
    position. Called on a dict `{"images": ..., "labels": ...}`, labels are mixed as
    `w' * y + (1 - w') * y[perm]`, with `w'` the fraction of the image outside the box.
    Single (unbatched) images and inference inputs pass through (cast to the compute dtype).

    Args:
        factor: a number `f` in `[0, 1]` (alphas in `[0, f]`) or a pair; default 1.0.
        seed: optional int for a reproducible sequence of draws.
        data_format: "channels_last" or "channels_first"; the global image data format by
            default.
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = base_factor(self._label, factor, (0, 1))

    def _beta(self, n, alpha):
        concentration = torch.full((n,), float(alpha))
        x = torch._standard_gamma(concentration, generator=self._generator)
        y = torch._standard_gamma(concentration, generator=self._generator)
        return x / (x + y)

    def call(self, inputs, training=True):
        images, labels, is_dict = mixing_utils.split_inputs(self._label, inputs)
        self._check_images(images)
        x = images.to(self._compute_torch_dtype)
        if not training or x.dim() == 3:
            if not is_dict:
                return x
            return dict(inputs, images=x)
        n, device = x.shape[0], x.device
        height, width = mixing_utils.spatial_sizes(x, self.data_format)
        alpha = float(self._uniform((), self.factor[0], self.factor[1], "cpu")) + 1e-6
        ratio = torch.sqrt(1.0 - self._beta(n, alpha)).to(device)
        x0, x1 = mixing_utils.crop_bounds(self, n, width, ratio, device)
        y0, y1 = mixing_utils.crop_bounds(self, n, height, ratio, device)
        mask = mixing_utils.box_mask(x, self.data_format, x0, x1, y0, y1)
        order = torch.randperm(n, generator=self._generator).to(device)
        x = torch.where(mask, x[order], x)
        if not is_dict:
            return x
        outputs = dict(inputs, images=x)
        if labels is not None:
            labels = torch.as_tensor(labels, device=device)
            weight = 1.0 - (x1 - x0) * (y1 - y0) / (width * height)
            weight = weight.reshape((n,) + (1,) * (labels.dim() - 1))
            outputs["labels"] = weight * labels + (1.0 - weight) * labels[order]
        return outputs

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict):
            return dict(input_shape)
        return super().compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "seed": self.seed})
        return config
