"""`BatchNormalization`: normalizes with batch statistics in training, moving ones in inference."""

import torch
import torch.nn.functional as F

from cornu import constraints, initializers, regularizers
from cornu.backend.config import epsilon as fuzz_epsilon
from cornu.layers.layer import Layer
from cornu.layers.normalization.norm_utils import (add_gamma_beta, check_axes,
                                                   set_gamma_beta_options, upcast)


class BatchNormalization(Layer):
    """Normalizes the input over every axis but `axis`, then scales by `gamma` and adds `beta`.

    In training (`training=True` and the layer trainable) it uses the statistics of the batch
    and updates `moving = moving * momentum + batch * (1 - momentum)` (the stored variance is
    the biased batch variance, as in Keras); otherwise it uses the moving statistics.

    Args:
        axis: the features axis (usually the channels).
        momentum: momentum of the moving averages.
        epsilon: small float added to the variance.
        center: whether to add the `beta` offset.
        scale: whether to multiply by `gamma`.
        beta_initializer: initializer of `beta`.
        gamma_initializer: initializer of `gamma`.
        moving_mean_initializer: initializer of the moving mean.
        moving_variance_initializer: initializer of the moving variance.
        beta_regularizer: regularizer of `beta`.
        gamma_regularizer: regularizer of `gamma`.
        beta_constraint: constraint of `beta`.
        gamma_constraint: constraint of `gamma`.
        synchronized: accepted for compatibility; statistics are those of the local batch.
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f"BatchNormalization '{self.name}': `axis` must be an int. "
                             f"Received: axis={axis!r}")
        if renorm:
            raise NotImplementedError(
                f"BatchNormalization '{self.name}': `renorm=True` is not supported.")
        self.axis = axis
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.synchronized = synchronized
        self.renorm = renorm
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        set_gamma_beta_options(self, beta_initializer, gamma_initializer, beta_regularizer,
                               gamma_regularizer, beta_constraint, gamma_constraint)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.supports_masking = True
        self.gamma = None
        self.beta = None

    def build(self, input_shape):
        check_axes(self, self.axis, input_shape)
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(
                f"BatchNormalization '{self.name}': axis {self.axis} of the input must have a "
                f"known size. Received: input_shape={tuple(input_shape)}")
        shape = (dim,)
        self.gamma, self.beta = add_gamma_beta(self, shape, self.scale, self.center)
        self.moving_mean = self.add_weight(name="moving_mean", shape=shape,
                                           initializer=self.moving_mean_initializer,
                                           trainable=False, autocast=False)
        self.moving_variance = self.add_weight(name="moving_variance", shape=shape,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False, autocast=False)
        self.built = True

    def call(self, inputs, training=None, mask=None):
        if mask is not None:
            mask = torch.as_tensor(mask, device=inputs.device)
        if mask is not None and mask.dim() != inputs.dim() - 1:
            raise ValueError(
                f"BatchNormalization '{self.name}': the mask must have one dimension less than "
                f"the inputs. Received: mask.shape={tuple(mask.shape)}, "
                f"inputs.shape={tuple(inputs.shape)}")
        x = upcast(inputs)
        axis = self.axis % x.dim()
        if training and self.trainable:
            if mask is None and x.numel() > x.shape[axis]:
                out, mean, variance = self._fused_train(x, axis)
            else:
                mean, variance = self._moments(x, axis, mask)
                out = self._normalize(x, axis, mean, variance)
            if x.device.type != "meta":
                self._update_moving(mean, variance)
        else:
            out = self._normalize(x, axis, self.moving_mean, self.moving_variance)
        return out.to(self._compute_torch_dtype)

    def _fused_train(self, x, axis):
        """One `F.batch_norm` call: output plus the batch mean and biased variance."""
        channels = x.shape[axis]
        mean = torch.zeros(channels, dtype=x.dtype, device=x.device)
        var = torch.ones(channels, dtype=x.dtype, device=x.device)
        out = F.batch_norm(x.movedim(axis, 1), mean, var, self._cast(self.gamma, x),
                           self._cast(self.beta, x), True, 1.0, self.epsilon)
        n = x.numel() // channels
        return out.movedim(1, axis), mean, var * ((n - 1) / n)  # torch stores the unbiased one

    def _moments(self, x, axis, mask):
        dims = [d for d in range(x.dim()) if d != axis]
        if mask is None:
            variance, mean = torch.var_mean(x, dim=dims, correction=0)
            return mean, variance
        weights = mask.unsqueeze(-1).expand(x.shape).to(x.dtype)
        total = weights.sum(dim=dims, keepdim=True) + fuzz_epsilon()
        mean = (x * weights).sum(dim=dims, keepdim=True) / total
        variance = (((x - mean) * weights) ** 2).sum(dim=dims, keepdim=True) / total
        return mean.reshape(-1), variance.reshape(-1)

    def _normalize(self, x, axis, mean, variance):
        shape = [1] * x.dim()
        shape[axis] = x.shape[axis]
        inv = torch.rsqrt(self._cast(variance, x) + self.epsilon)
        if self.gamma is not None:
            inv = inv * self._cast(self.gamma, x)
        shift = -self._cast(mean, x) * inv
        if self.beta is not None:
            shift = shift + self._cast(self.beta, x)
        return torch.addcmul(shift.reshape(shape), x, inv.reshape(shape))

    @staticmethod
    def _cast(value, x):
        return None if value is None else value.to(x.dtype)

    def _update_moving(self, mean, variance):
        m = self.momentum
        with torch.no_grad():
            mean = mean.detach().to(self.moving_mean.dtype)
            variance = variance.detach().to(self.moving_variance.dtype)
            self.moving_mean.copy_(self.moving_mean * m + mean * (1.0 - m))
            self.moving_variance.copy_(self.moving_variance * m + variance * (1.0 - m))

    def compute_output_shape(self, input_shape):
        check_axes(self, self.axis, input_shape)
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        })
        return config
