"""cornu's FarmHash Fingerprint64 and SipHash-2-4 against TensorFlow's string-hash ops.

Keras 3's Hashing / StringLookup / IntegerLookup bin values with TensorFlow's
`to_hash_bucket_fast` / `to_hash_bucket_strong`; TensorFlow is not a test dependency, so its
outputs were recorded once by data/make_hash_reference.py.
"""

import json
import pathlib

import numpy as np

from cornu.layers.preprocessing import hash_utils

REFERENCE = json.loads(
    (pathlib.Path(__file__).parent / "data" / "hash_reference.json").read_text("utf-8"))


def test_farmhash_and_siphash_match_tensorflow_for_every_length_branch():
    n = REFERENCE["num_bins"]
    strings = REFERENCE["strings"]
    assert [hash_utils.fingerprint64(s.encode()) % n for s in strings] == REFERENCE["farmhash"]
    assert [hash_utils.siphash64((133, 137), s.encode()) % n
            for s in strings] == REFERENCE["siphash_133_137"]


def test_hash_bins_hash_integers_as_decimal_strings():
    n = REFERENCE["num_bins"]
    ints = np.array(REFERENCE["integers"], dtype="int64")
    np.testing.assert_array_equal(hash_utils.hash_bins(ints, n), REFERENCE["integers_farmhash"])
    strings = np.array(REFERENCE["strings"][:20], dtype=object).reshape(4, 5)
    bins = hash_utils.hash_bins(strings, 8, salt=(133, 137))  # 8 divides 2 ** 62
    assert bins.shape == (4, 5) and bins.dtype == np.int64
    np.testing.assert_array_equal(
        bins.ravel(), np.array(REFERENCE["siphash_133_137"][:20]) % 8)
