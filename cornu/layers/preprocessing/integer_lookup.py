"""`IntegerLookup`: integer values to vocabulary indices (and back)."""

import numpy as np
import torch

from cornu.layers.preprocessing.index_lookup import IndexLookup


class IntegerLookup(IndexLookup):
    """Maps integer values (e.g. ids) to contiguous indices through a vocabulary, given or
    learned by `adapt()`.

    Args:
        max_tokens: the largest vocabulary size, mask and OOV indices included; None for no
            cap.
        num_oov_indices: the number of out-of-vocabulary indices; unknown values go to
            `value % num_oov_indices` ("floormod") or a FarmHash64 bin ("farmhash"); 0 makes
            unknown values an error.
        mask_token: the value mapped to index 0 with output_mode="int" and dropped in the
            other modes; None for no mask.
        oov_token: the value that inverted OOV indices map back to. Defaults to -1.
        vocabulary: a list/array of ints or a text file with one per line; None to learn it
            with `adapt()`.
        vocabulary_dtype: only "int64".
        idf_weights: with output_mode="tf_idf" and a given vocabulary, the IDF weights.
        invert: map indices back to values.
        output_mode: "int", "one_hot", "multi_hot", "count" or "tf_idf".
        sparse: not supported (it needs TensorFlow's sparse tensors).
        pad_to_max_tokens: pad the encoded axis to `max_tokens`.
        oov_method: "floormod" or "farmhash", how several OOV indices are chosen.
        salt: with oov_method="farmhash", one int or a pair of ints keying SipHash64.
        **kwargs: base layer arguments.
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", salt=None, name=None, **kwargs):
        if vocabulary_dtype != "int64":
            raise ValueError("IntegerLookup: only `vocabulary_dtype='int64'` is supported. "
                             f"Received: vocabulary_dtype={vocabulary_dtype!r}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token,
                         vocabulary_dtype="int64", vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, pad_to_max_tokens=pad_to_max_tokens,
                         oov_method=oov_method, salt=salt, name=name, **kwargs)

    def call(self, inputs):
        if isinstance(inputs, torch.Tensor):
            inputs = inputs.to(torch.int64)
        else:
            inputs = np.asarray(inputs).astype("int64")
        return super().call(inputs)
