"""Metrics with Keras's names: classes, functions, `get` / `serialize` / `deserialize`, and the
shape-based resolution of "accuracy" and "crossentropy" used by `compile`."""

import inspect

from cornu.losses.crossentropy import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    sparse_categorical_crossentropy,
)
from cornu.losses.hinge_losses import categorical_hinge, hinge, squared_hinge
from cornu.losses.regression import (
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
)
from cornu.metrics.accuracy_metrics import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from cornu.metrics.auc import AUC
from cornu.metrics.confusion_metrics import (
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)
from cornu.metrics.correlation_metrics import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from cornu.metrics.f_score_metrics import F1Score, FBetaScore
from cornu.metrics.iou_metrics import IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from cornu.metrics.metric import Metric
from cornu.metrics.probabilistic_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    Hinge,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)
from cornu.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum
from cornu.metrics.regression_metrics import (
    CosineSimilarity,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    R2Score,
    RootMeanSquaredError,
)
from cornu.saving import serialization_lib
from cornu.utils.naming import to_snake_case

# Keras 2 spellings kept by Keras 3's legacy namespace.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence
logcosh = log_cosh

ALL_OBJECTS = (
    Metric, Mean, Sum, MeanMetricWrapper, MeanSquaredError, RootMeanSquaredError,
    MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    CosineSimilarity, LogCoshError, R2Score, AUC, FalseNegatives, FalsePositives, Precision,
    PrecisionAtRecall, Recall, RecallAtPrecision, SensitivityAtSpecificity,
    SpecificityAtSensitivity, TrueNegatives, TruePositives, Hinge, SquaredHinge,
    CategoricalHinge, KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, Accuracy, BinaryAccuracy, CategoricalAccuracy,
    SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, F1Score,
    FBetaScore, IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU, PearsonCorrelation,
    ConcordanceCorrelation,
)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({to_snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update({
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
    "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
    "auc": AUC, "kld": KLDivergence, "KLD": KLDivergence, "logcosh": LogCoshError,
    "rmse": RootMeanSquaredError,
})
# Functions are found by name when deserializing a `MeanMetricWrapper`.
FUNCTIONS = {fn.__name__: fn for fn in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, mean_squared_error,
    mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
    log_cosh, huber, kl_divergence, poisson, hinge, squared_hinge, categorical_hinge,
    binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
    categorical_focal_crossentropy, sparse_categorical_crossentropy, pearson_correlation,
    concordance_correlation,
)}
_ACCURACY_NAMES = ("accuracy", "acc")
_CROSSENTROPY_NAMES = ("crossentropy", "ce")


def serialize(metric):
    """Returns the Keras config dict of a metric (or a function's reference)."""
    return serialization_lib.serialize_keras_object(metric)


def deserialize(config, custom_objects=None):
    """Recreates a metric from `serialize`'s output or a name.

    Args:
        config: the config dict or name.
        custom_objects: dict of extra classes and functions by name.
    """
    if isinstance(config, dict) and config.get("class_name") == "function" \
            and config.get("config") in FUNCTIONS:
        return FUNCTIONS[config["config"]]
    return serialization_lib.deserialize_keras_object(
        config, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects)


def get(identifier):
    """Returns a metric from None, a name (class, snake_case or alias), a config dict, an
    instance, a class or a function (returned as is).

    "accuracy"/"acc" give `Accuracy`; use `resolve_accuracy` for `compile`'s shape-aware choice.
    """
    if isinstance(identifier, str) and identifier in FUNCTIONS \
            and identifier not in ALL_OBJECTS_DICT:
        return FUNCTIONS[identifier]
    return serialization_lib.get_object(identifier, ALL_OBJECTS_DICT, "metric")


def _loss_key(loss):
    """A lower-case name for a loss given as a name, function, class or instance."""
    if loss is None:
        return ""
    if isinstance(loss, str):
        return to_snake_case(loss) if loss != loss.upper() else loss.lower()
    fn = getattr(loss, "fn", None)
    if fn is not None and not inspect.isclass(loss):
        return getattr(fn, "__name__", "").lower()
    cls = loss if inspect.isclass(loss) else None
    if cls is None and not inspect.isfunction(loss):
        cls = type(loss)
    name = cls.__name__ if cls is not None else getattr(loss, "__name__", "")
    return to_snake_case(name) if cls is not None else name.lower()


def _kind(loss, y_true_shape, y_pred_shape):
    key = _loss_key(loss)
    if key == "sparse_categorical_crossentropy":
        return "sparse"
    if key in ("binary_crossentropy", "bce", "binary_focal_crossentropy"):
        return "binary"
    if key in ("categorical_crossentropy", "categorical_focal_crossentropy"):
        return "categorical"
    # Keras 3's rule, from the shapes alone.
    if y_pred_shape is None:
        return "categorical"
    y_true_shape = tuple(y_true_shape) if y_true_shape is not None else tuple(y_pred_shape)
    if y_pred_shape[-1] == 1:
        return "binary"
    if len(y_true_shape) < len(y_pred_shape) or y_true_shape[-1] == 1:
        return "sparse"
    return "categorical"


def resolve_accuracy(loss, y_true_shape, y_pred_shape, name="accuracy"):
    """The accuracy metric `compile(metrics=["accuracy"])` uses for an output.

    Args:
        loss: the output's loss (name, function, class or instance), or None. Sparse
            categorical cross-entropy gives `SparseCategoricalAccuracy`, binary (focal)
            cross-entropy `BinaryAccuracy`, categorical (focal) cross-entropy
            `CategoricalAccuracy`; any other loss falls back to Keras 3's shape rule.
        y_true_shape: shape of the targets (None: same as `y_pred_shape`).
        y_pred_shape: shape of the output.
        name: the metric's name (e.g. "acc").

    Shape rule: a last output dimension of 1 is binary; targets of lower rank, or with a last
    dimension of 1 against several classes, are sparse; anything else is categorical.
    """
    kind = _kind(loss, y_true_shape, y_pred_shape)
    cls = {"binary": BinaryAccuracy, "sparse": SparseCategoricalAccuracy,
           "categorical": CategoricalAccuracy}[kind]
    return cls(name=name)


def resolve_crossentropy(loss, y_true_shape, y_pred_shape, name="crossentropy"):
    """The cross-entropy metric for `metrics=["crossentropy"]` (or "ce"), chosen like
    `resolve_accuracy`: `BinaryCrossentropy`, `SparseCategoricalCrossentropy` or
    `CategoricalCrossentropy`, with the loss's `from_logits` when it has one.

    Args:
        loss: the output's loss, or None.
        y_true_shape: shape of the targets (None: same as `y_pred_shape`).
        y_pred_shape: shape of the output.
        name: the metric's name.
    """
    kind = _kind(loss, y_true_shape, y_pred_shape)
    cls = {"binary": BinaryCrossentropy, "sparse": SparseCategoricalCrossentropy,
           "categorical": CategoricalCrossentropy}[kind]
    from_logits = bool(getattr(loss, "from_logits", False))
    return cls(name=name, from_logits=from_logits)


def get_for_compile(identifier, loss=None, y_true_shape=None, y_pred_shape=None):
    """`get`, but "accuracy"/"acc" and "crossentropy"/"ce" are resolved from the loss and
    shapes, and plain functions are wrapped in a `MeanMetricWrapper` named after them.

    Args:
        identifier: what was passed in `compile(metrics=...)`.
        loss: the output's loss.
        y_true_shape: shape of the targets.
        y_pred_shape: shape of the output.
    """
    if isinstance(identifier, str) and identifier.lower() in _ACCURACY_NAMES:
        return resolve_accuracy(loss, y_true_shape, y_pred_shape, name=identifier)
    if isinstance(identifier, str) and identifier.lower() in _CROSSENTROPY_NAMES:
        return resolve_crossentropy(loss, y_true_shape, y_pred_shape, name=identifier)
    metric = get(identifier)
    if not isinstance(metric, Metric):
        metric = MeanMetricWrapper(metric, name=identifier if isinstance(identifier, str)
                                   else getattr(metric, "__name__", None))
    elif isinstance(identifier, str):
        metric.name = identifier
    return metric
