"""Every loss against Keras 3 (torch backend) on random inputs, every reduction, with and
without sample weights."""

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

import cornu.losses as closses  # noqa: E402

RNG = np.random.default_rng(0)
N, C = 8, 5


def _probs(shape):
    x = RNG.random(shape).astype("float32") + 0.05
    return x / x.sum(-1, keepdims=True)


def _one_hot(shape):
    return np.eye(shape[-1], dtype="float32")[RNG.integers(0, shape[-1], shape[:-1])]


def _data(kind):
    if kind == "regression":
        return RNG.normal(size=(N, C)).astype("float32"), RNG.normal(size=(N, C)).astype("float32")
    if kind == "positive":
        return RNG.random((N, C)).astype("float32") * 3, RNG.random((N, C)).astype("float32") * 3 + 0.1
    if kind == "probs":
        return _probs((N, C)), _probs((N, C))
    if kind == "binary":
        return RNG.integers(0, 2, (N, C)).astype("float32"), RNG.random((N, C)).astype("float32")
    if kind == "binary_logits":
        return RNG.integers(0, 2, (N, C)).astype("float32"), RNG.normal(size=(N, C)).astype("float32") * 3
    if kind == "binary_col":
        return RNG.integers(0, 2, (N,)).astype("float32"), RNG.random((N, 1)).astype("float32")
    if kind == "signed":
        return RNG.choice([-1.0, 1.0], (N, C)).astype("float32"), RNG.normal(size=(N, C)).astype("float32")
    if kind == "onehot":
        return _one_hot((N, C)), _probs((N, C))
    if kind == "onehot_logits":
        return _one_hot((N, C)), RNG.normal(size=(N, C)).astype("float32") * 3
    if kind == "sparse":
        return RNG.integers(0, C, (N,)).astype("float32"), _probs((N, C))
    if kind == "sparse_col":
        return RNG.integers(0, C, (N, 1)).astype("int64"), _probs((N, C))
    if kind == "sparse_logits":
        return RNG.integers(0, C, (N,)).astype("int64"), RNG.normal(size=(N, C)).astype("float32")
    if kind == "sparse_seq":
        return RNG.integers(0, C, (N, 6)).astype("int64"), RNG.normal(size=(N, 6, C)).astype("float32")
    if kind == "image":
        return RNG.integers(0, 2, (N, 4, 4, 1)).astype("float32"), RNG.random((N, 4, 4, 1)).astype("float32")
    if kind == "embeddings":  # 3 classes; class 2 has one member, so its row has no positive
        labels = np.array([0, 1, 0, 1, 2, 0, 1, 1])
        emb = RNG.normal(size=(N, C)).astype("float32")
        return labels, emb / np.linalg.norm(emb, axis=-1, keepdims=True)
    if kind == "ctc":
        labels = RNG.integers(1, C, (N, 4))
        labels[:, 3] = 0
        labels[::2, 2] = 0
        return labels.astype("int64"), RNG.normal(size=(N, 12, C)).astype("float32")
    raise KeyError(kind)


