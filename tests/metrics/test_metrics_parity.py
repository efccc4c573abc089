"""Every metric against Keras 3 (torch backend): several `update_state` calls with and
without sample weights, `result()`, then `reset_state()` and one more update."""

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

import cornu.metrics as cmetrics  # noqa: E402

N, C = 16, 4


def _probs(rng, shape):
    x = rng.random(shape).astype("float32") + 0.05
    return x / x.sum(-1, keepdims=True)


def _data(kind, rng):
    if kind == "regression":
        return rng.normal(size=(N, C)).astype("float32"), rng.normal(size=(N, C)).astype("float32")
    if kind == "positive":
        return rng.random((N, C)).astype("float32") * 3, rng.random((N, C)).astype("float32") * 3 + 0.1
    if kind == "probs":
        return _probs(rng, (N, C)), _probs(rng, (N, C))
    if kind == "binary":
        return rng.integers(0, 2, (N, C)).astype("float32"), rng.random((N, C)).astype("float32")
    if kind == "binary_col":
        return rng.integers(0, 2, (N, 1)).astype("float32"), rng.random((N, 1)).astype("float32")
    if kind == "binary_flat":
        return rng.integers(0, 2, (N,)).astype("float32"), rng.random((N, 1)).astype("float32")
    if kind == "logits":
        return rng.integers(0, 2, (N, C)).astype("float32"), rng.normal(size=(N, C)).astype("float32") * 2
    if kind == "signed":
        return rng.choice([-1.0, 1.0], (N, C)).astype("float32"), rng.normal(size=(N, C)).astype("float32")
    if kind == "onehot":
        return np.eye(C, dtype="float32")[rng.integers(0, C, N)], _probs(rng, (N, C))
    if kind == "onehot_logits":
        return np.eye(C, dtype="float32")[rng.integers(0, C, N)], rng.normal(size=(N, C)).astype("float32")
    if kind == "sparse":
        return rng.integers(0, C, (N,)).astype("float32"), _probs(rng, (N, C))
    if kind == "sparse_col":
        return rng.integers(0, C, (N, 1)).astype("int64"), _probs(rng, (N, C))
    if kind == "sparse_logits":
        return rng.integers(0, C, (N,)).astype("int64"), rng.normal(size=(N, C)).astype("float32")
    if kind == "sparse_seq":
        return rng.integers(0, C, (N, 3)).astype("int64"), _probs(rng, (N, 3, C))
    if kind == "correlated":
        y_true = rng.normal(size=(N, 6)).astype("float32")
        noise = rng.normal(size=(N, 6)).astype("float32")
        return y_true, (0.8 * y_true + 0.4 * noise + 0.3).astype("float32")
    if kind == "labels":
        return rng.integers(0, C, (N,)).astype("float32"), rng.integers(0, C, (N,)).astype("float32")
    raise KeyError(kind)


