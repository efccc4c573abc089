"""`IndexLookup`: the vocabulary table behind `StringLookup` and `IntegerLookup`."""

import collections
import math
import os
import warnings

import numpy as np
import torch

from cornu.backend.keras_tensor import KerasTensor
from cornu.layers.layer import Layer
from cornu.layers.preprocessing import encoding, hash_utils


def to_numpy(data, layer_name):
    """`data` (a tensor, array, list, string or number) as a NumPy array."""
    if isinstance(data, torch.Tensor):
        return data.detach().cpu().numpy()
    if isinstance(data, KerasTensor):
        raise TypeError(f"{layer_name} cannot process symbolic string inputs; call it on "
                        "data (NumPy arrays, lists or tensors).")
    array = np.asarray(data)
    if array.dtype.kind == "S":
        array = np.char.decode(array, "utf-8")
    return array


def iter_adapt_batches(data, steps):
    """`adapt()`'s data as batches: an array or list is one batch, any other iterable is a
    sequence of batches (`(x, y)` batches give `x`)."""
    if isinstance(data, (list, tuple, np.ndarray, torch.Tensor, str, bytes)):
        array = np.asarray(data.detach().cpu() if isinstance(data, torch.Tensor) else data)
        return [array[:, None] if array.ndim == 1 else array]
    if not hasattr(data, "__iter__"):
        raise TypeError("`adapt()` expects a NumPy array, a list, a tensor or an iterable of "
                        f"batches. Received: {type(data).__name__}")

    def batches():
        for i, batch in enumerate(data):
            if steps is not None and i >= steps:
                return
            if isinstance(batch, tuple) and batch and not isinstance(batch[0], (str, bytes)):
                batch = batch[0]
            yield batch
    return batches()