CASES = [
    ("MeanSquaredError", {}, "regression"),
    ("MeanAbsoluteError", {}, "regression"),
    ("MeanAbsolutePercentageError", {}, "regression"),
    ("MeanSquaredLogarithmicError", {}, "positive"),
    ("Huber", {}, "regression"),
    ("Huber", {"delta": 0.3}, "regression"),
    ("LogCosh", {}, "regression"),
    ("KLDivergence", {}, "probs"),
    ("Poisson", {}, "positive"),
    ("CosineSimilarity", {}, "regression"),
    ("CosineSimilarity", {"axis": 0}, "regression"),
    ("Hinge", {}, "signed"),
    ("Hinge", {}, "binary_logits"),
    ("SquaredHinge", {}, "signed"),
    ("SquaredHinge", {}, "binary_logits"),
    ("CategoricalHinge", {}, "onehot_logits"),
    ("BinaryCrossentropy", {}, "binary"),
    ("BinaryCrossentropy", {}, "binary_col"),
    ("BinaryCrossentropy", {"label_smoothing": 0.2}, "binary"),
    ("BinaryCrossentropy", {"from_logits": True}, "binary_logits"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "binary_logits"),
    ("BinaryFocalCrossentropy", {}, "binary"),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5,
                                 "label_smoothing": 0.1}, "binary"),
    ("BinaryFocalCrossentropy", {"from_logits": True}, "binary_logits"),
    ("CategoricalCrossentropy", {}, "onehot"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.1}, "onehot"),
    ("CategoricalCrossentropy", {"from_logits": True}, "onehot_logits"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, "onehot_logits"),
    ("CategoricalFocalCrossentropy", {}, "onehot"),
    ("CategoricalFocalCrossentropy", {"from_logits": True, "alpha": 0.5, "gamma": 3.0,
                                      "label_smoothing": 0.1}, "onehot_logits"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("SparseCategoricalCrossentropy", {}, "sparse_col"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse_logits"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse_seq"),
    ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": 2}, "sparse_logits"),
    ("SparseCategoricalCrossentropy", {"ignore_class": 0}, "sparse"),
    ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": 1}, "sparse_seq"),
    ("Dice", {}, "image"),
    ("Dice", {"axis": (1, 2, 3)}, "image"),
    ("Tversky", {}, "image"),
    ("Tversky", {"alpha": 0.7, "beta": 0.3, "axis": (1, 2, 3)}, "image"),
    ("CTC", {}, "ctc"),
    ("Circle", {}, "embeddings"),
    ("Circle", {"gamma": 2.0, "margin": 0.25, "remove_diagonal": False}, "embeddings"),
]
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None]


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("class_name,kwargs,kind", CASES,
                         ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(CASES)])
def test_loss_matches_keras(class_name, kwargs, kind, reduction):
    y_true, y_pred = _data(kind)
    ours = getattr(closses, class_name)(reduction=reduction, **kwargs)
    theirs = getattr(keras.losses, class_name)(reduction=reduction, **kwargs)
    weights = [None] if kwargs.get("axis") == 0 else [None, RNG.random(N).astype("float32")]
    if kind == "sparse_seq":  # Keras needs weights of the per-sample losses' rank here
        weights = [None, RNG.random((N, 6)).astype("float32")]
        if "ignore_class" not in kwargs:
            weights.append(RNG.random((N, 1)).astype("float32"))
    for sw in weights:
        got = ours(y_true, y_pred, sample_weight=sw).detach().numpy()
        want = _np(theirs(y_true, y_pred, sample_weight=sw))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


FUNCTIONS = [
    ("mean_squared_error", {}, "regression"), ("mean_absolute_error", {}, "regression"),
    ("mean_absolute_percentage_error", {}, "regression"),
    ("mean_squared_logarithmic_error", {}, "positive"), ("huber", {"delta": 0.5}, "regression"),
    ("log_cosh", {}, "regression"), ("kl_divergence", {}, "probs"), ("poisson", {}, "positive"),
    ("cosine_similarity", {}, "regression"), ("hinge", {}, "binary_logits"),
    ("squared_hinge", {}, "signed"), ("categorical_hinge", {}, "onehot"),
    ("binary_crossentropy", {"from_logits": True}, "binary_logits"),
    ("binary_focal_crossentropy", {}, "binary"),
    ("categorical_crossentropy", {"label_smoothing": 0.1}, "onehot"),
    ("categorical_focal_crossentropy", {}, "onehot"),
    ("sparse_categorical_crossentropy", {"from_logits": True}, "sparse_logits"),
    ("dice", {}, "image"), ("tversky", {}, "image"), ("ctc", {}, "ctc"),
    ("circle", {}, "embeddings"), ("circle", {"gamma": 5, "remove_diagonal": False}, "embeddings"),
]


