"""`TextVectorization`: strings to token indices or token-count vectors."""

import re
import string

import numpy as np
import torch

from cornu.backend.keras_tensor import KerasTensor
from cornu.layers.layer import Layer
from cornu.layers.preprocessing.encoding import OUTPUT_MODES, check_output_mode, encode
from cornu.layers.preprocessing.index_lookup import iter_adapt_batches, to_numpy
from cornu.layers.preprocessing.string_lookup import StringLookup

# What Keras strips (TensorFlow's regex) and lowercases (ASCII letters only, as
# `tf.strings.lower`); splitting is on ASCII whitespace, as `tf.strings.split`.
_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")


def _ngrams(tokens, widths):
    return [" ".join(tokens[i:i + w]) for w in widths for i in range(len(tokens) - w + 1)]


class TextVectorization(Layer):
    """Turns strings into sequences of token indices or into token-count vectors.

    Each string is standardized (lowercased, punctuation stripped), split into tokens,
    optionally combined into n-grams, and looked up in a vocabulary (given, or learned by
    `adapt()`). Index 0 is padding and index 1 the out-of-vocabulary token.

    Inputs are Python strings, lists of strings or NumPy string arrays of shape `(batch,)` or
    `(batch, 1)`; outputs are torch tensors: int64 indices of shape
    `(batch, output_sequence_length)` for `output_mode="int"`, else float32 `(batch, depth)`
    vectors.

    Args:
        max_tokens: the largest vocabulary size, padding and OOV tokens included; None for
            no cap.
        standardize: "lower_and_strip_punctuation" (default), "lower", "strip_punctuation",
            None, or a callable taking and returning a NumPy array of strings.
        split: "whitespace" (default), "character", None (each string is one token), or a
            callable taking a 1-D NumPy array of strings and returning one list of tokens
            per string.
        ngrams: None, an int n (n-grams of sizes 1 to n), or a tuple of n-gram sizes.
        output_mode: "int", "multi_hot", "count", "tf_idf" (or "one_hot").
        output_sequence_length: with "int", pad or cut every sequence to this length; None
            pads to the longest sequence of the batch.
        pad_to_max_tokens: with the vector modes, make the last axis `max_tokens` long.
        vocabulary: a list of strings or a text file with one per line; None to `adapt()`.
        idf_weights: with "tf_idf" and a given vocabulary, the IDF weight of each term.
        sparse: not supported (TensorFlow only in Keras).
        ragged: not supported (TensorFlow only in Keras).
        encoding: the text encoding of bytes inputs. Defaults to "utf-8".
        **kwargs: base layer arguments.
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None,
                 **kwargs):
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        kwargs.pop("dtype", None)
        super().__init__(name=name, **kwargs)
        who = f"TextVectorization '{self.name}'"
        if not (standardize is None or callable(standardize) or standardize in (
                "lower_and_strip_punctuation", "lower", "strip_punctuation")):
            raise ValueError(f"{who}: `standardize` must be 'lower_and_strip_punctuation', "
                             "'lower', 'strip_punctuation', None or a callable. Received: "
                             f"standardize={standardize!r}")
        if not (split is None or callable(split) or split in ("whitespace", "character")):
            raise ValueError(f"{who}: `split` must be 'whitespace', 'character', None or a "
                             f"callable. Received: split={split!r}")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        check_output_mode(who, output_mode, OUTPUT_MODES + ("tf_idf",))
        if not (ngrams is None or (isinstance(ngrams, int) and not isinstance(ngrams, bool))
                or (isinstance(ngrams, tuple) and all(isinstance(n, int) for n in ngrams))):
            raise ValueError(f"{who}: `ngrams` must be None, an int or a tuple of ints. "
                             f"Received: ngrams={ngrams!r}")
        if output_sequence_length is not None and output_mode != "int":
            raise ValueError(f"{who}: `output_sequence_length` is only used with "
                             f"output_mode='int'. Received: output_mode={output_mode!r}")
        if output_sequence_length is not None and not (
                isinstance(output_sequence_length, int) and output_sequence_length > 0):
            raise ValueError(f"{who}: `output_sequence_length` must be a positive int or None. "
                             f"Received: output_sequence_length={output_sequence_length!r}")
        if sparse or ragged:
            raise ValueError(f"{who}: `sparse` and `ragged` outputs need TensorFlow's tensor "
                             "types and are not supported; outputs are dense torch tensors.")
        self._max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            encoding=encoding, has_input_vocabulary=has_input_vocabulary,
            vocabulary_size=vocabulary_size)
        self.built = True

    # ------------------------------------------------------------------ vocabulary

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary: padding "" and OOV "[UNK]" first (unless excluded), then the
        terms by decreasing frequency.

        Args:
            include_special_tokens: include the padding and OOV tokens.
        """
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        """The size of the vocabulary, padding and OOV tokens included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (and, for "tf_idf", the IDF weights) directly.

        Args:
            vocabulary: a list/array of strings or a text file with one term per line.
            idf_weights: with output_mode="tf_idf", one weight per term.
        """
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # ------------------------------------------------------------------ preprocessing

    def _standardized(self, strings):
        if self._standardize is None:
            return strings
        if callable(self._standardize):
            return np.asarray(self._standardize(strings.astype(str))).astype(object)
        flat = strings.reshape(-1).tolist()
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            flat = [s.translate(_ASCII_LOWER) for s in flat]
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            flat = [_PUNCTUATION.sub("", s) for s in flat]
        return np.array(flat, dtype=object).reshape(strings.shape)

    def _tokens(self, strings):
        """One list of tokens per string of a 1-D array."""
        if callable(self._split):
            rows = [[str(t) for t in row] for row in self._split(strings)]
        elif self._split == "character":
            rows = [list(s) for s in strings.tolist()]
        else:
            rows = [[t for t in _WHITESPACE.split(s) if t] for s in strings.tolist()]
        if self._ngrams is not None:
            rows = [_ngrams(row, self._ngrams) for row in rows]
        return rows

    def _strings(self, inputs):
        strings = to_numpy(inputs, f"TextVectorization '{self.name}'")
        if strings.dtype.kind == "O":
            strings = np.array([s.decode(self._encoding) if isinstance(s, bytes) else str(s)
                                for s in strings.reshape(-1).tolist()],
                               dtype=object).reshape(strings.shape)
        return self._standardized(strings.astype(object) if strings.size else strings)

    def _rows(self, strings):
        """Token lists of a batch of standardized strings: `(batch,)` or `(batch, 1)`."""
        if strings.ndim > 1:
            if strings.shape[-1] != 1 or strings.ndim > 2:
                raise ValueError(
                    f"TextVectorization '{self.name}': to split strings into tokens the "
                    "inputs must have shape (batch,) or (batch, 1). Received: inputs of shape "
                    f"{strings.shape}")
            strings = strings[:, 0]
        return self._tokens(np.asarray(strings, dtype=object).reshape(-1))

    # ------------------------------------------------------------------ adapt

    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary from `data`: its terms by decreasing count (ties broken by
        decreasing term), cut to `max_tokens`; with "tf_idf", also the IDF weights.

        Args:
            data: a list or NumPy array of strings, or an iterable of batches of strings
                (such as a generator or DataLoader).
            batch_size: for an array or list, how many strings to process at a time.
            steps: the most batches to read from an iterable.
        """
        lookup = self._lookup_layer
        if lookup._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}': it was given a fixed "
                             "vocabulary through `vocabulary` or `set_vocabulary()`.")
        lookup.reset_state()
        for batch in iter_adapt_batches(data, steps):
            strings = self._strings(batch)
            if strings.ndim == 0:
                strings = strings.reshape(1)
            step = batch_size or max(len(strings), 1)
            for start in range(0, len(strings), step):
                chunk = strings[start:start + step]
                if self._split is None:
                    lookup._update_rows(chunk.reshape(len(chunk), -1).tolist())
                else:
                    lookup._update_rows(self._rows(chunk))
        lookup.finalize_state()

    # ------------------------------------------------------------------ call

    def _convert_inputs(self, inputs):
        return inputs  # strings stay as they are

    def call(self, inputs):
        device = inputs.device if isinstance(inputs, torch.Tensor) else None
        strings = self._strings(inputs)
        lookup = self._lookup_layer
        if self._split is None:
            indices = torch.as_tensor(lookup._indices(strings), device=device)
            if self._output_mode != "int":
                return lookup._encode(indices)
            return self._fit_length(indices)
        scalar = strings.ndim == 0
        rows = self._rows(strings.reshape(1) if scalar else strings)
        flat = np.array([t for row in rows for t in row], dtype=object)
        flat_indices = lookup._indices(flat).tolist()
        longest = max((len(row) for row in rows), default=0)
        pad = 0 if self._output_mode == "int" else -1
        padded = np.full((len(rows), longest), pad, dtype="int64")
        start = 0
        for i, row in enumerate(rows):
            padded[i, :len(row)] = flat_indices[start:start + len(row)]
            start += len(row)
        indices = torch.as_tensor(padded, device=device)
        if self._output_mode == "int":
            outputs = self._fit_length(indices)
        elif self._output_mode == "one_hot":
            outputs = encode(indices, "one_hot", lookup._depth(), torch.float32)
        else:
            outputs = lookup._encode(indices)
        return outputs[0] if scalar else outputs

    def _fit_length(self, indices):
        """Cuts or zero-pads the last axis to `output_sequence_length`."""
        length = self._output_sequence_length
        if length is None or indices.dim() == 0:
            return indices
        indices = indices[..., :length]
        return torch.nn.functional.pad(indices, (0, length - indices.shape[-1]))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        if self._split is None:
            if len(input_shape) <= 1:
                input_shape = input_shape + (1,)
        else:
            input_shape = input_shape + (None,)
        return self._lookup_layer.compute_output_shape(input_shape)

    def compute_output_spec(self, inputs, *args, **kwargs):
        dtype = "int64" if self._output_mode == "int" else "float32"
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype)

    # ------------------------------------------------------------------ saving

    def save_own_variables(self, store):
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store):
        self._lookup_layer.load_own_variables(store)

    def load_assets(self, dir_path):
        """Reads a vocabulary that Keras saved as `vocabulary.txt` in a model's assets."""
        self._lookup_layer.load_assets(dir_path)

    def get_config(self):
        from cornu.saving.serialization_lib import serialize_keras_object

        lookup = self._lookup_layer
        lookup_config = lookup.get_config()
        config = super().get_config()
        config.update({
            "max_tokens": lookup.max_tokens,
            "standardize": (serialize_keras_object(self._standardize)
                            if callable(self._standardize) else self._standardize),
            "split": serialize_keras_object(self._split) if callable(self._split)
            else self._split,
            "ngrams": self._ngrams_arg,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": lookup.pad_to_max_tokens,
            "sparse": False,
            "ragged": False,
            "vocabulary": lookup_config["vocabulary"],
            "idf_weights": lookup_config["idf_weights"],
            "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        })
        if "has_input_vocabulary" in lookup_config:
            config["has_input_vocabulary"] = False
        return config

    @classmethod
    def from_config(cls, config):
        from cornu.saving.serialization_lib import deserialize_keras_object

        config = dict(config)
        for key in ("standardize", "split"):
            if isinstance(config.get(key), dict):
                config[key] = deserialize_keras_object(config[key])
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)
