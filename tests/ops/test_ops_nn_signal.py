"""Parity of cornu's CTC, convolution, pooling, FFT, segment and NumPy-style ops with keras.ops
(torch backend) on the same random inputs: values and dtypes."""

import itertools

import numpy as np
import pytest
import torch

import cornu
from cornu import ops

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(7)
LOGITS = (RNG.standard_normal((3, 7, 5)) * 2).astype("float32")
SEQ_LENS = np.array([7, 5, 3], "int32")
LABELS = np.array([[1, 2, 2, 0], [3, 1, 0, 0], [4, 0, 0, 0]], "int32")
LABEL_LENS = np.array([3, 2, 1], "int32")
X1 = RNG.standard_normal((2, 9, 4)).astype("float32")
X2 = RNG.standard_normal((2, 7, 6, 4)).astype("float32")
X2_CF = np.transpose(X2, (0, 3, 1, 2)).copy()
X3 = RNG.standard_normal((1, 5, 4, 6, 2)).astype("float32")
K1 = RNG.standard_normal((3, 4, 5)).astype("float32")
K2 = RNG.standard_normal((3, 2, 4, 5)).astype("float32")
K2_GROUPED = RNG.standard_normal((3, 3, 2, 6)).astype("float32")
K3 = RNG.standard_normal((2, 3, 2, 2, 3)).astype("float32")
DW1 = RNG.standard_normal((3, 4, 2)).astype("float32")
DW2 = RNG.standard_normal((3, 3, 4, 2)).astype("float32")
PW1 = RNG.standard_normal((1, 8, 5)).astype("float32")
PW2 = RNG.standard_normal((1, 1, 8, 5)).astype("float32")
KT1 = RNG.standard_normal((3, 5, 4)).astype("float32")
KT2 = RNG.standard_normal((3, 2, 5, 4)).astype("float32")


