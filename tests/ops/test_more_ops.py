"""Parity of cornu.ops with keras.ops (torch backend) on the same NumPy inputs.

Each case runs `keras.ops.<name>` and `cornu.ops.<name>` on identical arguments and compares
values and dtypes of every output.
"""

import numpy as np
import pytest
import torch

import cornu
from cornu import ops

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(0)
F = RNG.standard_normal((3, 4)).astype("float32")
F3 = RNG.standard_normal((2, 3, 4)).astype("float32")
F64 = RNG.standard_normal((3, 4))
I = RNG.integers(-5, 6, (3, 4)).astype("int32")
I64 = RNG.integers(0, 6, (3, 4)).astype("int64")
U8 = RNG.integers(0, 255, (3, 4)).astype("uint8")
POS = (RNG.random((3, 4)) + 0.1).astype("float32")
UNIT = (RNG.random((3, 4)) * 1.8 - 0.9).astype("float32")
SPD = (lambda a: a @ a.T + 4 * np.eye(4))(RNG.standard_normal((4, 4))).astype("float32")
SQ = RNG.standard_normal((2, 4, 4)).astype("float32")
VEC = RNG.standard_normal((5,)).astype("float32")
IMG = RNG.random((2, 6, 8, 3)).astype("float32")
IMG_CF = np.transpose(IMG, (0, 3, 1, 2)).copy()
Q = RNG.standard_normal((2, 5, 2, 4)).astype("float32")
K = RNG.standard_normal((2, 6, 2, 4)).astype("float32")
V = RNG.standard_normal((2, 6, 2, 4)).astype("float32")
# No output pixel maps to a half-pixel input coordinate (where rounding is ill-conditioned).
TRANSFORMS = np.array([[1.0, 0, -2.6, 0, 1, 3.3, 0, 0],
                       [0.913, 0.137, 0.371, 0.108, 1.207, -0.311, 0, 0]])
F_NAN = np.array([[1.0, np.nan, np.inf], [-np.inf, 2.0, 0.5]], "float32")



def _np_sparsemax(x, axis):
    z = -np.sort(-np.moveaxis(x, axis, -1), axis=-1)
    k = np.arange(1, z.shape[-1] + 1)
    cumulative = np.cumsum(z, axis=-1)
    support = ((1 + k * z) > cumulative).sum(-1, keepdims=True)
    tau = (np.take_along_axis(cumulative, support - 1, -1) - 1) / support
    return np.moveaxis(np.maximum(np.moveaxis(x, axis, -1) - tau, 0), -1, axis).astype(x.dtype)


def _np_layer_norm(x, axis, gamma, beta):
    mean, var = x.mean(axis, keepdims=True), x.var(axis, keepdims=True)
    shape = [1] * x.ndim
    shape[axis] = -1
    out = (x - mean) / np.sqrt(var + 1e-7) * gamma.reshape(shape) + beta.reshape(shape)
    return out.astype(x.dtype)


