"""Metric API: state, devices, no host syncs, configs, `get`, accuracy resolution, errors."""

import contextlib

import numpy as np
import pytest
import torch

import cornu.metrics as metrics

RNG = np.random.default_rng(0)
N, C = 8, 3

INSTANCES = [
    metrics.Mean(name="m"), metrics.Sum(), metrics.Accuracy(), metrics.BinaryAccuracy(threshold=0.3),
    metrics.CategoricalAccuracy(), metrics.SparseCategoricalAccuracy(),
    metrics.TopKCategoricalAccuracy(k=2), metrics.SparseTopKCategoricalAccuracy(k=2),
    metrics.AUC(num_thresholds=50, curve="PR"), metrics.AUC(thresholds=[0.2, 0.7], multi_label=True),
    metrics.Precision(thresholds=[0.3, 0.6]), metrics.Recall(top_k=2, class_id=1),
    metrics.TruePositives(), metrics.TrueNegatives(thresholds=0.3), metrics.FalsePositives(),
    metrics.FalseNegatives(), metrics.SensitivityAtSpecificity(0.5), metrics.SpecificityAtSensitivity(0.5),
    metrics.PrecisionAtRecall(0.5), metrics.RecallAtPrecision(0.5),
    metrics.F1Score(average="macro", threshold=0.5), metrics.FBetaScore(beta=2.0),
    metrics.MeanIoU(num_classes=C), metrics.IoU(C, [0, 1]), metrics.BinaryIoU(threshold=0.4),
    metrics.OneHotIoU(C, [1]), metrics.OneHotMeanIoU(C), metrics.MeanSquaredError(),
    metrics.MeanAbsoluteError(), metrics.RootMeanSquaredError(), metrics.MeanAbsolutePercentageError(),
    metrics.MeanSquaredLogarithmicError(), metrics.CosineSimilarity(axis=-1), metrics.LogCoshError(),
    metrics.R2Score(class_aggregation=None), metrics.Hinge(), metrics.SquaredHinge(),
    metrics.CategoricalHinge(), metrics.KLDivergence(), metrics.Poisson(),
    metrics.BinaryCrossentropy(from_logits=True), metrics.CategoricalCrossentropy(label_smoothing=0.1),
    metrics.SparseCategoricalCrossentropy(from_logits=True),
    metrics.MeanMetricWrapper(metrics.mean_squared_error),
    metrics.PearsonCorrelation(axis=(0, 1)), metrics.ConcordanceCorrelation(name="ccc"),
]
SPARSE = (metrics.SparseCategoricalAccuracy, metrics.SparseTopKCategoricalAccuracy,
          metrics.SparseCategoricalCrossentropy, metrics.MeanIoU, metrics.IoU)


def _inputs(metric, device="cpu"):
    if type(metric) in (metrics.Mean, metrics.Sum):
        return (torch.rand(N, device=device),)
    y_pred = torch.rand(N, C, device=device)
    if isinstance(metric, SPARSE):
        labels = torch.randint(0, C, (N,), device=device)
        if isinstance(metric, metrics.IoU):
            return labels, torch.randint(0, C, (N,), device=device)
        return labels, y_pred
    return torch.randint(0, 2, (N, C), device=device).float(), y_pred


@contextlib.contextmanager
def no_host_sync():
    """Makes every tensor-to-Python conversion raise."""
    def refuse(*args, **kwargs):
        raise AssertionError("host sync")

    names = ("item", "tolist", "numpy", "cpu", "__bool__", "__float__", "__int__")
    saved = {name: torch.Tensor.__dict__.get(name) for name in names}
    for name in names:
        setattr(torch.Tensor, name, refuse)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                delattr(torch.Tensor, name)
            else:
                setattr(torch.Tensor, name, value)


@pytest.mark.parametrize("metric", INSTANCES, ids=lambda m: type(m).__name__)
def test_config_round_trip_and_state(metric):
    metric.reset_state()
    clone = type(metric).from_config(metric.get_config())
    assert clone.get_config() == metric.get_config()
    again = metrics.deserialize(metrics.serialize(metric))
    assert type(again) is type(metric) and again.get_config() == metric.get_config()
    torch.manual_seed(0)
    for _ in range(2):
        args = _inputs(metric)
        with no_host_sync():
            metric.update_state(*args)
            clone.update_state(*args)
            value = metric.result()
        assert isinstance(value, torch.Tensor)
    torch.testing.assert_close(clone.result(), value)
    metric.reset_state()
    fresh = type(metric).from_config(metric.get_config())
    args = _inputs(metric)
    metric.update_state(*args)
    fresh.update_state(*args)
    torch.testing.assert_close(metric.result(), fresh.result())


