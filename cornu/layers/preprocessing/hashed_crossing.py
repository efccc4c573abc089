"""`HashedCrossing`: crosses categorical features into one hashed feature."""

import numpy as np
import torch

from cornu.backend.keras_tensor import KerasTensor
from cornu.layers.layer import Layer
from cornu.layers.preprocessing import encoding
from cornu.layers.preprocessing.hash_utils import cross_bins


class HashedCrossing(Layer):
    """Hashes each tuple of values of two or more features into one of `num_bins` bins.

    The bins are those of Keras (TensorFlow's `tf.sparse.cross_hashed`): FarmHash
    fingerprints of strings (integers as they are) chained with `FingerprintCat64`,
    modulo `num_bins`. Call it on a list or tuple of equally shaped integer or string
    tensors / arrays of shape `()`, `(batch,)` or `(batch, 1)`.

    Args:
        num_bins: the number of bins.
        output_mode: "int" (bin indices, int64 by default) or "one_hot".
        sparse: must be False (not supported with PyTorch).
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None,
                 **kwargs):
        if dtype is None:
            dtype = "int64" if output_mode == "int" else "float32"
        super().__init__(name=name, dtype=dtype, **kwargs)
        where = f"HashedCrossing '{self.name}'"
        if isinstance(num_bins, bool) or not isinstance(num_bins, int) or num_bins <= 0:
            raise ValueError(f"{where}: `num_bins` must be a positive int. "
                             f"Received: num_bins={num_bins!r}")
        encoding.check_output_mode(where, output_mode, ("int", "one_hot"))
        if sparse:
            raise ValueError(f"{where}: `sparse=True` is not supported with PyTorch. "
                             "Received: sparse=True")
        self.num_bins = num_bins
        self.output_mode = output_mode
        self.sparse = sparse
        self.built = True

    @property
    def _where(self):
        return f"HashedCrossing '{self.name}'"

    def _check(self, shapes):
        first = tuple(shapes[0])
        if len(first) > 2 or (len(first) == 2 and first[-1] != 1):
            raise ValueError(f"{self._where}: every input must have shape (), (batch,) or "
                             f"(batch, 1). Received shapes {[tuple(s) for s in shapes]}")
        if any(tuple(s) != first for s in shapes[1:]):
            raise ValueError(f"{self._where}: all inputs must have the same shape. "
                             f"Received shapes {[tuple(s) for s in shapes]}")

    def _check_list(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{self._where} must be called on a list or tuple of inputs. "
                             f"Received: inputs of type {type(inputs).__name__}")
        if len(inputs) < 2:
            raise ValueError(f"{self._where} must be called on at least two inputs. "
                             f"Received {len(inputs)} input(s)")

    def __call__(self, inputs, *args, **kwargs):
        self._check_list(inputs)
        if any(isinstance(x, KerasTensor) for x in inputs):
            return super().__call__(list(inputs), *args, **kwargs)
        device = next((x.device for x in inputs if isinstance(x, torch.Tensor)), None)
        arrays = []
        for x in inputs:
            array = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
            if array.dtype.kind not in "iuUSO":
                raise ValueError(f"{self._where}: inputs must be integers or strings. "
                                 f"Received an input of dtype {array.dtype}")
            arrays.append(array)
        self._check([a.shape for a in arrays])
        bins = torch.as_tensor(cross_bins(arrays, self.num_bins), device=device)
        out = encoding.encode(bins, self.output_mode, self.num_bins, self._compute_torch_dtype)
        return out.reshape(self.num_bins) if bins.dim() == 0 and out.dim() == 2 else out

    def call(self, inputs):
        return self.__call__(inputs)

    def compute_output_shape(self, input_shape):
        shapes = list(input_shape)
        if len(shapes) < 2 or not all(isinstance(s, (tuple, list)) for s in shapes):
            raise ValueError(f"{self._where} expects a list of at least two input shapes. "
                             f"Received: input_shape={input_shape}")
        self._check(shapes)
        return encoding.encoded_shape(shapes[0], self.output_mode, self.num_bins)

    def compute_output_spec(self, inputs, **kwargs):
        shape = self.compute_output_shape([tuple(x.shape) for x in inputs])
        return KerasTensor(shape, dtype=self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "output_mode": self.output_mode,
                       "sparse": self.sparse})
        return config