def _np_attention(q, k, v, attn_logits_soft_cap, mask):
    logits = np.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(q.shape[-1])
    logits = attn_logits_soft_cap * np.tanh(logits / attn_logits_soft_cap)
    logits = np.where(mask, logits, -1e30)
    weights = np.exp(logits - logits.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    return np.einsum("bnts,bsnh->btnh", weights, v).astype(q.dtype)


CASES = [
    # (name, args, kwargs[, NumPy reference where Keras's torch backend is wrong])
    ("array", (I,), {}), ("array", (F,), {"dtype": "float64"}), ("copy", (F,), {}),
    ("copy", (I,), {}), ("size", (F3,), {}),
    ("hstack", ([F, I],), {}), ("hstack", ([VEC, VEC],), {}), ("vstack", ([F, F],), {}),
    ("vstack", ([VEC, VEC],), {}), ("dstack", ([F, F],), {}), ("dstack", ([I, I64],), {}),
    ("hsplit", (F, 2), {}), ("vsplit", (F3[0], [1]), {}), ("array_split", (F, 3), {"axis": 1}),
    ("array_split", (VEC, 2), {}), ("append", (F, I), {}),
    ("append", (F, F), {"axis": 0}), ("append", (U8, I), {}), ("diff", (F,), {}),
    ("diff", (I,), {"n": 2, "axis": 0}),
    ("average", (F,), {}), ("average", (I,), {"axis": 1}),
    # Keras 3.15's torch backend fails on 1-D weights along an axis and returns one value
    # per row for full weights without an axis: NumPy is the reference for these.
    ("average", (F3,), {"axis": 1, "weights": np.array([1.0, 2.0, 3.0], "float32")},
     np.average),
    ("average", (F,), {"axis": None, "weights": POS}, np.average),
    ("median", (F,), {}), ("median", (F3,), {"axis": 1}), ("median", (I,), {"axis": 0}),
    ("median", (F3,), {"axis": (0, 2), "keepdims": True}),
    ("quantile", (F,), {"q": 0.3}), ("quantile", (F3, np.array([0.1, 0.5, 0.9])), {"axis": 2}),
    ("quantile", (F, 0.4), {"axis": 1, "method": "lower"}),
    ("quantile", (F, 0.4), {"axis": 1, "method": "higher"}),
    ("quantile", (F, 0.4), {"axis": 1, "method": "midpoint"}),
    ("quantile", (F, 0.4), {"axis": 1, "method": "nearest", "keepdims": True}),
    ("percentile", (I, 75), {}), ("percentile", (F3, [25, 50]), {"axis": (1, 2)}),
    ("nan_to_num", (F_NAN,), {}), ("nan_to_num", (F_NAN,), {"nan": 7.0, "posinf": 9.0}),
    ("nan_to_num", (I,), {}),
    ("isclose", (F, F + 1e-7), {}), ("isclose", (F, F + 1e-3), {"atol": 1e-2}),
    ("isclose", (F_NAN, F_NAN), {"equal_nan": True}), ("isclose", (I, F), {}),
    ("allclose", (F, F + 1e-7), {}), ("allclose", (F, F + 0.1), {}),
    ("isin", (I, np.array([1, 2, 3], "int32")), {}),
    ("isin", (I, np.array([1, 2], "int32")), {"invert": True}),
    ("meshgrid", (VEC[:3], VEC), {}), ("meshgrid", (VEC[:3], VEC), {"indexing": "ij"}),
    ("bincount", (np.array([0, 1, 1, 4], "int32"),), {}),
    ("bincount", (np.array([0, 1, 1], "int32"),), {"minlength": 5}),
    ("bincount", (np.array([0, 1, 1], "int32"),),
     {"weights": np.array([0.5, 1.0, 2.0], "float32")}),
    ("bincount", (np.array([[0, 1], [2, 2]], "int32"),), {"minlength": 4}),
    ("digitize", (F, np.array([-1.0, 0.0, 1.0], "float32")), {}),
    ("digitize", (I, np.array([-2, 0, 3], "int32")), {}),
    ("searchsorted", (np.sort(VEC), F.ravel()), {}),
    ("searchsorted", (np.array([1, 2, 2, 3], "int32"), np.array([2, 3], "int32")),
     {"side": "right"}),
    ("unique", (np.array([3, 1, 2, 1, 3], "int32"),), {}),
    ("unique", (np.array([3, 1, 2, 1, 3], "int32"),),
     {"return_index": True, "return_inverse": True, "return_counts": True}),
    ("unique", (np.array([3.0, 1.0, 3.0], "float32"),), {"size": 4, "return_counts": True}),
    ("unique", (np.array([[1, 2], [1, 2], [0, 5]], "int32"),), {"axis": 0}),
    ("select", ([F > 0.5, F < -0.5], [F, -F]), {}),
    ("select", ([I > 1], [I]), {"default": 7}),
    ("scatter", (np.array([[0, 1], [2, 3], [0, 1]]), np.array([1.0, 2.0, 3.0], "float32"),
                 (3, 4)), {}),
    ("scatter", (np.array([[1], [0]]), np.ones((2, 4), "float32"), (3, 4)), {}),
    ("scatter_update", (F, np.array([[0, 1], [2, 3]]), np.array([5.0, 6.0], "float32")), {}),
    ("scatter_update", (F, np.array([[1]]), np.ones((1, 4), "float32")), {}),
    ("scatter_update", (F, np.array([[0, 1], [0, 1], [1, 2]]),
                        np.array([5.0, -6.0, 2.0], "float32")), {"reduction": "add"}),
    ("scatter_update", (F, np.array([[0, 1], [0, 1], [1, 2]]),
                        np.array([5.0, -6.0, 2.0], "float32")), {"reduction": "max"}),
    ("scatter_update", (F, np.array([[0], [0]]), np.full((2, 4), -3.0, "float32")),
     {"reduction": "min"}),
    ("scatter_update", (F, np.array([[0, 1], [0, 1]]), np.array([2.0, 3.0], "float32")),
     {"reduction": "mul"}),
    ("slice_update", (F3, (0, 1, 2), np.ones((2, 2, 2), "float32")), {}),
    ("slice_update", (I, (1, 0), np.zeros((1, 4), "int32")), {}),
    ("in_top_k", (np.array([0, 3, 1]), F, 2), {}), ("in_top_k", (np.array([1, 1, 1]), F, 1), {}),
    ("divide_no_nan", (F, np.where(F > 0, F, 0)), {}), ("divide_no_nan", (I, I), {}),
    ("logaddexp", (F, POS), {}), ("logaddexp", (I, I), {}),
    ("deg2rad", (F,), {}), ("deg2rad", (I,), {}), ("rad2deg", (F,), {}), ("rad2deg", (I,), {}),
    ("trunc", (F * 3,), {}), ("trunc", (I,), {}), ("cbrt", (F,), {}), ("cbrt", (I,), {}),
    ("hypot", (F, POS), {}), ("hypot", (I, I), {}),
    ("kron", (F[:2, :2], I[:2, :3]), {}), ("kron", (I, I[:2, :2]), {}),
    ("inner", (F, F), {}), ("inner", (I, I), {}), ("inner", (VEC, VEC), {}),
    # Keras's torch backend crosses along the first axis of size 3, not the last: NumPy.
    ("cross", (F[:, :3], POS[:, :3]), {}, np.cross),
    ("cross", (F3[..., :3], F3[..., 1:]), {}, np.cross),
    ("cross", (F[:, :2], POS[:, :2]), {}, lambda a, b: a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]),
    ("cross", (F[0, :3], VEC[:3]), {}, np.cross),
    ("cross", (F3[:, :, :3].transpose(0, 2, 1), F3[:, :, 1:].transpose(0, 2, 1)),
     {"axis": 1}, np.cross),
    ("tri", (3,), {}), ("tri", (3, 5), {"k": 1, "dtype": "int32"}), ("tri", (4, 2, -1), {}),
    ("diagonal", (F,), {}), ("diagonal", (F3,), {"offset": 1, "axis1": 1, "axis2": 2}),
    ("diagflat", (VEC,), {}), ("diagflat", (F[:2, :2],), {"k": -1}),
    ("rot90", (F,), {}), ("rot90", (F3,), {"k": 3, "axes": (1, 2)}),
    ("fliplr", (F,), {}), ("flipud", (F3,), {}),
    ("nonzero", (I,), {}),
    ("unravel_index", (np.array([0, 5, 11], "int32"), (3, 4)), {}),
    ("unravel_index", (np.array([7, 23], "int64"), (2, 3, 4)), {}),
    ("erfinv", (UNIT,), {}), ("erfinv", (np.zeros((2,), "int32"),), {}),
    ("celu", (F,), {}), ("celu", (F,), {"alpha": 0.5}), ("glu", (F,), {}),
    ("glu", (F3,), {"axis": 1 - 1 + 2}), ("hard_silu", (F * 4,), {}), ("hard_swish", (F * 4,), {}),
    ("hard_tanh", (F * 2,), {}), ("soft_shrink", (F,), {}),
    ("soft_shrink", (F,), {"threshold": 1.0}), ("hard_shrink", (F,), {}),
    ("hard_shrink", (F,), {"threshold": 0.2}), ("tanh_shrink", (F,), {}),
    ("threshold", (F, 0.1, -2.0), {}), ("sparse_plus", (F * 2,), {}),
    ("squareplus", (F,), {}), ("squareplus", (F,), {"b": 1}), ("sparse_sigmoid", (F * 2,), {}),
    # Keras 3.15's torch sparsemax returns all zeros for some rows: a NumPy reference.
    ("sparsemax", (F * 2,), {}, lambda x: _np_sparsemax(x, -1)),
    ("sparsemax", (F3 * 2,), {"axis": 1}, lambda x, axis: _np_sparsemax(x, axis)),
    ("batch_normalization", (F, VEC[:4], POS[0], -1), {}),
    ("batch_normalization", (F3, F[0, :3], POS[0, :3], 1),
     {"offset": F[1, :3], "scale": F[2, :3], "epsilon": 0.01}),
    ("layer_normalization", (F3,), {}),
    ("layer_normalization", (F3,), {"gamma": POS[0], "beta": F[0], "epsilon": 1e-3}),
    ("layer_normalization", (F3,), {"axis": (1, 2)}),
    ("layer_normalization", (F3,), {"axis": 1, "gamma": POS[0, :3], "beta": F[0, :3]},
     lambda x, axis, gamma, beta: _np_layer_norm(x, axis, gamma, beta)),
    ("rms_normalization", (F3,), {}), ("rms_normalization", (F3,), {"scale": POS[0]}),
    ("rms_normalization", (F3,), {"axis": (1, 2), "epsilon": 1e-2}),
    ("depth_to_space", (RNG.random((2, 8, 3, 2)).astype("float32"), 2),
     {"data_format": "channels_first"}),
    ("space_to_depth", (RNG.random((2, 3, 4, 6)).astype("float32"), 2),
     {"data_format": "channels_first"}),
    ("dot_product_attention", (Q, K, V), {}),
    ("dot_product_attention", (Q, K, V), {"is_causal": True}),
    ("dot_product_attention", (Q, Q, Q), {"is_causal": True, "scale": 0.3}),
    ("dot_product_attention", (Q, K, V), {"bias": RNG.standard_normal((2, 2, 5, 6))
                                          .astype("float32")}),
    ("dot_product_attention", (Q, K, V), {"mask": RNG.random((2, 1, 5, 6)) > 0.3}),
    ("dot_product_attention", (Q, K, V), {"attn_logits_soft_cap": 1.5,
                                          "mask": RNG.random((2, 1, 5, 6)) > 0.3},
     _np_attention),  # Keras allows a soft cap only on JAX
    ("linalg.cholesky", (SPD,), {}), ("linalg.cholesky", (SPD,), {"upper": True}),
    ("linalg.det", (SQ,), {}), ("linalg.inv", (SPD,), {}),
    ("linalg.eigh", (SPD,), {}), ("linalg.solve", (SPD, F.T), {}),
    ("linalg.solve", (SQ, SQ[:, :, :2]), {}),
    ("linalg.solve_triangular", (np.tril(SPD), F.T), {"lower": True}),
    ("linalg.solve_triangular", (np.triu(SPD), VEC[:4]), {}),
    ("linalg.lstsq", (F.T, VEC[:4]), {}), ("linalg.lstsq", (F3[0].T, F.T[:, :2]), {}),
    ("linalg.lu_factor", (SPD,), {}), ("linalg.qr", (F,), {}),
    ("linalg.qr", (F.T,), {"mode": "complete"}),
    ("linalg.svd", (F,), {"compute_uv": False}), ("linalg.norm", (F,), {}),
    ("linalg.norm", (F3,), {"axis": (1, 2), "ord": "fro"}),
    ("cholesky", (SPD,), {}), ("inv", (SQ,), {}), ("det", (F[:3, :3],), {}),
    ("image.resize", (IMG, (3, 5)), {}),
    ("image.resize", (IMG, (9, 4)), {"interpolation": "nearest"}),
    ("image.resize", (IMG, (4, 4)), {"crop_to_aspect_ratio": True}),
    ("image.resize", (IMG, (4, 4)), {"pad_to_aspect_ratio": True, "fill_value": 0.5}),
    ("image.resize", (IMG_CF, (4, 3)), {"data_format": "channels_first"}),
    ("image.resize", (IMG[0], (3, 3)), {"interpolation": "bicubic"}),
    ("image.affine_transform", (IMG[0], np.array([1.1, 0.2, -1.3, 0.1, 0.9, 0.7, 0, 0])), {}),
    ("image.affine_transform", (IMG, np.array([[1.0, 0, -2.4, 0, 1, 1.7, 0, 0],
                                               [0.8, 0.3, 1.2, -0.2, 1.1, -0.6, 0, 0]])),
     {"fill_mode": "nearest"}),
    ("image.affine_transform", (IMG, TRANSFORMS), {"fill_mode": "wrap"}),
    ("image.affine_transform", (IMG, TRANSFORMS), {"fill_mode": "reflect"}),
    ("image.affine_transform", (IMG, TRANSFORMS), {"fill_mode": "mirror"}),
    ("image.affine_transform", (IMG, TRANSFORMS),
     {"fill_mode": "constant", "fill_value": 0.5, "interpolation": "nearest"}),
    ("image.affine_transform", (IMG_CF, TRANSFORMS), {"data_format": "channels_first"}),
    ("image.crop_images", (IMG,), {"top_cropping": 1, "left_cropping": 2,
                                   "target_height": 3, "target_width": 4}),
    ("image.crop_images", (IMG[0],), {"bottom_cropping": 2, "right_cropping": 1,
                                      "target_height": 3, "target_width": 5}),
    ("image.pad_images", (IMG,), {"top_padding": 1, "left_padding": 2,
                                  "target_height": 9, "target_width": 11}),
    ("image.pad_images", (IMG_CF,), {"bottom_padding": 2, "right_padding": 1, "top_padding": 0,
                                     "left_padding": 3, "data_format": "channels_first"}),
    ("image.rgb_to_grayscale", (IMG,), {}),
    ("image.rgb_to_grayscale", (IMG_CF,), {"data_format": "channels_first"}),
    ("image.rgb_to_hsv", (IMG,), {}),
    ("image.hsv_to_rgb", (IMG,), {}),
    ("image.rgb_to_hsv", (IMG_CF,), {"data_format": "channels_first"}),
    ("image.extract_patches", (IMG, 2), {}),
    ("image.extract_patches", (IMG, (3, 2)), {"strides": (2, 1), "padding": "same"}),
    ("image.extract_patches", (IMG, 2), {"strides": 1, "dilation_rate": 2}),
    ("image.extract_patches", (IMG_CF, (2, 3)), {"data_format": "channels_first"}),
]