CASES = [
    ("Accuracy", {}, "labels"),
    ("BinaryAccuracy", {}, "binary"),
    ("BinaryAccuracy", {"threshold": 0.3}, "binary_flat"),
    ("CategoricalAccuracy", {}, "onehot"),
    ("SparseCategoricalAccuracy", {}, "sparse"),
    ("SparseCategoricalAccuracy", {}, "sparse_col"),
    ("SparseCategoricalAccuracy", {}, "sparse_seq"),
    ("TopKCategoricalAccuracy", {"k": 2}, "onehot"),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse"),
    ("SparseTopKCategoricalAccuracy", {"k": 3}, "sparse_col"),
    ("AUC", {}, "binary"),
    ("AUC", {"num_thresholds": 37, "summation_method": "minoring"}, "binary_col"),
    ("AUC", {"summation_method": "majoring"}, "binary"),
    ("AUC", {"curve": "PR"}, "binary"),
    ("AUC", {"curve": "PR", "summation_method": "majoring"}, "binary"),
    ("AUC", {"curve": "PRGAIN"}, "binary"),
    ("AUC", {"from_logits": True}, "logits"),
    ("AUC", {"multi_label": True}, "binary"),
    ("AUC", {"multi_label": True, "num_labels": C, "label_weights": [1.0, 2.0, 0.5, 0.0]}, "binary"),
    ("AUC", {"multi_label": True, "curve": "PR"}, "binary"),
    ("AUC", {"label_weights": [1.0, 2.0, 0.5, 0.0]}, "binary"),
    ("AUC", {"thresholds": [0.1, 0.35, 0.5, 0.9]}, "binary"),
    ("AUC", {"thresholds": [0.1, 0.35, 0.5, 0.9], "multi_label": True}, "binary"),
    ("Precision", {}, "binary"),
    ("Precision", {"thresholds": [0.2, 0.5, 0.8]}, "binary"),
    ("Precision", {"thresholds": [0.0, 0.5, 1.0]}, "binary"),
    ("Precision", {"top_k": 2}, "binary"),
    ("Precision", {"class_id": 1}, "binary"),
    ("Precision", {"top_k": 2, "class_id": 2, "thresholds": 0.3}, "binary"),
    ("Recall", {}, "binary_flat"),
    ("Recall", {"thresholds": [0.2, 0.5, 0.8]}, "binary"),
    ("Recall", {"top_k": 1}, "binary"),
    ("Recall", {"class_id": 3}, "binary"),
    ("TruePositives", {}, "binary"),
    ("TrueNegatives", {"thresholds": [0.3, 0.6]}, "binary"),
    ("FalsePositives", {}, "binary_col"),
    ("FalseNegatives", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, "binary"),
    ("SensitivityAtSpecificity", {"specificity": 0.6}, "binary"),
    ("SpecificityAtSensitivity", {"sensitivity": 0.4, "num_thresholds": 20}, "binary"),
    ("PrecisionAtRecall", {"recall": 0.5}, "binary"),
    ("RecallAtPrecision", {"precision": 0.5, "class_id": 1}, "binary"),
    ("F1Score", {}, "binary"),
    ("F1Score", {"average": "micro", "threshold": 0.5}, "binary"),
    ("F1Score", {"average": "macro", "threshold": 0.4}, "binary"),
    ("F1Score", {"average": "weighted"}, "onehot"),
    ("FBetaScore", {"beta": 2.0, "average": "macro"}, "binary"),
    ("FBetaScore", {"beta": 0.5, "threshold": 0.6}, "binary"),
    ("MeanIoU", {"num_classes": C}, "labels"),
    ("MeanIoU", {"num_classes": C, "ignore_class": 0}, "labels"),
    ("MeanIoU", {"num_classes": C, "sparse_y_pred": False}, "sparse"),
    ("IoU", {"num_classes": C, "target_class_ids": [0, 2]}, "labels"),
    ("BinaryIoU", {}, "binary"),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, "binary"),
    ("OneHotIoU", {"num_classes": C, "target_class_ids": [1, 3]}, "onehot"),
    ("OneHotMeanIoU", {"num_classes": C}, "onehot"),
    ("MeanSquaredError", {}, "regression"),
    ("MeanAbsoluteError", {}, "regression"),
    ("MeanAbsolutePercentageError", {}, "regression"),
    ("MeanSquaredLogarithmicError", {}, "positive"),
    ("RootMeanSquaredError", {}, "regression"),
    ("CosineSimilarity", {}, "regression"),
    ("CosineSimilarity", {"axis": 0}, "regression"),
    ("LogCoshError", {}, "regression"),
    ("R2Score", {}, "regression"),
    ("R2Score", {"class_aggregation": "variance_weighted_average"}, "regression"),
    ("R2Score", {"class_aggregation": None}, "regression"),
    ("R2Score", {"num_regressors": 3}, "regression"),
    ("Hinge", {}, "signed"),
    ("Hinge", {}, "logits"),
    ("SquaredHinge", {}, "signed"),
    ("CategoricalHinge", {}, "onehot_logits"),
    ("KLDivergence", {}, "probs"),
    ("Poisson", {}, "positive"),
    ("BinaryCrossentropy", {}, "binary"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "logits"),
    ("CategoricalCrossentropy", {}, "onehot"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.2}, "onehot_logits"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse_logits"),
    ("SparseCategoricalCrossentropy", {"from_logits": True, "ignore_class": 1}, "sparse_logits"),
    ("PearsonCorrelation", {}, "regression"),
    ("PearsonCorrelation", {}, "correlated"),
    ("PearsonCorrelation", {"axis": 0}, "correlated"),
    ("PearsonCorrelation", {"axis": (0, 1)}, "correlated"),
    ("ConcordanceCorrelation", {}, "regression"),
    ("ConcordanceCorrelation", {}, "correlated"),
    ("ConcordanceCorrelation", {"axis": 0}, "correlated"),
    ("ConcordanceCorrelation", {"axis": (0, 1)}, "correlated"),
]


