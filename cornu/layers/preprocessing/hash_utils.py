"""The string hashes Keras's hashing layers use: FarmHash Fingerprint64 and SipHash-2-4.

Keras bins a value with TensorFlow's `tf.strings.to_hash_bucket_fast` (FarmHash's
`Fingerprint64` of the UTF-8 bytes, modulo the number of bins) or, with a salt,
`tf.strings.to_hash_bucket_strong` (SipHash-2-4 keyed by the two salt words). Integers are
hashed as their decimal strings, floats after truncation to integers. These are pure-Python
versions of the same functions, so the bins match Keras's without TensorFlow; `hash_bins`
hashes each distinct value once.
"""

import numpy as np
import torch

_M = (1 << 64) - 1
_K0 = 0xC3A5C85C97CB3127
_K1 = 0xB492B66FBE98F273
_K2 = 0x9AE16A3B2F90404F


def _f64(s, i):
    return int.from_bytes(s[i:i + 8], "little")


def _f32(s, i):
    return int.from_bytes(s[i:i + 4], "little")


def _rot(v, shift):
    return ((v >> shift) | (v << (64 - shift))) & _M if shift else v


def _shift_mix(v):
    return v ^ (v >> 47)


def _hash16(u, v, mul):
    a = ((u ^ v) * mul) & _M
    a ^= a >> 47
    b = ((v ^ a) * mul) & _M
    b ^= b >> 47
    return (b * mul) & _M


def _len0to16(s):
    n = len(s)
    if n >= 8:
        mul = _K2 + n * 2
        a = (_f64(s, 0) + _K2) & _M
        b = _f64(s, n - 8)
        c = (_rot(b, 37) * mul + a) & _M
        d = ((_rot(a, 25) + b) * mul) & _M
        return _hash16(c, d, mul)
    if n >= 4:
        mul = _K2 + n * 2
        return _hash16(n + (_f32(s, 0) << 3), _f32(s, n - 4), mul)
    if n > 0:
        y = (s[0] + (s[n >> 1] << 8)) & 0xFFFFFFFF
        z = (n + (s[n - 1] << 2)) & 0xFFFFFFFF
        return (_shift_mix(((y * _K2) ^ (z * _K0)) & _M) * _K2) & _M
    return _K2


def _len17to32(s):
    n = len(s)
    mul = _K2 + n * 2
    a = (_f64(s, 0) * _K1) & _M
    b = _f64(s, 8)
    c = (_f64(s, n - 8) * mul) & _M
    d = (_f64(s, n - 16) * _K2) & _M
    return _hash16((_rot((a + b) & _M, 43) + _rot(c, 30) + d) & _M,
                   (a + _rot((b + _K2) & _M, 18) + c) & _M, mul)


def _len33to64(s):
    n = len(s)
    mul = _K2 + n * 2
    a = (_f64(s, 0) * _K2) & _M
    b = _f64(s, 8)
    c = (_f64(s, n - 8) * mul) & _M
    d = (_f64(s, n - 16) * _K2) & _M
    y = (_rot((a + b) & _M, 43) + _rot(c, 30) + d) & _M
    z = _hash16(y, (a + _rot((b + _K2) & _M, 18) + c) & _M, mul)
    e = (_f64(s, 16) * mul) & _M
    f = _f64(s, 24)
    g = ((y + _f64(s, n - 32)) * mul) & _M
    h = ((z + _f64(s, n - 24)) * mul) & _M
    return _hash16((_rot((e + f) & _M, 43) + _rot(g, 30) + h) & _M,
                   (e + _rot((f + a) & _M, 18) + g) & _M, mul)


def _weak32(s, i, a, b):
    w, x, y, z = _f64(s, i), _f64(s, i + 8), _f64(s, i + 16), _f64(s, i + 24)
    a = (a + w) & _M
    b = _rot((b + a + z) & _M, 21)
    c = a
    a = (a + x + y) & _M
    b = (b + _rot(a, 44)) & _M
    return (a + z) & _M, (b + c) & _M