def _lookup(module, name):
    for part in name.split("."):
        module = getattr(module, part)
    return module


def _leaves(x):
    if isinstance(x, (tuple, list)):
        return [leaf for item in x for leaf in _leaves(item)]
    return [x]


def _dtype_name(t):
    return keras.backend.standardize_dtype(t.dtype)


def _case_id(case):
    name, kwargs = case[0], case[2]
    return f"{name}-" + "-".join(f"{k}" for k in kwargs) if kwargs else name


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_matches_keras(case):
    name, args, kwargs = case[:3]
    reference = case[3] if len(case) > 3 else _lookup(keras.ops, name)
    expected = reference(*args, **kwargs)
    got = _lookup(ops, name)(*args, **kwargs)
    expected, got = _leaves(expected), _leaves(got)
    if name == "nonzero":  # Keras's torch backend stacks the per-axis index tensors
        expected = list(keras.ops.convert_to_numpy(expected[0]))
    assert len(got) == len(expected)
    for e, g in zip(expected, got):
        e_np = np.asarray(e if isinstance(e, np.ndarray) else keras.ops.convert_to_numpy(e))
        g_np = np.asarray(g.detach().cpu().numpy() if isinstance(g, torch.Tensor) else g)
        assert g_np.shape == e_np.shape, (name, g_np.shape, e_np.shape)
        if isinstance(g, torch.Tensor) and hasattr(e, "dtype"):
            # Keras declares int32 for `size` (its torch backend returns torch's int64).
            assert _dtype_name(g) == _dtype_name(e) or name in ("nonzero", "size"), (
                name, _dtype_name(g), _dtype_name(e))
        np.testing.assert_allclose(g_np, e_np, rtol=2e-5, atol=2e-5, equal_nan=True,
                                   err_msg=name)


