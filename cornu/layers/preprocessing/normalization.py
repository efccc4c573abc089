"""`Normalization`: shifts and scales features to zero mean and unit variance."""

import numpy as np
import torch

from cornu.backend.config import epsilon
from cornu.layers.layer import Layer
from cornu.layers.preprocessing.adapt_utils import iter_batches


class Normalization(Layer):
    """Normalizes continuous features: `(inputs - mean) / sqrt(variance)`.

    The mean and variance are either given or computed from data with `adapt()`. Without
    given values the layer holds Keras's non-trainable weights `mean`, `variance` (shaped
    like the kept axes) and `count` (an unused int32 scalar kept for old weight files).

    Args:
        axis: an int, a tuple of ints, or None: the axes that keep a separate mean and
            variance per index (-1: per feature on the last axis; None: one scalar mean
            and variance for all values).
        mean: the mean value(s) to use, broadcast to the kept axes' shape; give it with
            `variance`.
        variance: the variance value(s) to use, broadcast like `mean`.
        invert: whether to apply the inverse transformation
            (`mean + inputs * sqrt(variance)`).
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        else:
            try:
                axis = tuple(int(a) for a in axis)
            except (TypeError, ValueError):
                raise ValueError(f"Normalization '{self.name}': `axis` must be an int, a tuple "
                                 f"of ints or None. Received: axis={axis!r}") from None
        self.axis = axis
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization '{self.name}': when setting values directly, both "
                             f"`mean` and `variance` must be set. Received: mean={mean} and "
                             f"variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(f"Normalization '{self.name}': `mean` and `variance` must have "
                                 f"the same shape. Received: mean shape {np.shape(mean)} and "
                                 f"variance shape {np.shape(variance)}")
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(f"Normalization '{self.name}': the rank of `mean` must be at "
                                 f"most the number of axes ({len(self.axis)}). Received: mean "
                                 f"shape {np.shape(mean)} for axis={self.axis}")
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.supports_masking = True
        self._build_input_shape = None

    def build(self, input_shape):
        if input_shape is None:
            return
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"Normalization '{self.name}': every `axis` value must be in "
                             f"[-{ndim}, {ndim}) for inputs of rank {ndim}. Received: "
                             f"axis={self.axis}, input_shape={input_shape}")
        self._build_input_shape = input_shape
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(f"Normalization '{self.name}': the kept axes must have known "
                                 f"sizes. Received: axis={self.axis}, input_shape={input_shape}"
                                 f" (axis {d} is unknown)")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [input_shape[d] if d in self._keep_axis else 1
                                 for d in range(ndim)]
        self._mean_and_var_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=self._mean_and_var_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance",
                                                  shape=self._mean_and_var_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int32",
                                         initializer="zeros", trainable=False)
        else:
            self.register_buffer("mean", self._broadcast_given(self.input_mean), persistent=False)
            self.register_buffer("variance", self._broadcast_given(self.input_variance),
                                 persistent=False)
        self.built = True

    def _broadcast_given(self, value):
        value = torch.as_tensor(np.asarray(value), dtype=self._compute_torch_dtype)
        if value.dim() > 0:
            # Align the value's dims with the kept axes, right to left.
            shape = [1] * len(self._broadcast_shape)
            for i in range(1, value.dim() + 1):
                shape[self._keep_axis[-i]] = value.shape[-i]
            value = value.reshape(shape)
        try:
            return value.broadcast_to(self._broadcast_shape).clone()
        except RuntimeError:
            raise ValueError(f"Normalization '{self.name}': the given mean/variance of shape "
                             f"{tuple(np.shape(self.input_mean))} cannot broadcast to the kept "
                             f"axes' shape {self._mean_and_var_shape}") from None

    def adapt(self, data, batch_size=None, steps=None):
        """Computes the mean and variance of `data` and stores them in the layer's weights.

        Args:
            data: a NumPy array, a torch tensor, or an iterable of batches (a DataLoader,
                a generator, a list of arrays); `(x, y)` batches use `x`.
            batch_size: for arrays and tensors, the samples read per batch (all at once when
                None; the result is the same).
            steps: the most batches to read from an iterable; all when None.
        """
        name = f"Normalization '{self.name}'"
        if self.input_mean is not None:
            raise ValueError(f"{name}: `adapt()` cannot be used when `mean` and `variance` are "
                             "given in the constructor.")
        total_mean = total_var = None
        total_count = 0
        for batch in iter_batches(name, data, batch_size, steps):
            if not self.built:
                self.build(batch.shape)
                self._build_shapes = {"input_shape": tuple(batch.shape)}
            self._check_adapt_shape(batch.shape)
            batch = batch.astype("float64")
            batch_mean = batch.mean(axis=self._reduce_axis)
            batch_var = batch.var(axis=self._reduce_axis)
            batch_count = int(np.prod([batch.shape[d] for d in self._reduce_axis]))
            if total_mean is None:
                total_mean, total_var, total_count = batch_mean, batch_var, batch_count
                continue
            # Combine with the running totals (lack-of-fit sum of squares).
            total_count += batch_count
            w = batch_count / total_count
            new_mean = total_mean * (1 - w) + batch_mean * w
            total_var = ((total_var + (total_mean - new_mean) ** 2) * (1 - w)
                         + (batch_var + (batch_mean - new_mean) ** 2) * w)
            total_mean = new_mean
        self.adapt_mean.assign(torch.as_tensor(total_mean, dtype=self.adapt_mean.dtype))
        self.adapt_variance.assign(torch.as_tensor(total_var, dtype=self.adapt_variance.dtype))

    def _check_adapt_shape(self, shape):
        ndim = len(self._build_input_shape)
        if len(shape) != ndim or any(shape[d] != self._build_input_shape[d]
                                     for d in self._keep_axis):
            raise ValueError(f"Normalization '{self.name}': the layer was built with "
                             f"input_shape={self._build_input_shape}, but `adapt()` received "
                             f"data of incompatible shape {tuple(shape)}")

    def _statistics(self, x):
        if self.input_mean is None:
            mean = self.adapt_mean.reshape(self._broadcast_shape)
            variance = self.adapt_variance.reshape(self._broadcast_shape)
        else:
            mean, variance = self.mean, self.variance
        return (mean.to(device=x.device, dtype=x.dtype),
                variance.to(device=x.device, dtype=x.dtype))

    def call(self, inputs):
        x = inputs.to(self._compute_torch_dtype)
        mean, variance = self._statistics(x)
        std = torch.clamp(torch.sqrt(variance), min=epsilon())
        if self.invert:
            return mean + x * std
        return (x - mean) / std

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("axis") is not None and not isinstance(config["axis"], int):
            config["axis"] = tuple(config["axis"])
        return super().from_config(config)

    def get_build_config(self):
        if self._build_input_shape:
            return {"input_shape": list(self._build_input_shape)}
        return None

    def build_from_config(self, config):
        if config and not self.built:
            super().build_from_config(config)