def _result(metric):
    return np.asarray(keras.ops.convert_to_numpy(metric.result()))


def _ours(metric):
    return metric.result().detach().cpu().numpy()


# Per-sample weights do not apply to a reduction over the batch axis: no weighted run there.
WEIGHTED_CASES = [
    pytest.param(c, k, kind, weighted, id=f"{c}-{i}-{'weighted' if weighted else 'unweighted'}")
    for i, (c, k, kind) in enumerate(CASES) for weighted in (False, True)
    if not (weighted and k.get("axis", -1) != -1)]


@pytest.mark.filterwarnings("ignore:More independent predictors")
@pytest.mark.parametrize("class_name,kwargs,kind,weighted", WEIGHTED_CASES)
def test_metric_matches_keras(class_name, kwargs, kind, weighted):
    rng = np.random.default_rng(abs(hash((class_name, kind))) % 2**32)
    ours = getattr(cmetrics, class_name)(**kwargs)
    theirs = getattr(keras.metrics, class_name)(**kwargs)
    tol = 1e-4 if class_name == "AUC" else 1e-5
    integer_weights = class_name.endswith("IoU")
    for _ in range(3):
        y_true, y_pred = _data(kind, rng)
        sw = None
        if weighted:
            shape = y_true.shape if class_name == "BinaryIoU" else (N,)
            sw = rng.integers(0, 3, shape).astype("int32") if integer_weights \
                else rng.random(shape).astype("float32")
        ours.update_state(y_true, y_pred, sample_weight=sw)
        theirs.update_state(y_true, y_pred, sample_weight=sw)
        np.testing.assert_allclose(_ours(ours), _result(theirs), rtol=tol, atol=tol)
    ours.reset_state()
    theirs.reset_state()
    np.testing.assert_allclose(_ours(ours), _result(theirs), rtol=tol, atol=tol)
    y_true, y_pred = _data(kind, rng)
    ours.update_state(y_true, y_pred)
    theirs.update_state(y_true, y_pred)
    np.testing.assert_allclose(_ours(ours), _result(theirs), rtol=tol, atol=tol)
    assert [v.name for v in ours.variables] == [v.name for v in theirs.variables]


@pytest.mark.parametrize("class_name", ["Mean", "Sum"])
def test_reductions_match_keras(class_name):
    rng = np.random.default_rng(1)
    ours, theirs = getattr(cmetrics, class_name)(), getattr(keras.metrics, class_name)()
    batches = [(rng.random(N), None), (rng.random((N, 3)), rng.random(N)),
               (rng.random((N, 3)), rng.random((N, 3))), (rng.random((N, 3, 2)), rng.random((N, 1))),
               (2.5, None), (rng.random(N), 0.5)]
    for values, sw in batches:
        ours.update_state(values, sample_weight=sw)
        theirs.update_state(values, sample_weight=sw)
        np.testing.assert_allclose(_ours(ours), _result(theirs), rtol=1e-5)


FUNCTIONS = [
    ("binary_accuracy", {"threshold": 0.4}, "binary"), ("categorical_accuracy", {}, "onehot"),
    ("sparse_categorical_accuracy", {}, "sparse_col"),
    ("top_k_categorical_accuracy", {"k": 2}, "onehot"),
    ("sparse_top_k_categorical_accuracy", {"k": 2}, "sparse"),
    ("mean_squared_error", {}, "regression"), ("kl_divergence", {}, "probs"),
    ("hinge", {}, "signed"), ("binary_crossentropy", {}, "binary"),
    ("sparse_categorical_crossentropy", {"from_logits": True}, "sparse_logits"),
    ("pearson_correlation", {}, "correlated"), ("pearson_correlation", {"axis": 0}, "regression"),
    ("concordance_correlation", {}, "correlated"),
    ("concordance_correlation", {"axis": (0, 1)}, "regression"),
]