def test_ndim_and_size():
    assert ops.ndim(F3) == 3 and ops.ndim(torch.zeros(())) == 0
    assert int(ops.size(F3)) == 24
    assert ops.ndim(cornu.Input((4, 5))) == 3


def test_decompositions_reconstruct():
    """Outputs that are unique only up to sign or order are checked by reconstruction."""
    w, v = ops.linalg.eig(torch.as_tensor(SPD))
    np.testing.assert_allclose((v @ torch.diag(w) @ torch.linalg.inv(v)).real.numpy(), SPD,
                               rtol=1e-4, atol=1e-4)
    u, s, vh = ops.linalg.svd(F, full_matrices=False)
    np.testing.assert_allclose((u * s[None]) @ vh, F, rtol=1e-5, atol=1e-5)
    u, s, vh = ops.svd(F)
    assert tuple(u.shape) == (3, 3) and tuple(vh.shape) == (4, 4)
    lu, piv = ops.linalg.lu_factor(SPD)
    k_lu, k_piv = keras.ops.linalg.lu_factor(SPD)
    np.testing.assert_array_equal(piv.numpy(), keras.ops.convert_to_numpy(k_piv))
    assert piv.dtype == torch.int32
    sign, logdet = ops.slogdet(SQ)
    np.testing.assert_allclose((sign * torch.exp(logdet)).numpy(), np.linalg.det(SQ), rtol=1e-4)