@pytest.mark.parametrize("fn_name,kwargs,kind", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_function_matches_keras(fn_name, kwargs, kind):
    y_true, y_pred = _data(kind)
    got = getattr(closses, fn_name)(y_true, y_pred, **kwargs).detach().numpy()
    want = _np(getattr(keras.losses, fn_name)(y_true, y_pred, **kwargs))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_circle_with_reference_embeddings_matches_keras():
    labels, emb = _data("embeddings")
    ref_labels, ref = _data("embeddings")
    ref_labels = ref_labels[::-1].copy()
    for kwargs in ({}, {"remove_diagonal": False, "margin": 0.1}):
        got = closses.circle(labels, emb, ref_labels=ref_labels, ref_embeddings=ref, **kwargs)
        want = _np(keras.losses.circle(labels, emb, ref_labels=ref_labels, ref_embeddings=ref,
                                       **kwargs))
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)


def test_circle_gradient_matches_keras():
    """A row without positives (loss 0, masked out) leaves no NaN in the gradient."""
    import torch

    labels, emb = _data("embeddings")
    ours = torch.tensor(emb, requires_grad=True)
    closses.Circle(gamma=4.0)(labels, ours).backward()
    theirs = torch.tensor(emb, requires_grad=True)
    keras.losses.Circle(gamma=4.0)(labels, theirs).backward()
    assert torch.isfinite(ours.grad).all()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_generalized_cross_entropy_matches_keras():
    y_true = RNG.integers(0, C, (N,))
    y_pred = _probs((N, C))
    got = closses.CategoricalGeneralizedCrossEntropy(q=0.3)(y_true, y_pred).numpy()
    want = _np(keras.losses.CategoricalGeneralizedCrossEntropy(q=0.3)(y_true, y_pred))
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_keras_mask_on_predictions_matches_keras():
    import torch

    y_true, y_pred = _data("regression")
    mask = RNG.random(N) > 0.3
    for reduction in REDUCTIONS:
        pred = torch.tensor(y_pred)
        pred._keras_mask = torch.tensor(mask)
        kpred = keras.ops.convert_to_tensor(y_pred)
        kpred._keras_mask = keras.ops.convert_to_tensor(mask)
        got = closses.MeanSquaredError(reduction=reduction)(y_true, pred).numpy()
        want = _np(keras.losses.MeanSquaredError(reduction=reduction)(y_true, kpred))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_batch_weights_broadcast_over_time_steps():
    """(N,) weights on (N, T) losses weight whole samples (Keras needs them as (N, 1))."""
    y_true, y_pred = _data("sparse_seq")
    sw = RNG.random(N).astype("float32")
    for reduction in REDUCTIONS:
        got = closses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=1,
                                                    reduction=reduction)(y_true, y_pred, sw)
        want = _np(keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, ignore_class=1, reduction=reduction)(
                y_true, y_pred, np.broadcast_to(sw[:, None], (N, 6))))
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)


_LOSS_CLASSES = sorted({c for c, _, _ in CASES} | {"CategoricalGeneralizedCrossEntropy"})


@pytest.mark.parametrize("class_name", _LOSS_CLASSES)
def test_configs_interchange_with_keras(class_name):
    theirs = getattr(keras.losses, class_name)(reduction="sum")
    restored = closses.deserialize(keras.losses.serialize(theirs))
    assert type(restored).__name__ == class_name
    ours = restored.get_config()
    assert {k: ours[k] for k in theirs.get_config()} == theirs.get_config()


def test_function_wrapper_config_from_keras():
    from keras.src.losses.losses import LossFunctionWrapper

    config = keras.losses.serialize(LossFunctionWrapper(keras.losses.huber, delta=0.3))
    restored = closses.deserialize(config)
    assert restored.fn is closses.huber and restored._fn_kwargs == {"delta": 0.3}
    assert restored.name == "loss_function_wrapper"