@pytest.mark.parametrize("fn_name,kwargs,kind", FUNCTIONS,
                         ids=[f"{f[0]}-{i}" for i, f in enumerate(FUNCTIONS)])
def test_metric_function_matches_keras(fn_name, kwargs, kind):
    y_true, y_pred = _data(kind, np.random.default_rng(3))
    got = getattr(cmetrics, fn_name)(y_true, y_pred, **kwargs).numpy()
    want = np.asarray(keras.ops.convert_to_numpy(
        getattr(keras.metrics, fn_name)(y_true, y_pred, **kwargs)))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_custom_function_wrapper_matches_keras():
    def squared_sum(y_true, y_pred):
        return ((y_true - y_pred) ** 2).sum(-1)

    rng = np.random.default_rng(4)
    ours = cmetrics.MeanMetricWrapper(squared_sum)
    theirs = keras.metrics.MeanMetricWrapper(squared_sum)
    assert ours.name == "squared_sum"
    for sw in (None, rng.random(N).astype("float32")):
        y_true, y_pred = _data("regression", rng)
        ours.update_state(y_true, y_pred, sample_weight=sw)
        theirs.update_state(y_true, y_pred, sample_weight=sw)
        np.testing.assert_allclose(_ours(ours), _result(theirs), rtol=1e-5)


_REQUIRED = {
    "MeanIoU": {"num_classes": 3}, "IoU": {"num_classes": 3, "target_class_ids": [0]},
    "OneHotIoU": {"num_classes": 3, "target_class_ids": [0]}, "OneHotMeanIoU": {"num_classes": 3},
    "SensitivityAtSpecificity": {"specificity": 0.5}, "SpecificityAtSensitivity": {"sensitivity": 0.5},
    "PrecisionAtRecall": {"recall": 0.5}, "RecallAtPrecision": {"precision": 0.5},
}
_CLASS_NAMES = sorted(name for name, cls in cmetrics.ALL_OBJECTS_DICT.items()
                      if cls.__name__ == name and name not in ("Metric", "MeanMetricWrapper"))


@pytest.mark.parametrize("class_name", _CLASS_NAMES)
def test_configs_interchange_with_keras(class_name):
    kwargs = _REQUIRED.get(class_name, {})
    theirs = getattr(keras.metrics, class_name)(name="m", **kwargs)
    ours = getattr(cmetrics, class_name)(name="m", **kwargs)
    assert ours.get_config() == theirs.get_config()
    restored = cmetrics.deserialize(keras.metrics.serialize(theirs))
    assert type(restored) is type(ours) and restored.get_config() == theirs.get_config()


def test_function_wrapper_config_from_keras():
    config = keras.metrics.serialize(
        keras.metrics.MeanMetricWrapper(keras.metrics.binary_accuracy, threshold=0.2))
    restored = cmetrics.deserialize(config)
    assert restored._fn is cmetrics.binary_accuracy and restored._fn_kwargs == {"threshold": 0.2}


def test_prediction_mask_matches_keras():
    import torch

    rng = np.random.default_rng(5)
    ours, theirs = cmetrics.MeanSquaredError(), keras.metrics.MeanSquaredError()
    for sw in (None, rng.random(N).astype("float32")):
        y_true, y_pred = _data("regression", rng)
        mask = rng.random(N) > 0.4
        pred = torch.tensor(y_pred)
        pred._keras_mask = torch.tensor(mask)
        kpred = keras.ops.convert_to_tensor(y_pred)
        kpred._keras_mask = keras.ops.convert_to_tensor(mask)
        ours.update_state(y_true, pred, sample_weight=sw)
        theirs.update_state(y_true, kpred, sample_weight=sw)
        np.testing.assert_allclose(_ours(ours), _result(theirs), rtol=1e-5)