class IndexLookup(Layer):
    """Maps values to integer indices through a vocabulary (the base of the lookup layers).

    Indices start with the mask index (when `mask_token` is set and `output_mode="int"`),
    then `num_oov_indices` out-of-vocabulary indices, then the vocabulary's terms.

    Args:
        max_tokens: the largest vocabulary size, special tokens included; None for no cap.
        num_oov_indices: how many out-of-vocabulary indices there are; with several,
            out-of-vocabulary values are spread over them (`value % num_oov_indices` for
            integers, a FarmHash64 of strings); with 0, an unknown value raises an error.
        mask_token: the value mapped to index 0 with `output_mode="int"` (dropped in the
            other modes); None for no mask.
        oov_token: the value inverted out-of-vocabulary indices map back to.
        vocabulary_dtype: "string" or "int64".
        vocabulary: a list/array of terms, or a path to a text file with one term per line;
            None to learn it with `adapt()`.
        idf_weights: with `output_mode="tf_idf"` and a given vocabulary, the inverse
            document frequency of each term.
        invert: map indices back to terms (only with `output_mode="int"`).
        output_mode: "int", "one_hot", "multi_hot", "count" or "tf_idf".
        sparse: not supported (sparse tensors need the TensorFlow backend in Keras).
        pad_to_max_tokens: with the vector output modes, make the last axis `max_tokens`
            long whatever the vocabulary's size.
        oov_method: for integers with several OOV indices, "floormod" or "farmhash".
        salt: with hashing, one int or a pair of ints keying SipHash64 instead of FarmHash64.
        **kwargs: base layer arguments.
    """

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 sparse=False, pad_to_max_tokens=False, oov_method="floormod", salt=None,
                 **kwargs):
        frozen_size = kwargs.pop("vocabulary_size", None)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("dtype", None)
        super().__init__(**kwargs)
        who = f"{type(self).__name__} '{self.name}'"
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{who}: if set, `max_tokens` must be greater than 1. "
                             f"Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{who}: `pad_to_max_tokens=True` needs `max_tokens`. "
                             f"Received: max_tokens={max_tokens}")
        if not isinstance(num_oov_indices, int) or num_oov_indices < 0:
            raise ValueError(f"{who}: `num_oov_indices` must be an int >= 0. "
                             f"Received: num_oov_indices={num_oov_indices!r}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"{who}: `oov_method` must be 'floormod' or 'farmhash'. "
                             f"Received: oov_method={oov_method!r}")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        encoding.check_output_mode(who, output_mode, encoding.OUTPUT_MODES + ("tf_idf",))
        if invert and output_mode != "int":
            raise ValueError(f"{who}: `invert=True` needs `output_mode='int'`. "
                             f"Received: output_mode={output_mode!r}")
        if sparse:
            raise ValueError(f"{who}: `sparse=True` needs TensorFlow's sparse tensors and is "
                             "not supported; outputs are dense torch tensors.")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"{who}: `idf_weights` is only used with output_mode='tf_idf'. "
                             f"Received: output_mode={output_mode!r}")
        if output_mode == "tf_idf" and vocabulary is not None and idf_weights is None:
            raise ValueError(f"{who}: with a `vocabulary` and output_mode='tf_idf', "
                             "`idf_weights` must be given too.")
        if salt is not None:
            if vocabulary_dtype != "string" and oov_method != "farmhash":
                raise ValueError(f"{who}: `salt` needs `oov_method='farmhash'`. "
                                 f"Received: oov_method={oov_method!r}")
            salt = _check_salt(who, salt)
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.vocabulary_dtype = vocabulary_dtype
        self.invert = invert
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = pad_to_max_tokens
        self.oov_method = oov_method
        self.salt = salt
        self.input_vocabulary = None if isinstance(vocabulary, str) else vocabulary
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = has_input_vocabulary
        self._frozen_vocab_size = frozen_size
        self._tokens = []
        self._index = {}
        self._sorted_keys = (np.zeros(0, dtype="int64"), np.zeros(0, dtype="int64"))
        self.idf_weights = None
        self._reset_counts()
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        elif frozen_size is not None and frozen_size > self._token_start_index():
            warnings.warn(
                f"{who} was configured with a learned vocabulary of {frozen_size} entries but "
                "without the terms: Keras keeps them in the archive's assets/ folder, which "
                "cornu's loader does not read. Call `adapt()` or `set_vocabulary()` (or "
                "`load_assets(folder)` on the extracted assets) before using the layer.",
                stacklevel=2)
            self._frozen_vocab_size = None
        self.built = True

    # ------------------------------------------------------------------ vocabulary

    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def _describe(self):
        return f"{type(self).__name__} '{self.name}'"

    def _as_token(self, value):
        """One vocabulary term in the layer's own type (str or int)."""
        if self.vocabulary_dtype == "string":
            return value.decode("utf-8") if isinstance(value, bytes) else str(value)
        return int(value)

    def vocabulary_size(self):
        """The size of the vocabulary, mask and OOV indices included."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary, as a list whose positions are the terms' indices.

        Args:
            include_special_tokens: include the mask and OOV tokens at the front.
        """
        if not include_special_tokens:
            return list(self._tokens)
        return ([self.mask_token] * self._oov_start_index()
                + [self.oov_token] * self.num_oov_indices + list(self._tokens))

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (and, for "tf_idf", the IDF weights) directly.

        Args:
            vocabulary: a list, tuple, array or tensor of terms, or a path to a text file
                with one term per line. It may start with the special tokens, in the order
                `get_vocabulary()` gives them.
            idf_weights: with output_mode="tf_idf", one weight per term.
        """
        who = self._describe()
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f"{who}: `idf_weights` must be set with output_mode='tf_idf'.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(f"{who}: `idf_weights` is only used with output_mode='tf_idf'. "
                             f"Received: output_mode={self.output_mode!r}")
        if isinstance(vocabulary, (str, os.PathLike)):
            if self.output_mode == "tf_idf":
                raise ValueError(f"{who}: output_mode='tf_idf' cannot read its vocabulary "
                                 "from a file; pass a list and `idf_weights`.")
            if not os.path.exists(vocabulary):
                raise ValueError(f"{who}: vocabulary file {vocabulary} does not exist.")
            with open(vocabulary, encoding="utf-8") as f:
                vocabulary = f.read().splitlines()
            while vocabulary and vocabulary[-1] == "":
                vocabulary.pop()
        vocabulary = [self._as_token(v) for v in to_numpy(vocabulary, who).reshape(-1).tolist()]
        if not vocabulary:
            raise ValueError(f"{who}: cannot set an empty vocabulary.")
        token_start = self._token_start_index()
        special = self.get_vocabulary()[:token_start] if token_start else []
        found_special = token_start > 0 and vocabulary[:token_start] == special
        tokens = vocabulary[token_start:] if found_special else vocabulary
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(f"{who}: the vocabulary has repeated terms {repeated}; every "
                             "term must appear once.")
        for reserved, what in ((self.mask_token, "mask_token"),
                               (self.oov_token if self.invert else None, "oov_token")):
            if reserved is not None and reserved in tokens:
                raise ValueError(
                    f"{who}: found the reserved {what} {reserved!r} inside `vocabulary`. Leave "
                    "the mask and OOV tokens out, or put them only at its start, in this "
                    f"order: {special}.")
        size = token_start + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(f"{who}: the vocabulary ({size} terms with the special tokens) "
                             f"is larger than `max_tokens`={self.max_tokens}.")
        if self.output_mode == "tf_idf":
            idf_weights = to_numpy(idf_weights, who).astype("float32")
            if idf_weights.ndim != 1 or len(idf_weights) != len(vocabulary):
                raise ValueError(f"{who}: `idf_weights` must be 1-D with one weight per "
                                 f"vocabulary term ({len(vocabulary)}). Received shape "
                                 f"{idf_weights.shape}")
            front = 0 if found_special else token_start
            self._set_idf(idf_weights, front, float(np.average(idf_weights)))
        self._set_tokens(tokens)

    def _set_tokens(self, tokens):
        size = self._token_start_index() + len(tokens)
        if (self.output_mode != "int" and not self.pad_to_max_tokens
                and self._frozen_vocab_size is not None and size != self._frozen_vocab_size):
            raise RuntimeError(
                f"{self._describe()}: with output_mode='{self.output_mode}' and "
                "pad_to_max_tokens=False, the vocabulary size cannot change once set. "
                f"Old size {self._frozen_vocab_size}, new size {size}.")
        self._tokens = list(tokens)
        start = self._token_start_index()
        self._index = {t: i for i, t in enumerate(self._tokens, start)}
        if self.vocabulary_dtype != "string":
            keys = np.array(self._tokens, dtype="int64")
            order = np.argsort(keys)
            self._sorted_keys = (keys[order], order)
        self._frozen_vocab_size = size

    def _set_idf(self, weights, front, front_value):
        back = 0
        if self.pad_to_max_tokens:
            back = self.max_tokens - front - len(weights)
        self.idf_weights = torch.as_tensor(np.pad(weights, (front, back), "constant",
                                                  constant_values=(front_value, 0)),
                                           dtype=torch.float32)

    # ------------------------------------------------------------------ adapt

    def _reset_counts(self):
        self._token_counts = collections.Counter()
        self._document_counts = collections.Counter()
        self._num_documents = 0

    def reset_state(self):
        """Forgets the counts gathered by `update_state()`."""
        self._reset_counts()

    def adapt(self, data, steps=None):
        """Learns the vocabulary from `data`: its terms by decreasing count, ties broken by
        decreasing term, cut to `max_tokens`.

        Args:
            data: a NumPy array, list or tensor (a 1-D one holds one term per sample), or an
                iterable of batches such as a DataLoader or generator.
            steps: the most batches to read from an iterable.
        """
        self.reset_state()
        for batch in iter_adapt_batches(data, steps):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        """Counts the terms of one batch (rows are documents, for "tf_idf")."""
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}': it was given a fixed "
                             "vocabulary through `vocabulary` or `set_vocabulary()`.")
        data = to_numpy(data, self._describe())
        if data.ndim < 2:
            data = data.reshape(1, -1)
        self._update_rows(data.reshape(len(data), -1).tolist())

    def _update_rows(self, rows):
        """Counts the terms of a list of documents, each a list of terms."""
        for row in rows:
            row = [self._as_token(v) for v in row]
            self._token_counts.update(row)
            if self.output_mode == "tf_idf":
                self._document_counts.update(set(row))
        self._num_documents += len(rows)

    def finalize_state(self):
        """Turns the gathered counts into the vocabulary."""
        if self._has_input_vocabulary or not self._token_counts:
            return
        counts = self._token_counts
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(special, None)
        tokens = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens:
            tokens = tokens[:self.max_tokens - self._token_start_index()]
        if self.output_mode == "tf_idf":
            idf = np.array([math.log(1 + self._num_documents / (1 + self._document_counts[t]))
                            for t in tokens], dtype="float32")
            self._set_idf(idf, self._token_start_index(), float(np.mean(idf)) if len(idf) else 0)
        self._set_tokens(tokens)
        self.reset_state()

    # ------------------------------------------------------------------ call

    def _convert_inputs(self, inputs):
        return inputs  # strings and lists stay as they are; `call` converts them

    def _lookup_indices(self, values):
        """Indices (an int64 NumPy array) of a NumPy array of terms; OOV -> -1."""
        if self.vocabulary_dtype == "string":
            unique, inverse = np.unique(values.reshape(-1).astype(str), return_inverse=True)
            found = np.array([self._index.get(t, -1) for t in unique.tolist()], dtype="int64")
            return found[inverse].reshape(values.shape)
        keys, order = self._sorted_keys
        if not len(keys):
            return np.full(values.shape, -1, dtype="int64")
        pos = np.clip(np.searchsorted(keys, values), 0, len(keys) - 1)
        hit = keys[pos] == values
        return np.where(hit, order[pos] + self._token_start_index(), -1).astype("int64")

    def _oov_indices(self, values):
        if self.vocabulary_dtype != "string" and self.oov_method == "floormod":
            return np.mod(values.astype("int64"), self.num_oov_indices)
        return hash_utils.hash_bins(values, self.num_oov_indices, salt=self.salt)

    def _indices(self, values):
        indices = self._lookup_indices(values)
        oov = indices < 0
        if oov.any():
            if self.num_oov_indices == 0:
                raise ValueError(
                    f"{self._describe()}: with num_oov_indices=0 every input must be in the "
                    f"vocabulary; found OOV values {np.unique(values[oov]).tolist()[:10]}. "
                    "Consider setting num_oov_indices=1.")
            if self.num_oov_indices == 1:
                indices[oov] = self._oov_start_index()
            else:
                indices[oov] = self._oov_indices(values[oov]) + self._oov_start_index()
        if self.mask_token is not None:
            masked = values == self.mask_token
            indices[masked] = 0 if self.output_mode == "int" else -1  # -1: dropped
        return indices

    def _invert(self, indices):
        # The table's last entry, the OOV token, is what indices outside it map to.
        vocabulary = self.get_vocabulary()
        dtype = object if self.vocabulary_dtype == "string" else "int64"
        table = np.array(vocabulary + [self.oov_token], dtype=dtype)
        out = table[np.where((indices >= 0) & (indices < len(vocabulary)), indices, -1)]
        return out.astype(str) if self.vocabulary_dtype == "string" else out

    def _depth(self):
        return self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size

    def call(self, inputs):
        device = inputs.device if isinstance(inputs, torch.Tensor) else None
        values = to_numpy(inputs, self._describe())
        if self.invert:
            out = self._invert(values.astype("int64"))
            if self.vocabulary_dtype == "string":
                return out
            return torch.as_tensor(out, device=device)
        return self._encode(torch.as_tensor(self._indices(values), device=device))

    def _encode(self, indices):
        """Indices in the layer's output mode; indices outside the vocabulary are dropped."""
        if self.output_mode == "int":
            return indices
        if self._depth() is None:
            raise RuntimeError(
                f"{self._describe()}: with output_mode='{self.output_mode}' and "
                "pad_to_max_tokens=False the vocabulary must be set before calling the layer; "
                "pass `vocabulary` or call `adapt()`.")
        if self.output_mode == "tf_idf":
            counts = encoding.encode(indices, "count", self._depth(), torch.float32)
            return counts * self.idf_weights.to(counts.device)
        # Keras's eager TensorFlow path gives int64 here; its declared output spec (and
        # what Dense and friends take without a cast) is float32.
        return encoding.encode(indices, self.output_mode, self._depth(), torch.float32)

    def compute_output_shape(self, input_shape):
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        return encoding.encoded_shape(input_shape, mode, self._depth())

    def compute_output_spec(self, inputs, *args, **kwargs):
        if self.invert and self.vocabulary_dtype == "string":
            raise TypeError(f"{self._describe()}: an inverted StringLookup returns NumPy "
                            "strings, which symbolic (Functional) models cannot carry; call "
                            "it on data instead.")
        dtype = "int64" if self.output_mode == "int" else "float32"
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype)

    # ------------------------------------------------------------------ saving

    def save_own_variables(self, store):
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            store["idf_weights"] = self.idf_weights.numpy()

    def load_own_variables(self, store):
        if self.output_mode == "tf_idf" and "idf_weights" in store:
            self.idf_weights = torch.as_tensor(store["idf_weights"], dtype=torch.float32)

    def load_assets(self, dir_path):
        """Reads a vocabulary that Keras saved as `vocabulary.txt` in a model's assets."""
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        idf = self.idf_weights.numpy()[:len(lines)] if self.output_mode == "tf_idf" else None
        self._frozen_vocab_size = None
        self.set_vocabulary(lines, idf_weights=idf)

    # ------------------------------------------------------------------ config

    def get_config(self):
        config = super().get_config()
        config.update({
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": self.vocabulary_dtype,
            "idf_weights": _listify(self.input_idf_weights),
            "vocabulary": _listify(self.input_vocabulary),
            "vocabulary_size": self._frozen_vocab_size,
            "oov_method": self.oov_method,
            "salt": self.salt,
        })
        if self.input_vocabulary is None and self._tokens:
            # Keras keeps a learned vocabulary in the archive's assets; cornu's files have
            # none, so the learned terms (and IDF weights) travel in the config.
            config["vocabulary"] = self.get_vocabulary()
            if self.output_mode == "tf_idf":
                config["idf_weights"] = self.idf_weights.tolist()[:self.vocabulary_size()]
            config["has_input_vocabulary"] = False
        return config


def _check_salt(who, salt):
    if isinstance(salt, (tuple, list)) and len(salt) == 2 and all(
            isinstance(s, int) for s in salt):
        return list(salt)
    if isinstance(salt, int) and not isinstance(salt, bool):
        return [salt, salt]
    raise ValueError(f"{who}: `salt` must be an int or a pair of ints. Received: salt={salt!r}")


def _listify(value):
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    return value
