"""`MixUp`: blends each image (and label) with another image of the batch while training."""

import torch

from cornu.layers.preprocessing.base_augmentation import BaseRandomImageLayer, is_number


class MixUp(BaseRandomImageLayer):
    """MixUp (Zhang et al., 2017): each image becomes `w * x + (1 - w) * x[perm]`, where
    `perm` is a random permutation of the batch and `w ~ Beta(alpha, alpha)` per image.

    Call it on an images tensor or on a dict `{"images": ..., "labels": ...}`; labels
    (e.g. one-hot, shaped `(batch, classes)`) and segmentation masks are mixed with the same
    weights, and each image's bounding boxes get its partner's appended (dicts with
    "bounding_boxes" need `bounding_box_format`). Training outputs are in the layer's
    compute dtype; at inference inputs pass through unchanged.

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

    def get_random_transformation(self, data, training=True, seed=None):
        """`{"permutation_order": (batch,), "mix_weight": (batch,), "input_shape"}`."""
        if not training:
            return None
        images = data["images"] if isinstance(data, dict) else data
        n = 1 if images.dim() == 3 else images.shape[0]
        with self._seeded(seed):
            order, weight = self._draw(n, images.device)
        return {"permutation_order": order, "mix_weight": weight,
                "input_shape": tuple(images.shape)}

    def _mix(self, x, transformation):
        """`w * x + (1 - w) * x[order]` over the batch (x unbatched: returned as is)."""
        order, weight = transformation["permutation_order"], transformation["mix_weight"]
        w = weight.to(device=x.device, dtype=x.dtype).reshape((-1,) + (1,) * (x.dim() - 1))
        return w * x + (1.0 - w) * x[order.to(x.device)]

    def transform_images(self, images, transformation=None, training=True):
        if not training or transformation is None:
            return images
        x = images.to(self._compute_torch_dtype)
        if images.dim() == 3:
            return self._mix(x.unsqueeze(0), transformation).squeeze(0)
        return self._mix(x, transformation)

    def transform_labels(self, labels, transformation=None, training=True):
        if not training or transformation is None:
            return labels
        labels = torch.as_tensor(labels).to(self._compute_torch_dtype)
        if len(transformation["input_shape"]) == 3:
            return labels  # one image's labels
        return self._mix(labels.to(transformation["mix_weight"].device), transformation)

    def transform_bounding_boxes(self, bounding_boxes, transformation=None, training=True):
        """Each image gets its partner's boxes and labels appended (as Keras does)."""
        if not training or transformation is None:
            return bounding_boxes
        order = transformation["permutation_order"].to(bounding_boxes["boxes"].device)
        result = dict(bounding_boxes)
        for key in ("boxes", "labels"):
            result[key] = torch.cat([bounding_boxes[key], bounding_boxes[key][order]], dim=1)
        return result

    def transform_segmentation_masks(self, segmentation_masks, transformation=None,
                                     training=True):
        if not training or transformation is None:
            return segmentation_masks
        masks = segmentation_masks
        if masks.dim() == 3:
            return self._mix(masks.unsqueeze(0).float(), transformation).squeeze(0)
        return self._mix(masks.float(), transformation)

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict):
            return dict(input_shape)
        return super().compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"alpha": self.alpha, "seed": self.seed})
        return config
