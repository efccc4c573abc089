"""Losses with Keras's names: classes, functions, aliases and `get` / `serialize` / `deserialize`."""

from cornu.losses.crossentropy import (
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    sparse_categorical_crossentropy,
)
from cornu.losses.ctc_loss import ctc
from cornu.losses.hinge_losses import categorical_hinge, hinge, squared_hinge
from cornu.losses.loss import Loss, reduce_weighted_values, squeeze_or_expand_to_same_rank
from cornu.losses.losses import (
    CTC,
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    CategoricalHinge,
    Circle,
    CosineSimilarity,
    Dice,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    LossFunctionWrapper,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
    Tversky,
)
from cornu.losses.metric_learning import circle
from cornu.losses.overlap import dice, tversky
from cornu.losses.regression import (
    cosine_similarity,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
)
from cornu.saving import serialization_lib

# Keras 2 spellings kept by Keras 3's legacy namespace.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh

ALL_OBJECTS = (
    Loss, LossFunctionWrapper, KLDivergence, Poisson, BinaryCrossentropy,
    BinaryFocalCrossentropy, CategoricalCrossentropy, CategoricalFocalCrossentropy,
    SparseCategoricalCrossentropy, MeanSquaredError, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity, LogCosh, Huber,
    Hinge, SquaredHinge, CategoricalHinge, Dice, Tversky, CTC, CategoricalGeneralizedCrossEntropy,
    Circle,
    kl_divergence, poisson, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, categorical_focal_crossentropy, sparse_categorical_crossentropy,
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, log_cosh, huber, hinge, squared_hinge,
    categorical_hinge, dice, tversky, ctc, categorical_generalized_cross_entropy, circle,
)
ALL_OBJECTS_DICT = {obj.__name__: obj for obj in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
    "kld": kl_divergence, "KLD": kl_divergence, "kl_divergence": kl_divergence,
    "kullback_leibler_divergence": kl_divergence,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
    "logcosh": log_cosh, "huber_loss": huber,
})


def serialize(loss):
    """Returns the Keras config dict of a loss (or a function's reference)."""
    return serialization_lib.serialize_keras_object(loss)


def deserialize(name, custom_objects=None):
    """Recreates a loss from `serialize`'s output or a name.

    Args:
        name: the config dict or name.
        custom_objects: dict of extra classes and functions by name.
    """
    return serialization_lib.deserialize_keras_object(
        name, module_objects=ALL_OBJECTS_DICT, custom_objects=custom_objects)


def get(identifier):
    """Returns a loss from None, a name or alias, a config dict, an instance, a class or a function.

    Names of functions (e.g. "mse") give the function; class names give a new instance.
    """
    return serialization_lib.get_object(identifier, ALL_OBJECTS_DICT, "loss")


def resolve_crossentropy(y_true_shape, y_pred_shape, name="crossentropy"):
    """The loss Keras's `compile` picks for "crossentropy" / "ce", from the target shapes.

    Args:
        y_true_shape: shape of the targets.
        y_pred_shape: shape of the model's output.
        name: the name to give the loss.

    Returns:
        A `LossFunctionWrapper` around `binary_crossentropy` (last output dim 1),
        `sparse_categorical_crossentropy` (targets of lower rank, or last dim 1 against
        several classes) or `categorical_crossentropy`.
    """
    if y_pred_shape[-1] == 1:
        fn = binary_crossentropy
    elif len(y_true_shape) < len(y_pred_shape) or y_true_shape[-1] == 1:
        fn = sparse_categorical_crossentropy
    else:
        fn = categorical_crossentropy
    return LossFunctionWrapper(fn, name=name)