def test_argpartition():
    x = RNG.standard_normal((4, 7)).astype("float32")
    for kth in (0, 3, 6):
        idx = ops.argpartition(x, kth).numpy()
        assert idx.dtype == np.int32
        part = np.take_along_axis(x, idx, axis=-1)
        np.testing.assert_allclose(part[:, kth], np.sort(x, axis=-1)[:, kth])
        assert (part[:, :kth] <= part[:, kth:kth + 1]).all()
        assert (part[:, kth + 1:] >= part[:, kth:kth + 1]).all()


def test_depth_to_space_channels_last():
    x = RNG.random((2, 3, 2, 8)).astype("float32")
    y = ops.depth_to_space(x, 2)
    # As TensorFlow: output[h * 2 + i, w * 2 + j, c] = input[h, w, (i * 2 + j) * 2 + c].
    expected = x.reshape(2, 3, 2, 2, 2, 2).transpose(0, 1, 3, 2, 4, 5).reshape(2, 6, 4, 2)
    np.testing.assert_array_equal(y.numpy(), expected)
    np.testing.assert_array_equal(ops.space_to_depth(y, 2).numpy(), x)


def test_control_flow_matches_keras():
    assert float(ops.cond(torch.tensor(True), lambda: 1.0, lambda: 2.0)) == 1.0
    assert ops.switch(5, [lambda a: a, lambda a: -a], 3) == -3
    assert ops.switch(-1, [lambda a: a, lambda a: -a], 3) == 3
    out = ops.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s + i), [0, 0])
    assert out == keras.ops.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s + i), [0, 0])
    assert ops.while_loop(lambda i: i < 10, lambda i: i + 3, 0, maximum_iterations=2) == 6
    assert ops.fori_loop(0, 4, lambda i, v: v + i, 10) == 16
    carry, ys = ops.scan(lambda c, x: (c + x, c * x), 0.0, F)
    k_carry, k_ys = keras.ops.scan(lambda c, x: (c + x, c * x), 0.0, F)
    np.testing.assert_allclose(carry.numpy(), keras.ops.convert_to_numpy(k_carry), rtol=1e-6)
    np.testing.assert_allclose(ys.numpy(), keras.ops.convert_to_numpy(k_ys), rtol=1e-6)
    carry, ys = ops.scan(lambda c, x: (c * 2, c), torch.tensor(1.0), length=4, reverse=True)
    assert float(carry) == 16.0 and ys.tolist() == [8.0, 4.0, 2.0, 1.0]
    mapped = ops.map(lambda d: {"s": d["a"] + d["b"]}, {"a": F, "b": F})
    np.testing.assert_allclose(mapped["s"].numpy(), 2 * F)
    np.testing.assert_allclose(ops.vectorized_map(lambda v: (v * v).sum(), F3).numpy(),
                               np.einsum("bij,bij->b", F3, F3), rtol=1e-5)
    # A data-dependent function falls back to a loop.
    np.testing.assert_allclose(ops.vectorized_map(lambda v: v[v > 0].sum(), F).numpy(),
                               np.where(F > 0, F, 0).sum(1), rtol=1e-5)
    np.testing.assert_allclose(ops.associative_scan(lambda a, b: a + b, F, axis=1).numpy(),
                               np.cumsum(F, 1), rtol=1e-5)