def fingerprint64(data):
    """FarmHash's `Fingerprint64` of `data` (bytes), as an unsigned 64-bit int."""
    n = len(data)
    if n <= 16:
        return _len0to16(data)
    if n <= 32:
        return _len17to32(data)
    if n <= 64:
        return _len33to64(data)
    seed = 81
    x = seed
    y = (seed * _K1 + 113) & _M
    z = (_shift_mix((y * _K2 + 113) & _M) * _K2) & _M
    v = w = (0, 0)
    x = (x * _K2 + _f64(data, 0)) & _M
    end = ((n - 1) // 64) * 64
    last64 = end + ((n - 1) & 63) - 63
    i = 0
    while True:
        x = (_rot((x + y + v[0] + _f64(data, i + 8)) & _M, 37) * _K1) & _M
        y = (_rot((y + v[1] + _f64(data, i + 48)) & _M, 42) * _K1) & _M
        x ^= w[1]
        y = (y + v[0] + _f64(data, i + 40)) & _M
        z = (_rot((z + w[0]) & _M, 33) * _K1) & _M
        v = _weak32(data, i, (v[1] * _K1) & _M, (x + w[0]) & _M)
        w = _weak32(data, i + 32, (z + w[1]) & _M, (y + _f64(data, i + 16)) & _M)
        z, x = x, z
        i += 64
        if i == end:
            break
    mul = _K1 + ((z & 0xFF) << 1)
    i = last64
    w0 = (w[0] + ((n - 1) & 63)) & _M
    v0 = (v[0] + w0) & _M
    w0 = (w0 + v0) & _M
    v, w = (v0, v[1]), (w0, w[1])
    x = (_rot((x + y + v[0] + _f64(data, i + 8)) & _M, 37) * mul) & _M
    y = (_rot((y + v[1] + _f64(data, i + 48)) & _M, 42) * mul) & _M
    x ^= (w[1] * 9) & _M
    y = (y + v[0] * 9 + _f64(data, i + 40)) & _M
    z = (_rot((z + w[0]) & _M, 33) * mul) & _M
    v = _weak32(data, i, (v[1] * mul) & _M, (x + w[0]) & _M)
    w = _weak32(data, i + 32, (z + w[1]) & _M, (y + _f64(data, i + 16)) & _M)
    z, x = x, z
    return _hash16((_hash16(v[0], w[0], mul) + _shift_mix(y) * _K0 + z) & _M,
                   (_hash16(v[1], w[1], mul) + x) & _M, mul)


def siphash64(key, data):
    """SipHash-2-4 of `data` (bytes) under `key`, a pair of unsigned 64-bit ints."""
    k0, k1 = key[0] & _M, key[1] & _M
    v0, v1 = k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D
    v2, v3 = k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573

    def rounds(v0, v1, v2, v3, count):
        for _ in range(count):
            v0 = (v0 + v1) & _M
            v1 = _rot(v1, 64 - 13) ^ v0
            v0 = _rot(v0, 32)
            v2 = (v2 + v3) & _M
            v3 = _rot(v3, 64 - 16) ^ v2
            v0 = (v0 + v3) & _M
            v3 = _rot(v3, 64 - 21) ^ v0
            v2 = (v2 + v1) & _M
            v1 = _rot(v1, 64 - 17) ^ v2
            v2 = _rot(v2, 32)
        return v0, v1, v2, v3

    n = len(data)
    tail = n - n % 8
    blocks = [_f64(data, i) for i in range(0, tail, 8)]
    blocks.append(int.from_bytes(data[tail:], "little") | ((n & 0xFF) << 56))
    for m in blocks:
        v3 ^= m
        v0, v1, v2, v3 = rounds(v0, v1, v2, v3, 2)
        v0 ^= m
    v2 ^= 0xFF
    v0, v1, v2, v3 = rounds(v0, v1, v2, v3, 4)
    return v0 ^ v1 ^ v2 ^ v3


def _as_bytes(value):
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (float, np.floating)):
        value = int(value)  # TensorFlow casts floats to int64 (truncation) before hashing
    return str(int(value)).encode("ascii")


def hash_bins(values, num_bins, salt=None):
    """The bin of every value: `hash(str(value)) % num_bins`, as an int64 NumPy array.

    Args:
        values: a NumPy array (or anything `np.asarray` takes) of strings, bytes, ints or
            floats, any shape.
        num_bins: the number of bins.
        salt: None for FarmHash Fingerprint64, else a pair of ints keying SipHash-2-4.
    """
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    values = np.asarray(values)
    unique, inverse = np.unique(values.reshape(-1), return_inverse=True)
    if salt is None:
        bins = [fingerprint64(_as_bytes(v)) % num_bins for v in unique.tolist()]
    else:
        bins = [siphash64(salt, _as_bytes(v)) % num_bins for v in unique.tolist()]
    return np.asarray(bins, dtype="int64")[inverse].reshape(values.shape)


_CROSS_KEY = 0xDECAFCAFFE  # TensorFlow's default key of `tf.sparse.cross_hashed`
_CAT_MUL = 0xC6A4A7935BD1E995


def _fingerprint_cat64(fp1, fp2):
    """Combines two 64-bit fingerprints, as TensorFlow's `FingerprintCat64`."""
    out = fp1 ^ _CAT_MUL
    out ^= (_shift_mix((fp2 * _CAT_MUL) & _M) * _CAT_MUL) & _M
    out = (out * _CAT_MUL) & _M
    out = (_shift_mix(out) * _CAT_MUL) & _M
    return _shift_mix(out)


def _feature_hash(value):
    # Strings are fingerprinted; integers enter the cross as their 64-bit pattern.
    if isinstance(value, (str, bytes)):
        return fingerprint64(_as_bytes(value))
    return int(value) & _M


def cross_bins(columns, num_bins):
    """The bin of each crossed tuple, as Keras's `HashedCrossing` (`tf.sparse.cross_hashed`).

    Args:
        columns: equally shaped NumPy arrays of ints or strings, one per crossed feature.
        num_bins: the number of bins.

    Returns:
        An int64 NumPy array of the columns' shape.
    """
    columns = [np.asarray(c) for c in columns]
    flat = [c.reshape(-1).tolist() for c in columns]
    cache = {}
    out = np.empty(len(flat[0]), dtype="int64")
    for i, values in enumerate(zip(*flat)):
        key = tuple(v.decode("utf-8", "surrogateescape") if isinstance(v, bytes) else v
                    for v in values)
        if key not in cache:
            fp = _CROSS_KEY
            for v in values:
                fp = _fingerprint_cat64(fp, _feature_hash(v))
            cache[key] = fp % num_bins
        out[i] = cache[key]
    return out.reshape(columns[0].shape)
