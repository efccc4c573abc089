"""Parity of cornu's CTC, convolution, pooling, FFT, segment and NumPy-style ops with keras.ops
(torch backend) on the same random inputs: values and dtypes."""

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
