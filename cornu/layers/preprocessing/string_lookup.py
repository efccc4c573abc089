"""`StringLookup`: strings to vocabulary indices (and back)."""

from cornu.layers.preprocessing.index_lookup import IndexLookup


class StringLookup(IndexLookup):
    """Maps strings to integer indices through a vocabulary, given or learned by `adapt()`.

    Inputs are Python strings, (nested) lists of strings or NumPy string arrays; outputs are
    int64 torch tensors of indices, or float32 vectors in the other output modes. With `invert=True`, indices map back to a
    NumPy array of strings.

    Args:
        max_tokens: the largest vocabulary size, mask and OOV tokens included; None for no
            cap.
        num_oov_indices: the number of out-of-vocabulary indices (unknown strings are
            spread over them by a FarmHash64 of the string); 0 makes unknown strings an
            error.
        mask_token: the string mapped to index 0 with output_mode="int" and dropped in the
            other modes; None for no mask.
        oov_token: the string that inverted OOV indices map back to. Defaults to "[UNK]".
        vocabulary: a list/array of strings or a text file with one per line; None to learn
            it with `adapt()`.
        idf_weights: with output_mode="tf_idf" and a given vocabulary, the IDF weights.
        invert: map indices back to strings.
        output_mode: "int", "one_hot", "multi_hot", "count" or "tf_idf".
        pad_to_max_tokens: pad the encoded axis to `max_tokens`.
        sparse: not supported (it needs TensorFlow's sparse tensors).
        encoding: the text encoding of bytes inputs. Defaults to "utf-8".
        salt: one int or a pair of ints: hash OOV strings with SipHash64 under this key.
        **kwargs: base layer arguments.
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None, salt=None,
                 **kwargs):
        self.encoding = encoding
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary_dtype="string",
                         vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens,
                         sparse=sparse, salt=salt, name=name, **kwargs)

    def _as_token(self, value):
        if isinstance(value, bytes):
            return value.decode(self.encoding)
        return str(value)

    def get_config(self):
        config = super().get_config()
        del config["vocabulary_dtype"]  # always "string"
        config["encoding"] = self.encoding
        return config