SYMBOLIC = [
    ("hstack", lambda x: ops.hstack([x, x])), ("append", lambda x: ops.append(x, x, axis=1)),
    ("median", lambda x: ops.median(x, axis=-1)), ("quantile", lambda x: ops.quantile(x, 0.3)),
    ("nan_to_num", lambda x: ops.nan_to_num(x)), ("cbrt", lambda x: ops.cbrt(x)),
    ("logaddexp", lambda x: ops.logaddexp(x, x)), ("diff", lambda x: ops.diff(x)),
    ("glu", lambda x: ops.glu(x)), ("sparsemax", lambda x: ops.sparsemax(x)),
    ("layer_normalization", lambda x: ops.layer_normalization(x)),
    ("rms_normalization", lambda x: ops.rms_normalization(x, axis=-1)),
    ("dot_product_attention", lambda x: ops.dot_product_attention(
        ops.reshape(x, (-1, 4, 1, 1)), ops.reshape(x, (-1, 4, 1, 1)),
        ops.reshape(x, (-1, 4, 1, 1)))),
    ("threshold", lambda x: ops.threshold(x, 0.0, 1.0)),
    ("isclose", lambda x: ops.isclose(x, x)),
    ("slice_update", lambda x: ops.slice_update(x, (0, 1), ops.ones((1, 2)))),
]