def test_scalar_results_and_variables():
    mean = metrics.Mean(name="loss_mean")
    value = mean(torch.tensor([1.0, 2.0, 6.0]))
    assert value.shape == () and float(value) == 3.0
    assert [v.name for v in mean.variables] == ["total", "count"]
    assert [v.path for v in mean.variables] == ["loss_mean/total", "loss_mean/count"]
    assert all(not v.requires_grad for v in mean.variables)
    mean.reset_state()
    assert float(mean.result()) == 0.0
    assert metrics.Precision().result().shape == ()
    assert metrics.Precision(thresholds=[0.1, 0.5]).result().shape == (2,)


def test_metrics_never_track_gradients():
    y_pred = torch.rand(N, C, requires_grad=True)
    metric = metrics.CategoricalCrossentropy()
    metric.update_state(torch.eye(C)[torch.randint(0, C, (N,))], y_pred)
    assert not metric.result().requires_grad


def test_state_follows_the_inputs_device_and_reset_keeps_it():
    for metric in (metrics.Mean(), metrics.SparseCategoricalAccuracy(), metrics.Precision(),
                   metrics.AUC(), metrics.MeanIoU(C), metrics.F1Score()):
        metric.update_state(*_inputs(metric, device="meta"))
        assert all(v.device.type == "meta" for v in metric.variables)
        assert metric.result().device.type == "meta"
        metric.reset_state()
        assert all(v.device.type == "meta" for v in metric.variables)


def test_custom_keras_style_metric():
    class PositiveCount(metrics.Metric):
        def __init__(self, name="positive_count", **kwargs):
            super().__init__(name=name, **kwargs)
            self.count = self.add_variable(shape=(), initializer="zeros", name="count")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.count.assign_add(torch.sum(y_pred > 0.5).float())

        def result(self):
            return self.count + 0

    metric = PositiveCount()
    assert metric([0, 1], torch.tensor([0.9, 0.7])).item() == 2.0
    metric.update_state(None, torch.tensor([0.1, 0.6]))
    assert metric.result().item() == 3.0
    metric.reset_state()
    assert metric.result().item() == 0.0
    assert metric.get_config() == {"name": "positive_count", "dtype": "float32"}


def test_missing_super_init_is_reported():
    class Broken(metrics.Metric):
        def __init__(self):
            self.total = self.add_variable(shape=())

    with pytest.raises(RuntimeError, match="super"):
        Broken()


def test_function_metric_is_named_after_the_function():
    def my_metric(y_true, y_pred):
        return torch.abs(y_true - y_pred).mean(-1)

    wrapped = metrics.get_for_compile(my_metric)
    assert isinstance(wrapped, metrics.MeanMetricWrapper) and wrapped.name == "my_metric"
    assert metrics.get_for_compile("mse").name == "mse"
    config = metrics.MeanMetricWrapper(metrics.binary_accuracy, threshold=0.7).get_config()
    restored = metrics.MeanMetricWrapper.from_config(config)
    assert restored._fn is metrics.binary_accuracy and restored._fn_kwargs == {"threshold": 0.7}


@pytest.mark.parametrize("name,cls", [
    ("accuracy", metrics.Accuracy), ("mse", metrics.MeanSquaredError),
    ("MAE", metrics.MeanAbsoluteError), ("auc", metrics.AUC), ("AUC", metrics.AUC),
    ("binary_accuracy", metrics.BinaryAccuracy), ("SparseCategoricalAccuracy",
                                                   metrics.SparseCategoricalAccuracy),
    ("root_mean_squared_error", metrics.RootMeanSquaredError), ("bce", metrics.BinaryCrossentropy),
    ("pearson_correlation", metrics.PearsonCorrelation),
    ("ConcordanceCorrelation", metrics.ConcordanceCorrelation),
])
def test_get_by_name(name, cls):
    assert type(metrics.get(name)) is cls


def test_get_other_identifiers():
    assert metrics.get(None) is None
    assert isinstance(metrics.get(metrics.Recall), metrics.Recall)
    instance = metrics.Recall()
    assert metrics.get(instance) is instance
    assert metrics.get(metrics.binary_accuracy) is metrics.binary_accuracy
    auc = metrics.get({"class_name": "AUC", "config": {"num_thresholds": 10, "curve": "PR"}})
    assert auc.num_thresholds == 10 and auc.curve == "PR"
    with pytest.raises(ValueError, match="Unknown metric: 'acuracy'.*accuracy"):
        metrics.get("acuracy")


