"""Writes hash_reference.json: TensorFlow's own string-hash bins, the reference for cornu's
FarmHash / SipHash (Keras 3's Hashing and lookup layers call these TensorFlow ops).

Run with TensorFlow installed: python make_hash_reference.py
"""

import json
import pathlib
import random

import tensorflow as tf

random.seed(0)
# One string of every length up to 140 covers each of FarmHash's length branches
# (0-3, 4-7, 8-16, 17-32, 33-64, and the 64-byte block loop with its tail).
strings = ["", "A", "ü∂ unicode ✓"] + [
    "".join(random.choice("abcdefghijklmnopqrstuvwxyz0123456789 .") for _ in range(n))
    for n in list(range(1, 141)) + [256, 1000]]
integers = [0, 1, -1, 7, 42, 123456789, -(2 ** 63), 2 ** 63 - 1]
buckets = 2 ** 62
reference = {
    "num_bins": buckets,
    "strings": strings,
    "farmhash": tf.strings.to_hash_bucket_fast(strings, buckets).numpy().tolist(),
    "siphash_133_137": tf.strings.to_hash_bucket_strong(
        strings, buckets, key=[133, 137]).numpy().tolist(),
    "integers": integers,
    "integers_farmhash": tf.strings.to_hash_bucket_fast(
        tf.strings.as_string(tf.constant(integers, tf.int64)), buckets).numpy().tolist(),
}
path = pathlib.Path(__file__).with_name("hash_reference.json")
path.write_text(json.dumps(reference, ensure_ascii=False))
