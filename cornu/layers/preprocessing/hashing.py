"""`Hashing`: hashes values into a fixed number of bins."""

import numpy as np
import torch

from cornu.layers.layer import Layer
from cornu.layers.preprocessing import encoding
from cornu.layers.preprocessing.hash_utils import hash_bins


class Hashing(Layer):
    """Hashes each value into one of `num_bins` bins: `Fingerprint64(str(value)) % bins`,
    FarmHash's fingerprint of the value's text (floats are first truncated to integers),
    as Keras's `tf.strings.to_hash_bucket_fast` does; with a `salt`, SipHash-2-4 keyed by
    the salt, as `tf.strings.to_hash_bucket_strong`.

    Inputs may be integer or float tensors / arrays, or NumPy arrays / lists of strings.
    With `mask_value`, bin 0 is reserved for that value and the others hash into
    `[1, num_bins)`.

    Args:
        num_bins: the number of bins, mask bin included.
        mask_value: a value hashed to bin 0, or None.
        salt: None for FarmHash, or an int or a pair of ints keying SipHash64 (an int
            `s` means `[s, s]`).
        output_mode: "int" (bin indices, int64 by default), "one_hot", "multi_hot" or
            "count".
        sparse: must be False (not supported with PyTorch).
        **kwargs: base layer keyword arguments, such as `name` and `dtype`.
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        name = f"Hashing '{self.name}'"
        if num_bins is None or isinstance(num_bins, bool) or not isinstance(
                num_bins, int) or num_bins <= 0:
            raise ValueError(f"{name}: `num_bins` must be a positive int. "
                             f"Received: num_bins={num_bins!r}")
        encoding.check_output_mode(name, output_mode)
        if output_mode == "int" and self.dtype_policy.name not in ("int32", "int64"):
            raise ValueError(f"{name}: with output_mode='int', `dtype` must be 'int32' or "
                             f"'int64'. Received: dtype={self.dtype_policy.name!r}")
        if sparse:
            raise ValueError(f"{name}: `sparse=True` is not supported with PyTorch.")
        if isinstance(salt, int) and not isinstance(salt, bool):
            salt = [salt, salt]
        elif salt is not None and not (isinstance(salt, (tuple, list)) and len(salt) == 2
                                       and all(isinstance(s, int) for s in salt)):
            raise ValueError(f"{name}: `salt` must be None, an int or a pair of ints. "
                             f"Received: salt={salt!r}")
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.salt = None if salt is None else list(salt)
        self.output_mode = output_mode
        self.sparse = sparse

    def __call__(self, inputs, *args, **kwargs):
        # Strings never become tensors: hash them to bin indices first.
        if isinstance(inputs, (list, tuple)) or (
                isinstance(inputs, np.ndarray) and inputs.dtype.kind in "USO"):
            array = np.asarray(inputs, dtype=object)
            if array.size and isinstance(array.flat[0], (str, bytes)):
                return self._encode(torch.as_tensor(self._hash(array)))
            inputs = np.asarray(inputs)  # a list of numbers
        return super().__call__(inputs, *args, **kwargs)

    def _hash(self, values):
        """Bin indices (int64 NumPy) of a NumPy array of strings or numbers."""
        bins = self.num_bins
        masked = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            masked = values == self.mask_value
        if values.dtype.kind == "f":
            values = values.astype("int64")
        out = hash_bins(values, bins, salt=self.salt)
        if masked is not None:
            out = np.where(masked, 0, out + 1)
        return out

    def _encode(self, indices):
        return encoding.encode(indices, self.output_mode, self.num_bins,
                               self._compute_torch_dtype)

    def call(self, inputs):
        values = inputs.detach().cpu().numpy()
        return self._encode(torch.as_tensor(self._hash(values), device=inputs.device))

    def compute_output_shape(self, input_shape):
        return encoding.encoded_shape(input_shape, self.output_mode, self.num_bins)

    def get_config(self):
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "salt": self.salt,
                       "mask_value": self.mask_value, "output_mode": self.output_mode,
                       "sparse": self.sparse})
        return config