@pytest.mark.parametrize("loss,y_true,y_pred,cls", [
    ("sparse_categorical_crossentropy", (8,), (8, 5), metrics.SparseCategoricalAccuracy),
    ("sparse_categorical_crossentropy", (8, 1), (8, 5), metrics.SparseCategoricalAccuracy),
    ("categorical_crossentropy", (8, 5), (8, 5), metrics.CategoricalAccuracy),
    ("binary_crossentropy", (8, 5), (8, 5), metrics.BinaryAccuracy),
    ("mse", (8, 1), (8, 1), metrics.BinaryAccuracy),
    (None, (8,), (8, 1), metrics.BinaryAccuracy),
    (None, (8,), (8, 10), metrics.SparseCategoricalAccuracy),
    (None, (8, 1), (8, 10), metrics.SparseCategoricalAccuracy),
    (None, (8, 10), (8, 10), metrics.CategoricalAccuracy),
    ("mae", (8, 4, 10), (8, 4, 10), metrics.CategoricalAccuracy),
])
def test_resolve_accuracy(loss, y_true, y_pred, cls):
    metric = metrics.resolve_accuracy(loss, y_true, y_pred, name="acc")
    assert type(metric) is cls and metric.name == "acc"


def test_resolve_accuracy_from_loss_objects():
    import cornu.losses as losses

    sparse = losses.SparseCategoricalCrossentropy(from_logits=True)
    assert type(metrics.resolve_accuracy(sparse, (8,), (8, 3))) is metrics.SparseCategoricalAccuracy
    assert type(metrics.resolve_accuracy(losses.binary_crossentropy, (8, 3), (8, 3))) is \
        metrics.BinaryAccuracy
    assert type(metrics.resolve_accuracy(losses.CategoricalCrossentropy, (8, 3), (8, 3))) is \
        metrics.CategoricalAccuracy
    assert type(metrics.resolve_accuracy("BinaryCrossentropy", (8, 3), (8, 3))) is \
        metrics.BinaryAccuracy
    assert type(metrics.resolve_accuracy("SparseCategoricalCrossentropy", (8,), (8, 3))) is \
        metrics.SparseCategoricalAccuracy
    ce = metrics.resolve_crossentropy(sparse, (8,), (8, 3))
    assert type(ce) is metrics.SparseCategoricalCrossentropy and ce.from_logits
    assert type(metrics.get_for_compile("ce", None, (8, 1), (8, 1))) is metrics.BinaryCrossentropy
    assert type(metrics.get_for_compile("acc", None, (8, 3), (8, 3))) is metrics.CategoricalAccuracy
    assert losses.resolve_crossentropy((8,), (8, 3)).fn is losses.sparse_categorical_crossentropy


@pytest.mark.parametrize("metric,y_true,y_pred,pattern", [
    (metrics.CategoricalAccuracy(), (8, 3), (8, 5), r"\(8, 3\).*\(8, 5\)"),
    (metrics.BinaryAccuracy(), (8, 1), (8, 5), r"\(8, 1\).*\(8, 5\)"),
    (metrics.SparseCategoricalAccuracy(), (6,), (8, 5), r"\(6,\).*\(8, 5\)"),
    (metrics.MeanSquaredError(), (4, 3), (8, 3), r"\(4, 3\).*\(8, 3\)"),
    (metrics.Precision(), (8, 3), (8, 5), r"\(8, 3\).*\(8, 5\)"),
    (metrics.AUC(), (8, 2), (8, 5), r"\(8, 2\).*\(8, 5\)"),
    (metrics.F1Score(), (8, 2), (8, 5), r"\(8, 2\).*\(8, 5\)"),
    (metrics.R2Score(), (8, 2), (8, 5), r"\(8, 5\).*\(8, 2\)"),
    (metrics.RootMeanSquaredError(), (8, 2), (8, 5), r"\(8, 2\).*\(8, 5\)"),
    (metrics.MeanIoU(3), (8,), (6,), "8 and 6"),
])
def test_bad_shapes_raise(metric, y_true, y_pred, pattern):
    with pytest.raises(ValueError, match=pattern):
        metric.update_state(np.zeros(y_true), np.full(y_pred, 0.5))


def test_bad_sample_weight_raises():
    with pytest.raises(ValueError, match="sample_weight"):
        metrics.MeanSquaredError().update_state(np.zeros((8, 3)), np.ones((8, 3)),
                                                sample_weight=np.ones(5))


def test_argument_validation():
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        metrics.Precision(thresholds=[1.5])
    with pytest.raises(ValueError, match="average"):
        metrics.F1Score(average="mean")
    with pytest.raises(ValueError, match="class_aggregation"):
        metrics.R2Score(class_aggregation="sum")
    with pytest.raises(ValueError, match="out of range"):
        metrics.IoU(3, [0, 3])


def test_correlation_metrics_are_maximized():
    from cornu.callbacks.monitor_callback import metric_direction

    assert metric_direction(metrics.PearsonCorrelation()) == "up"
    assert metric_direction(metrics.ConcordanceCorrelation()) == "up"
    y = torch.tensor([[0.0, 1.0, 2.0], [3.0, 1.0, 2.0]])
    torch.testing.assert_close(metrics.pearson_correlation(y, 2 * y + 1), torch.ones(2))
    assert float(metrics.concordance_correlation(y, 2 * y + 1).max()) < 1.0