def _np_average_pool_same(x, pool_size, strides):
    """Average pooling of channels-last `x` with TensorFlow's "same" padding, over real
    elements only."""
    spatial = x.shape[1:-1]
    outs = [-(-n // s) for n, s in zip(spatial, strides)]
    lefts = [max((o - 1) * s + k - n, 0) // 2
             for n, k, s, o in zip(spatial, pool_size, strides, outs)]
    out = np.zeros((x.shape[0], *outs, x.shape[-1]), x.dtype)
    for index in itertools.product(*[range(o) for o in outs]):
        window = tuple(slice(max(i * s - left, 0), i * s - left + k)
                       for i, s, left, k in zip(index, strides, lefts, pool_size))
        out[(slice(None),) + index] = x[(slice(None),) + window].mean(
            axis=tuple(range(1, len(spatial) + 1)))
    return out


CASES = [
    # (name, args, kwargs[, reference where Keras's torch backend is wrong])
    ("ctc_loss", (LABELS, LOGITS, LABEL_LENS, SEQ_LENS), {}),
    ("ctc_loss", (np.where(LABELS == 4, 0, LABELS), LOGITS, LABEL_LENS, SEQ_LENS),
     {"mask_index": 4}),
    ("ctc_loss", (LABELS, torch.tensor(LOGITS, dtype=torch.float64), LABEL_LENS, SEQ_LENS),
     {}),
    ("ctc_decode", (LOGITS, SEQ_LENS), {}),
    ("ctc_decode", (torch.tensor(LOGITS, dtype=torch.float64), SEQ_LENS), {}),
    ("ctc_decode", (LOGITS, SEQ_LENS), {"mask_index": None}),
    ("ctc_decode", (LOGITS, SEQ_LENS), {"merge_repeated": False, "mask_index": 2}),
    ("ctc_decode", (LOGITS, SEQ_LENS), {"strategy": "beam_search"}),
    ("ctc_decode", (LOGITS, SEQ_LENS), {"strategy": "beam_search", "top_paths": 3}),
    ("ctc_decode", (LOGITS, SEQ_LENS),
     {"strategy": "beam_search", "top_paths": 2, "beam_width": 3, "mask_index": None}),
    ("conv", (X1, K1), {}), ("conv", (X1, K1), {"strides": 2, "padding": "same"}),
    ("conv", (X1, K1), {"dilation_rate": 2, "padding": "same"}),
    ("conv", (np.transpose(X1, (0, 2, 1)).copy(), K1), {"data_format": "channels_first"}),
    ("conv", (X2, K2), {}), ("conv", (X2, K2), {"strides": (2, 1), "padding": "same"}),
    ("conv", (X2, K2_GROUPED), {"padding": "same"}),
    ("conv", (X2_CF, K2), {"data_format": "channels_first", "dilation_rate": (2, 1)}),
    ("conv", (X3, K3), {"padding": "same", "strides": 2}),
    # Keras's torch conv fails on mixed float64/float32 inputs: both in float64 as reference.
    ("conv", (X2.astype("float64"), K2), {},
     lambda x, k: keras.ops.conv(x, k.astype("float64"))),
    ("depthwise_conv", (X1, DW1), {"padding": "same"}),
    ("depthwise_conv", (X2, DW2), {"strides": 2}),
    ("depthwise_conv", (X2_CF, DW2), {"data_format": "channels_first", "padding": "same"}),
    ("depthwise_conv", (X2, DW2), {"dilation_rate": 2}),
    ("separable_conv", (X1, DW1, PW1), {"padding": "same", "strides": 2}),
    ("separable_conv", (X2, DW2, PW2), {}),
    ("separable_conv", (X2_CF, DW2, PW2), {"data_format": "channels_first"}),
    ("conv_transpose", (X1, KT1), {}), ("conv_transpose", (X1, KT1), {"strides": 2}),
    ("conv_transpose", (X1, KT1), {"strides": 2, "padding": "same"}),
    ("conv_transpose", (X2, KT2), {"strides": (2, 3), "padding": "same"}),
    ("conv_transpose", (X2, KT2), {"strides": 2, "output_padding": 1}),
    ("conv_transpose", (X2_CF, KT2), {"data_format": "channels_first", "dilation_rate": 2}),
    ("max_pool", (X1, 2), {}), ("max_pool", (X1, 3), {"strides": 2, "padding": "same"}),
    ("max_pool", (X2, (2, 3)), {"padding": "same"}),
    ("max_pool", (X2_CF, 2), {"strides": 1, "data_format": "channels_first"}),
    ("max_pool", (X3, 2), {"padding": "same"}),
    ("average_pool", (X1, 2), {}), ("average_pool", (X1, 3), {"strides": 2, "padding": "same"}),
    ("average_pool", (X2, (2, 3)), {"padding": "same"}),
    ("average_pool", (X2, 3), {"strides": 1, "padding": "same"}),
    ("average_pool", (X2_CF, 2), {"data_format": "channels_first"}),
    # Keras 3.15's torch backend miscounts some border windows here: a NumPy reference.
    ("average_pool", (X3, (2, 2, 3)), {"padding": "same", "strides": (1, 2, 2)},
     lambda x, pool_size, padding, strides: _np_average_pool_same(x, pool_size, strides)),
    ("adaptive_average_pool", (X1, 4), {}), ("adaptive_average_pool", (X2, (3, 4)), {}),
    ("adaptive_average_pool", (X2_CF, 2), {"data_format": "channels_first"}),
    ("adaptive_max_pool", (X2, (5, 4)), {}), ("adaptive_max_pool", (X3, 2), {}),
    ("adaptive_max_pool", (X1, 2), {}),
]


def _lookup(module, name):
    for part in name.split("."):
        module = getattr(module, part)
    return module


def _leaves(x):
    if isinstance(x, (tuple, list)):
        return [leaf for item in x for leaf in _leaves(item)]
    return [x]


def _numpy(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(keras.ops.convert_to_numpy(x))


def _case_id(case):
    name, kwargs = case[0], case[2]
    return f"{name}-" + "-".join(f"{k}" for k in kwargs) if kwargs else name


def check_case(case, module=ops):
    name, args, kwargs = case[:3]
    reference = case[3] if len(case) > 3 else _lookup(keras.ops, name)
    expected = _leaves(reference(*args, **kwargs))
    got = _leaves(_lookup(module, name)(*args, **kwargs))
    assert len(got) == len(expected), name
    for e, g in zip(expected, got):
        e_np, g_np = _numpy(e), _numpy(g)
        assert g_np.shape == e_np.shape, (name, g_np.shape, e_np.shape)
        assert g_np.dtype == e_np.dtype, (name, g_np.dtype, e_np.dtype)
        np.testing.assert_allclose(g_np, e_np, rtol=2e-5, atol=2e-5, equal_nan=True,
                                   err_msg=name)


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_matches_keras(case):
    check_case(case)


def test_ctc_loss_trains_functional_model_with_fit():
    steps, classes = 8, 5
    inputs = cornu.Input((steps, 3))
    logits = cornu.layers.Dense(classes)(inputs)
    model = cornu.Model(inputs, logits)

    def loss(y_true, y_pred):
        batch = ops.shape(y_pred)[0]
        label_len = ops.sum(ops.cast(ops.not_equal(y_true, 0), "int32"), axis=1)
        out_len = ops.full((batch,), steps, dtype="int32")
        return ops.ctc_loss(ops.cast(y_true, "int32"), y_pred, label_len, out_len)

    model.compile(optimizer=cornu.optimizers.Adam(0.05), loss=loss)
    x = RNG.standard_normal((16, steps, 3)).astype("float32")
    y = RNG.integers(1, classes, (16, 3)).astype("int32")
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    losses = history.history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]


def test_ctc_layer_with_add_loss_trains():
    """The OCR example's pattern: a layer adds the CTC loss of labels and softmax outputs."""

    class CTCLayer(cornu.layers.Layer):
        def call(self, y_true, y_pred):
            batch = ops.shape(y_true)[0]
            input_length = ops.shape(y_pred)[1] * ops.ones((batch, 1), dtype="int64")
            label_length = ops.shape(y_true)[1] * ops.ones((batch, 1), dtype="int64")
            self.add_loss(ops.mean(ops.ctc_loss(y_true, y_pred, label_length, input_length)))
            return y_pred

    images = cornu.Input((8, 3), name="image")
    labels = cornu.Input((3,), name="label", dtype="int32")
    probs = cornu.layers.Dense(5, activation="softmax")(images)
    output = CTCLayer()(labels, probs)
    model = cornu.Model([images, labels], output)
    model.compile(optimizer=cornu.optimizers.Adam(0.05))
    x = RNG.standard_normal((16, 8, 3)).astype("float32")
    y = RNG.integers(1, 5, (16, 3)).astype("int32")
    losses = model.fit({"image": x, "label": y}, epochs=4, batch_size=8, verbose=0)
    losses = losses.history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
    paths, _ = ops.ctc_decode(model.predict({"image": x, "label": y}, verbose=0),
                              np.full((16,), 8))
    assert tuple(paths.shape) == (1, 16, 8)


def test_ctc_symbolic():
    logits_in = cornu.Input((7, 5))
    lengths_in = cornu.Input((), dtype="int32")
    paths, scores = ops.ctc_decode(logits_in, lengths_in, strategy="beam_search", top_paths=2)
    assert tuple(paths.shape) == (2, None, 7) and paths.dtype == "int32"
    assert tuple(scores.shape) == (None, 2) and scores.dtype == "float32"
    model = cornu.Model([logits_in, lengths_in], [paths, scores])
    got = model([LOGITS, SEQ_LENS])
    expected = ops.ctc_decode(LOGITS, SEQ_LENS, strategy="beam_search", top_paths=2)
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g.numpy(), e.numpy())
    config = model.get_config()
    assert any(layer["class_name"] == "CTCDecode" for layer in config["layers"])


SIG = RNG.standard_normal((2, 3, 40)).astype("float32")
RE, IM = RNG.standard_normal((2, 4, 6)).astype("float32"), RNG.standard_normal((2, 4, 6))
IM = IM.astype("float32")
SEG_DATA = RNG.standard_normal((6, 3)).astype("float32")
SEG_IDS = np.array([0, 0, 1, 3, 3, 3], "int32")
SEG_INT = RNG.integers(-4, 5, (6, 2)).astype("int32")
SPEC_RE, SPEC_IM = (keras.ops.convert_to_numpy(p) for p in keras.ops.stft(SIG, 16, 4, 16))
SPEC32_RE, SPEC32_IM = (keras.ops.convert_to_numpy(p) for p in keras.ops.stft(SIG, 10, 5, 32))

SIGNAL_CASES = [
    ("fft", ((RE, IM),), {}), ("fft2", ((RE, IM),), {}), ("ifft2", ((RE, IM),), {}),
    ("fft", ((RE.astype("float64"), IM.astype("float64")),), {}),
    ("rfft", (SIG,), {}), ("rfft", (SIG,), {"fft_length": 16}),
    ("rfft", (SIG,), {"fft_length": 64}), ("irfft", ((RE, IM),), {}),
    ("irfft", ((RE, IM),), {"fft_length": 7}),
    ("stft", (SIG, 16, 4, 16), {}), ("stft", (SIG[0], 10, 5, 32), {"window": "hamming"}),
    ("stft", (SIG, 8, 3, 8), {"window": None, "center": False}),
    ("stft", (SIG.astype("float64"), 8, 8, 16), {"window": np.arange(8, dtype="float32")}),
    ("istft", ((SPEC_RE, SPEC_IM), 16, 4, 16), {}),
    ("istft", ((SPEC_RE, SPEC_IM), 16, 4, 16), {"length": 30}),
    ("istft", ((SPEC32_RE, SPEC32_IM), 10, 5, 32), {}),
    ("istft", ((SPEC32_RE, SPEC32_IM), 10, 5, 32), {"center": False, "window": "hamming"}),
    ("istft", ((SPEC_RE, SPEC_IM), 16, 4, 16), {"window": None}),
    ("segment_sum", (SEG_DATA, SEG_IDS), {}), ("segment_sum", (SEG_INT, SEG_IDS), {}),
    ("segment_sum", (SEG_DATA, SEG_IDS), {"num_segments": 3}),
    ("segment_max", (SEG_DATA, SEG_IDS), {}), ("segment_max", (SEG_DATA, SEG_IDS[::-1].copy()), {}),
    ("segment_min", (SEG_DATA, SEG_IDS), {"num_segments": 5}),
    ("segment_prod", (SEG_DATA, SEG_IDS), {"sorted": True}),
    ("segment_prod", (SEG_INT, SEG_IDS), {}),
    ("segment_sum", (SEG_DATA, np.array([0, -1, 1, 2, 9, 2], "int32")), {"num_segments": 3}),
]


@pytest.mark.parametrize("case", SIGNAL_CASES, ids=[_case_id(c) for c in SIGNAL_CASES])
def test_signal_matches_keras(case):
    check_case(case)


def test_stft_round_trip():
    real, imag = ops.stft(SIG, 16, 4, 16)
    np.testing.assert_allclose(ops.istft((real, imag), 16, 4, 16, length=40).numpy(), SIG,
                               rtol=1e-4, atol=1e-5)


F = RNG.standard_normal((3, 4)).astype("float32")
F3 = RNG.standard_normal((2, 3, 4)).astype("float32")
I = RNG.integers(-6, 7, (3, 4)).astype("int32")
I8 = RNG.integers(0, 100, (3, 4)).astype("uint8")
SHIFT = RNG.integers(0, 4, (3, 4)).astype("int32")
NAN = F3.copy()
NAN[0, 0, :2] = np.nan
NAN[1, 2, :] = np.nan
NAN[0, 1, 3] = np.nan

NUMPY_CASES = [
    ("bitwise_and", (I, SHIFT), {}), ("bitwise_or", (I, I8), {}), ("bitwise_xor", (I, 3), {}),
    ("bitwise_not", (I,), {}), ("bitwise_invert", (I8,), {}),
    ("bitwise_not", (I > 0,), {}), ("bitwise_and", (I > 0, I < 3), {}),
    ("bitwise_left_shift", (I, SHIFT), {}), ("left_shift", (I8, 2), {}),
    ("bitwise_right_shift", (I, SHIFT), {}), ("right_shift", (I, 1), {}),
    ("nanmax", (NAN,), {}), ("nanmax", (NAN,), {"axis": 2}),
    ("nanmax", (NAN,), {"axis": (0, 2), "keepdims": True}), ("nanmax", (I,), {"axis": 0}),
    ("nanmin", (NAN,), {"axis": -1}), ("nanmin", (NAN,), {}),
    ("nanprod", (NAN,), {"axis": 1}), ("nanprod", (NAN,), {}), ("nanprod", (I,), {"axis": 0}),
    ("nanvar", (NAN,), {"axis": 2}), ("nanvar", (NAN,), {}),
    ("nanstd", (NAN,), {"axis": (0, 1), "keepdims": True}), ("nanstd", (I,), {}),
    ("nanargmax", (NAN,), {}), ("nanargmax", (NAN,), {"axis": 2}),
    ("nanargmin", (NAN,), {"axis": 1, "keepdims": True}), ("nanargmin", (I,), {"axis": 1}),
    ("nancumsum", (NAN,), {}), ("nancumsum", (NAN,), {"axis": 2}),
    ("nancumsum", (I,), {"axis": 0}), ("nancumprod", (NAN,), {"axis": 1}),
    # Keras's torch nancumprod ignores `dtype`: NumPy is the reference.
    ("nancumprod", (NAN,), {"axis": 1, "dtype": "float64"}, np.nancumprod),
    ("nanmedian", (NAN,), {}), ("nanmedian", (NAN,), {"axis": 2}),
    ("nanmedian", (NAN,), {"axis": (0, 2), "keepdims": True}), ("nanmedian", (I,), {"axis": 1}),
    ("nanquantile", (NAN, 0.3), {"axis": 2}),
    ("nanquantile", (NAN, np.array([0.1, 0.7], "float32")), {"axis": 1, "method": "lower"}),
    ("nanquantile", (NAN, 0.4), {"axis": 2, "method": "nearest", "keepdims": True}),
    ("nanquantile", (NAN, 0.4), {"axis": 2, "method": "midpoint"}),
    ("nanquantile", (NAN, 0.4), {"axis": 2, "method": "higher"}),
    ("nanpercentile", (NAN, 80), {}), ("nanpercentile", (F3, [20, 50]), {"axis": 0}),
    ("gcd", (I, SHIFT + 2), {}), ("lcm", (I, SHIFT + 2), {}), ("i0", (F,), {}), ("i0", (I,), {}),
    ("sinc", (F,), {}), ("sinc", (I,), {}), ("signbit", (F,), {}), ("signbit", (I,), {}),
    ("fabs", (F,), {}), ("fabs", (I,), {}), ("fmax", (NAN[0], F), {}), ("fmin", (NAN[0], I), {}),
    ("isneginf", (np.array([-np.inf, 1.0, np.inf, np.nan], "float32"),), {}),
    ("isposinf", (np.array([-np.inf, 1.0, np.inf, np.nan], "float32"),), {}),
    ("isreal", (F,), {}), ("ldexp", (F, SHIFT), {}), ("ldexp", (I, SHIFT), {}),
    ("nextafter", (F, np.zeros_like(F)), {}), ("angle", (F,), {}), ("angle", (I,), {}),
    ("real", (F,), {}), ("conj", (F,), {}), ("conjugate", (I,), {}),
    ("imag", (F,), {}, np.imag),  # Keras's torch imag fails on real inputs
    ("hamming", (7,), {}), ("hanning", (6,), {}), ("bartlett", (5,), {}), ("blackman", (9,), {}),
    ("kaiser", (8, 5.0), {}), ("hamming", (1,), {}),
    ("logspace", (0, 3, 5), {}), ("logspace", (1.0, 2.0, 4), {"endpoint": False, "base": 2}),
    ("geomspace", (1, 1000, 4), {}), ("geomspace", (2.0, 32.0, 3), {"endpoint": False}),
    ("vdot", (F[0], F[1]), {}), ("vdot", (I[0], I[2]), {}),
    # Keras's torch vdot takes only 1-D inputs: NumPy (which flattens) is the reference.
    ("vdot", (F, F), {}, np.vdot),
    ("vdot", (I, I), {}, lambda a, b: np.vdot(a, b).astype(a.dtype)), ("trapezoid", (F,), {}),
    ("trapezoid", (F3,), {"dx": 0.5, "axis": 1}), ("trapezoid", (F, np.arange(4.0)), {}),
    ("trapezoid", (I,), {}), ("vander", (F[0],), {}), ("vander", (I[0],), {"N": 3}),
    ("vander", (F[0],), {"increasing": True}),
]


@pytest.mark.parametrize("case", NUMPY_CASES, ids=[_case_id(c) for c in NUMPY_CASES])
def test_numpy_ops_match_keras(case):
    check_case(case)


IMG_NCHW = torch.tensor(RNG.standard_normal((2, 3, 5, 6)), dtype=torch.float32)
HIGH_RANK = RNG.standard_normal((4, 4)).astype("float32")
LOW_RANK = (HIGH_RANK[:, :2] @ HIGH_RANK[:2, :]).astype("float32")
MISC_CASES = [
    ("cdist", (F, F3[0]), {}), ("cdist", (F3, F3[:, :2]), {}),
    ("corrcoef", (F,), {}), ("corrcoef", (I,), {}),
    ("correlate", (VEC := RNG.standard_normal(7).astype("float32"), F[0]), {}),
    ("correlate", (VEC, F[0]), {"mode": "same"}), ("correlate", (VEC, F[0]), {"mode": "full"}),
    ("correlate", (VEC[:6], F[0]), {"mode": "same"}),
    # Keras's torch correlate drops the length-1 axis of equal-length "valid" results.
    ("correlate", (I[0], I[1]), {}, lambda a, b: np.correlate(a, b).astype("float32")),
    ("correlate", (F[0], VEC), {"mode": "full"}, np.correlate),  # Keras: x1 shorter fails
    ("correlate", (F[0], VEC), {"mode": "valid"}, np.correlate),
    ("correlate", (F[0], VEC), {"mode": "same"}, np.correlate),
    ("histogram", (F.ravel(),), {}),
    ("histogram", (F3.ravel(),), {"bins": 4, "range": (-1.0, 1.0)}),
    ("extract_sequences", (SIG, 8, 5), {}), ("extract_sequences", (SIG[0, 0], 10, 10), {}),
    ("logdet", (SPD := (HIGH_RANK @ HIGH_RANK.T + np.eye(4)).astype("float32"),), {}),
    ("matrix_rank", (LOW_RANK,), {}), ("matrix_rank", (HIGH_RANK,), {}),
    ("matrix_rank", (LOW_RANK,), {"tol": 0.5}),
    ("multi_hot", (np.array([[0, 2], [1, 1]], "int32"),), {"num_classes": 4}),
    ("multi_hot", (np.array([0, 3], "int32"), 5), {"dtype": "int32"}),
    ("polar", (np.abs(F), F), {}),
    ("psnr", (np.abs(F), np.abs(F3[0])), {"max_val": 3.0}),
    ("saturate_cast", (F * 300,), {"dtype": "uint8"}), ("saturate_cast", (I * 100, "int8"), {}),
    # Keras's torch backend overflows 1e10 to the int32 minimum: NumPy reference.
    ("saturate_cast", (np.array([1e10, -1e10, 5.0], "float32"), "int32"), {},
     lambda x, dtype: np.clip(x, -2.0**31, 2147483520.0).astype(dtype)),
    ("view_as_real", (keras.ops.convert_to_numpy(ops.polar(np.abs(F), F)),), {}),
    ("view_as_complex", (F3[..., :2].copy(),), {}),
    ("view", (F,), {"dtype": "int32"}), ("view", (I,), {"dtype": "float32"}),
    ("unfold", (IMG_NCHW, 2), {}), ("unfold", (IMG_NCHW, (2, 3)), {"stride": 2, "padding": 1}),
    ("fold", (keras.ops.unfold(IMG_NCHW, 2), (5, 6), 2), {}),
    ("rearrange", (F3, "b (h w) c -> b c h w"), {"h": 3}),
    ("rearrange", (F3, "b n c -> c (b n)"), {}), ("rearrange", (F3, "a b c -> c a b"), {}),
    ("rearrange", (F3, "... c -> c ..."), {}, lambda x, p: np.moveaxis(x, -1, 0)),
]


@pytest.mark.parametrize("case", MISC_CASES, ids=[_case_id(c) for c in MISC_CASES])
def test_misc_ops_match_keras(case):
    check_case(case)


def test_namespaces():
    for space in ("numpy", "nn", "linalg"):
        missing = [n for n in dir(getattr(keras.ops, space))
                   if not n.startswith("_") and not hasattr(getattr(ops, space), n)]
        assert not missing, space
    missing = [n for n in dir(keras.ops) if not n.startswith("_") and not hasattr(ops, n)]
    assert not missing
    assert ops.nn.ctc_loss is ops.ctc_loss and ops.linalg.matrix_rank is ops.matrix_rank
    assert ops.numpy.nanmax is ops.nanmax and ops.numpy.add is ops.add


def test_vectorize_custom_gradient_jvp():
    fn = ops.vectorize(lambda a, b: a * b + 1.0)
    np.testing.assert_allclose(fn(F, F[0]).numpy(), F * F[0] + 1.0, rtol=1e-6)
    dot = ops.vectorize(lambda a, b: (a * b).sum(), signature="(n),(n)->()")
    k_dot = keras.ops.vectorize(lambda a, b: keras.ops.sum(a * b), signature="(n),(n)->()")
    np.testing.assert_allclose(dot(F3, F[0]).numpy(), _numpy(k_dot(F3, F[0])), rtol=1e-5)

    @ops.custom_gradient
    def clipped_identity(x):
        def grad(upstream):
            return ops.clip(upstream, -0.5, 0.5)
        return x * 1.0, grad

    @ops.custom_gradient
    def doubled_grad(x):
        def grad(*args, upstream):
            return upstream * 2.0
        return x * 1.0, grad

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (clipped_identity(x) * torch.tensor([3.0, 0.1])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.1], rtol=1e-6)
    x.grad = None
    doubled_grad(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])
    out, tangent = ops.jvp(lambda a: ops.sin(a) * a, (F,), (np.ones_like(F),))
    np.testing.assert_allclose(tangent.numpy(), np.cos(F) * F + np.sin(F), rtol=1e-5)


