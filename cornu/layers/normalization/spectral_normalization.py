"""`SpectralNormalization` (Miyato et al., 2018): keeps a wrapped layer's kernel at unit
spectral norm, estimated by power iteration."""

import torch

from cornu import initializers
from cornu.backend.config import epsilon
from cornu.layers.core.wrapper import Wrapper
from cornu.layers.input_spec import InputSpec


def _unit(x):
    """`x` scaled to unit L2 norm over all its entries (Keras's clamp of tiny norms)."""
    inv = torch.rsqrt((x * x).sum()).clamp(max=1.0 / epsilon())
    return x * inv


class SpectralNormalization(Wrapper):
    """Divides the wrapped layer's kernel by its largest singular value while training.

    Each training call runs `power_iterations` steps of the power method on the kernel
    (reshaped to `(-1, kernel.shape[-1])`), starting from the stored estimate `vector_u`,
    then writes `kernel / sigma` back into the wrapped layer before calling it; the new
    estimate is kept in `vector_u` (a non-trainable weight of shape `(1, units)`). At
    inference the wrapped layer runs with its kernel as it is. A kernel of zeros is left
    alone.

    Args:
        layer: the layer to wrap; it must have a `kernel` (Dense, Conv2D, ...) or an
            `embeddings` weight (Embedding).
        power_iterations: number of power-method steps per training call (positive int).
        **kwargs: base layer keyword arguments, such as `name`.
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if (isinstance(power_iterations, bool) or not isinstance(power_iterations, int)
                or power_iterations <= 0):
            raise ValueError(f"Layer '{self.name}' (SpectralNormalization): "
                             "`power_iterations` must be a positive int. "
                             f"Received: power_iterations={power_iterations!r}")
        self.power_iterations = power_iterations

    @property
    def kernel(self):
        """The wrapped layer's `kernel` (or `embeddings`) weight."""
        for attr in ("kernel", "embeddings"):
            value = getattr(self.layer, attr, None)
            if value is not None:
                return value
        raise ValueError(f"Layer '{self.name}' (SpectralNormalization) expects the wrapped "
                         "layer to have a `kernel` or an `embeddings` weight. Received: "
                         f"layer={type(self.layer).__name__} without either")

    def build(self, input_shape):
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        kernel = self.kernel
        self.vector_u = self.add_weight(
            name="vector_u", shape=(1, kernel.shape[-1]),
            initializer=initializers.TruncatedNormal(stddev=0.02), trainable=False,
            dtype=str(kernel.dtype).split(".")[-1])
        self.built = True

    def _own_trainable(self):
        # Keras tracks the wrapped kernel as the wrapper's own weight too: it comes first in
        # `weights` and in the wrapper's saved variables (kernel, vector_u).
        own = super()._own_trainable()
        return ([self.kernel] + own) if self.built and self.kernel._trainable else own

    def _own_non_trainable(self):
        own = super()._own_non_trainable()
        if self.built and not self.kernel._trainable:
            return [self.kernel] + own
        return own

    @torch.no_grad()
    def _normalize_kernel(self):
        kernel = self.kernel
        if not bool((kernel != 0).any()):
            return
        w = kernel.reshape(-1, kernel.shape[-1])
        u = self.vector_u.to(w.dtype)
        for _ in range(self.power_iterations):
            v = _unit(u @ w.T)
            u = _unit(v @ w)
        sigma = (v @ w) @ u.T
        self.vector_u.copy_(u.to(self.vector_u.dtype))
        kernel.copy_((kernel / sigma.reshape(())).to(kernel.dtype))

    def call(self, inputs, training=False):
        if training:
            self._normalize_kernel()
        output = self.layer(inputs)
        if isinstance(inputs, torch.Tensor) and inputs.is_floating_point():
            output = output.to(inputs.dtype)
        return output

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config["power_iterations"] = self.power_iterations
        return config
