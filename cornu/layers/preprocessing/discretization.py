"""`Discretization`: buckets continuous features by ranges."""

import numpy as np
import torch

from cornu.backend.keras_tensor import KerasTensor
from cornu.layers.layer import Layer
from cornu.layers.preprocessing import encoding
from cornu.layers.preprocessing.adapt_utils import iter_batches


class Discretization(Layer):
    """Maps each value to the index of its bucket: with boundaries `[0., 1., 2.]`, values
    below 0 go to bucket 0, `[0, 1)` to 1, `[1, 2)` to 2 and `>= 2` to 3.

    Boundaries are given, or estimated by `adapt()` as approximate quantiles (Keras's
    summary algorithm: sorted samples every `epsilon` fraction, merged and compressed).

    Args:
        bin_boundaries: a sorted list of boundaries; give this or `num_bins`.
        num_bins: the number of bins for `adapt()` to find.
        epsilon: the error tolerance of the quantile estimate (about `1 / epsilon`
            summary points are kept).
        output_mode: "int" (bucket indices, int32), "one_hot", "multi_hot" or "count".
        sparse: must be False (not supported with PyTorch).
        dtype: the dtype of encoded outputs (not of "int" outputs).
        name: the layer's name.
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None):
        super().__init__(name=name, dtype=dtype)
        layer_name = f"Discretization '{self.name}'"
        encoding.check_output_mode(layer_name, output_mode)
        if sparse:
            raise ValueError(f"{layer_name}: `sparse=True` is not supported with PyTorch.")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"{layer_name}: `num_bins` must be >= 0. "
                             f"Received: num_bins={num_bins}")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"{layer_name}: give either `num_bins` or `bin_boundaries`, not "
                             f"both. Received: num_bins={num_bins} and "
                             f"bin_boundaries={bin_boundaries}")
        if num_bins is None and bin_boundaries is None:
            raise ValueError(f"{layer_name}: you need to set either `num_bins` or "
                             "`bin_boundaries`.")
        if bin_boundaries is not None and np.any(np.diff(bin_boundaries) < 0):
            raise ValueError(f"{layer_name}: `bin_boundaries` must be sorted. "
                             f"Received: bin_boundaries={bin_boundaries}")
        self.bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self.summary = None if bin_boundaries else np.zeros((2, 0), "float32")

    def adapt(self, data, steps=None):
        """Estimates `num_bins` quantile boundaries of `data`.

        Args:
            data: a NumPy array, a torch tensor, or an iterable of batches (a DataLoader,
                a generator, a list of arrays).
            steps: the most batches to read from an iterable; all when None.
        """
        if self.num_bins is None:
            raise ValueError(f"Discretization '{self.name}': cannot adapt a layer made with "
                             "`bin_boundaries`; use `num_bins` instead.")
        self.summary = np.zeros((2, 0), "float32")
        for batch in iter_batches(f"Discretization '{self.name}'", data, steps=steps):
            batch_summary = _summarize(batch.astype("float32"), self.epsilon)
            self.summary = _merge(batch_summary, self.summary, self.epsilon)
        self.bin_boundaries = _compress(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(f"Discretization '{self.name}': pass `bin_boundaries` or call "
                             "`adapt()` before using the layer.")
        x = inputs if inputs.is_floating_point() else inputs.float()
        boundaries = torch.as_tensor(self.bin_boundaries, dtype=x.dtype, device=x.device)
        indices = torch.bucketize(x, boundaries, right=True)
        dtype = torch.int32 if self.output_mode == "int" else self._compute_torch_dtype
        return encoding.encode(indices, self.output_mode, len(self.bin_boundaries) + 1, dtype)

    def compute_output_shape(self, input_shape):
        depth = (len(self.bin_boundaries) + 1 if self.bin_boundaries is not None
                 else self.num_bins)
        return encoding.encoded_shape(input_shape, self.output_mode, depth)

    def compute_output_spec(self, inputs, *args, **kwargs):
        dtype = "int32" if self.output_mode == "int" else self.compute_dtype
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype)

    def get_config(self):
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                "epsilon": self.epsilon, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype_policy.name}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            # An adapted layer: both are set, but the constructor takes only one.
            boundaries = config.pop("bin_boundaries")
            layer = super().from_config(config)
            layer.bin_boundaries = boundaries
            return layer
        return super().from_config(config)


def _summarize(values, epsilon):
    """A 2-row summary of `values`: every `step`-th sorted value, each weighing `step`."""
    values = np.sort(values.reshape(-1))
    step = max(values.size * epsilon, 1)
    points = values[int(step - 1)::int(step)]
    return np.stack([points, np.full_like(points, step)])


def _merge(summary, other, epsilon):
    merged = np.concatenate((summary, other), axis=1)
    return _compress(merged[:, np.argsort(merged[0])], epsilon)


def _compress(summary, epsilon):
    """Resamples a summary at cumulative-weight fractions `epsilon, 2 * epsilon, ...`."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    fractions = cum_weights / cum_weights[-1]
    points = np.interp(percents, fractions, summary[0])
    new_cum = np.interp(percents, fractions, cum_weights)
    weights = new_cum - np.concatenate(([0.0], new_cum[:-1]))
    return np.stack((points, weights)).astype("float32")