SYMBOLIC = [
    ("conv", (7, 6, 4), lambda x: ops.conv(x, K2, padding="same")),
    ("conv_transpose", (7, 6, 4), lambda x: ops.conv_transpose(x, KT2, strides=2)),
    ("separable_conv", (9, 4), lambda x: ops.separable_conv(x, DW1, PW1, strides=2)),
    ("depthwise_conv", (7, 6, 4), lambda x: ops.depthwise_conv(x, DW2)),
    ("max_pool", (7, 6, 4), lambda x: ops.max_pool(x, 2, padding="same")),
    ("average_pool", (9, 4), lambda x: ops.average_pool(x, 3, 2, "same")),
    ("adaptive_max_pool", (7, 6, 4), lambda x: ops.adaptive_max_pool(x, 3)),
    ("adaptive_average_pool", (9, 4), lambda x: ops.adaptive_average_pool(x, 2)),
    ("fft", (4, 6), lambda x: ops.fft((x, ops.square(x)))),
    ("rfft", (4, 6), lambda x: ops.rfft(x, 8)),
    ("irfft", (4, 6), lambda x: ops.irfft((x, x))),
    ("stft", (40,), lambda x: ops.stft(x, 8, 4, 16)),
    ("istft", (9, 5), lambda x: ops.istft((x, x), 8, 4, 8)),
    ("segment_max", (2, 3), lambda x: ops.segment_max(ops.transpose(x, (1, 0, 2)),
                                                      np.array([0, 1]), num_segments=3)),
    ("nanmax", (3, 4), lambda x: ops.nanmax(x, axis=1)),
    ("nanquantile", (3, 4), lambda x: ops.nanquantile(x, 0.3, axis=-1)),
    ("nancumsum", (3, 4), lambda x: ops.nancumsum(x, axis=1)),
    ("bitwise_xor", (4,), lambda x: ops.bitwise_xor(ops.cast(x * 5, "int32"), 3)),
    ("fmax", (4,), lambda x: ops.fmax(x, 0.0)), ("sinc", (4,), lambda x: ops.sinc(x)),
    ("cdist", (3, 4), lambda x: ops.cdist(x, x)),
    ("extract_sequences", (40,), lambda x: ops.extract_sequences(x, 8, 4)),
    ("multi_hot", (3,), lambda x: ops.multi_hot(ops.cast(ops.abs(x) * 2, "int32"), 5)),
    ("saturate_cast", (4,), lambda x: ops.saturate_cast(x * 200, "uint8")),
    ("unfold", (3, 5, 6), lambda x: ops.unfold(x, 2, stride=2)),
    ("rearrange", (12, 5), lambda x: ops.rearrange(x, "b (h w) c -> b c h w", h=3)),
]