@pytest.mark.parametrize("fn", [f for _, f in SYMBOLIC], ids=[n for n, _ in SYMBOLIC])
def test_symbolic_inputs(fn):
    x = cornu.Input((4,))
    y = fn(x)
    model = cornu.Model(x, y)
    data = RNG.standard_normal((3, 4)).astype("float32")
    out = model(data)
    expected = fn(torch.as_tensor(data))
    assert tuple(y.shape)[1:] == tuple(out.shape)[1:]
    assert y.dtype == ops.dtype(out)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-6)


def test_symbolic_splits():
    x = cornu.Input((6,))
    parts = ops.hsplit(x, 3) + ops.array_split(x, 4, axis=1)
    grid = ops.meshgrid(ops.ones((3,)), ops.ones((2,)))
    assert [tuple(p.shape) for p in parts] == [(None, 2)] * 3 + [(None, 2)] * 2 + [(None, 1)] * 2
    model = cornu.Model(x, parts)
    data = RNG.standard_normal((2, 6)).astype("float32")
    for got, expected in zip(model(data), np.split(data, 3, 1) + np.array_split(data, 4, 1)):
        np.testing.assert_array_equal(got.numpy(), expected)
    assert [tuple(g.shape) for g in grid] == [(2, 3), (2, 3)]


def test_symbolic_image_ops_and_save(tmp_path):
    inputs = cornu.Input((6, 8, 3))
    x = ops.image.resize(inputs, (4, 4))
    x = ops.image.rgb_to_grayscale(x)
    y = ops.image.extract_patches(inputs, 2)
    model = cornu.Model(inputs, [x, y])
    assert [tuple(o.shape) for o in model.outputs] == [(None, 4, 4, 1), (None, 3, 4, 12)]
    before = [o.numpy() for o in model(IMG)]
    path = tmp_path / "image_ops.keras"
    model.save(path)
    loaded = cornu.models.load_model(path)
    for a, b in zip(before, loaded(IMG)):
        np.testing.assert_allclose(a, b.numpy())
    # Keras reads the file (its ops, its classes) and computes the same.
    k_model = keras.models.load_model(path)
    for a, b in zip(before, k_model(IMG)):
        np.testing.assert_allclose(a, keras.ops.convert_to_numpy(b), rtol=1e-5, atol=1e-6)


def test_new_activations_match_keras():
    for name in ("hard_shrink", "soft_shrink", "sparse_sigmoid", "sparsemax"):
        got = cornu.activations.get(name)(torch.as_tensor(F3 * 2))
        if name == "sparsemax":  # see the sparsemax cases above
            expected = _np_sparsemax(F3 * 2, -1)
        else:
            expected = keras.activations.get(name)(torch.as_tensor(F3 * 2))
        np.testing.assert_allclose(got.numpy(), keras.ops.convert_to_numpy(expected),
                                   rtol=1e-6, atol=1e-6)
        assert cornu.activations.serialize(cornu.activations.get(name)) == name
    np.testing.assert_allclose(
        cornu.activations.threshold(F, 0.2, 0.0).numpy(),
        keras.ops.convert_to_numpy(keras.activations.threshold(F, 0.2, 0.0)))
    layer = cornu.layers.Dense(3, activation="sparsemax")
    out = layer(F)
    np.testing.assert_allclose(out.detach().numpy().sum(-1), 1.0, rtol=1e-6)