@pytest.mark.parametrize("shape,fn", [c[1:] for c in SYMBOLIC], ids=[c[0] for c in SYMBOLIC])
def test_symbolic_inputs(shape, fn):
    x = cornu.Input(shape)
    y = fn(x)
    model = cornu.Model(x, y)
    data = RNG.standard_normal((2,) + shape).astype("float32")
    out, expected = model(data), fn(torch.as_tensor(data))
    for got, sym, exp in zip(_leaves(out), _leaves(y), _leaves(expected)):
        assert len(sym.shape) == got.dim()
        assert all(s is None or s == g for s, g in zip(sym.shape, got.shape))
        assert sym.dtype == ops.dtype(got)
        np.testing.assert_allclose(got.detach().numpy(), exp.detach().numpy(), rtol=1e-6)
    config = model.get_config()
    restored = cornu.Model.from_config(config)
    for got, exp in zip(_leaves(restored(data)), _leaves(expected)):
        np.testing.assert_allclose(got.detach().numpy(), exp.detach().numpy(), rtol=1e-6)


def test_new_ops_save_and_load_in_keras(tmp_path):
    """Graph nodes of the new ops are written as Keras's operations: both libraries read them."""
    x, sig = cornu.Input((16, 3)), cornu.Input((48,))
    steps, labels = cornu.Input((), dtype="int32"), cornu.Input((2,), dtype="int32")
    label_lens = cornu.Input((), dtype="int32")
    outputs = [
        ops.max_pool(x, 2, padding="same"), ops.nanmax(ops.rfft(sig, 8)[0], axis=-1),
        ops.stft(sig, 8, 4, 8)[1], ops.ctc_decode(x, steps, "beam_search", 10)[0],
        ops.ctc_loss(labels, x, label_lens, steps), ops.nanquantile(sig, 0.3, axis=1),
        ops.psnr(sig, sig * 0.5, 1.0), ops.fft((sig, sig))[1], ops.extract_sequences(sig, 8, 4),
    ]
    model = cornu.Model([x, sig, steps, labels, label_lens], outputs)
    data = [RNG.random((2, 16, 3)).astype("float32"), RNG.random((2, 48)).astype("float32"),
            np.array([16, 9], "int32"), np.array([[1, 2], [2, 2]], "int32"),
            np.array([2, 1], "int32")]
    before = [o.numpy() for o in model(data)]
    path = tmp_path / "new_ops.keras"
    model.save(path)
    for got, expected in zip(cornu.models.load_model(path)(data), before):
        np.testing.assert_array_equal(got.numpy(), expected)
    for got, expected in zip(keras.models.load_model(path)(data), before):
        np.testing.assert_allclose(_numpy(got), expected, rtol=1e-5, atol=1e-5)
