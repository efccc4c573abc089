"""Loss classes: `LossFunctionWrapper` and one class per Keras loss function."""

import torch
import torch.nn.functional as F

from cornu.losses import crossentropy as ce
from cornu.losses import hinge_losses as hinge_lib
from cornu.losses import metric_learning
from cornu.losses import overlap
from cornu.losses import regression as reg
from cornu.losses.ctc_loss import ctc
from cornu.losses.loss import Loss, squeeze_or_expand_to_same_rank
from cornu.saving import serialization_lib


class LossFunctionWrapper(Loss):
    """Turns a function `fn(y_true, y_pred, **kwargs)` into a `Loss`.

    Args:
        fn: the per-sample loss function.
        reduction: how per-sample losses are reduced.
        name: name of the loss instance.
        dtype: dtype of the computation.
        **kwargs: passed to `fn` on every call.
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config["fn"] = serialization_lib.serialize_keras_object(self.fn)
        config.update(serialization_lib.serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("fn"), (dict, str)):
            from cornu.losses import ALL_OBJECTS_DICT

            config["fn"] = serialization_lib.deserialize_keras_object(
                config["fn"], module_objects=ALL_OBJECTS_DICT)
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


class _FixedFunctionLoss(LossFunctionWrapper):
    """A wrapper around a fixed function whose config lists only its own arguments."""

    _config_keys = ()

    def get_config(self):
        config = Loss.get_config(self)
        config.update({k: getattr(self, k) for k in self._config_keys})
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return Loss.__repr__(self)


def _simple(class_name, fn, default_name, doc):
    def __init__(self, reduction="sum_over_batch_size", name=default_name, dtype=None):
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, dtype=dtype)

    __init__.__doc__ = None
    return type(class_name, (_FixedFunctionLoss,), {
        "__init__": __init__, "__module__": __name__,
        "__doc__": f"{doc}\n\n    Args:\n        reduction: how per-sample losses are reduced.\n"
                   "        name: name of the loss instance.\n        dtype: dtype of the computation.\n",
    })


MeanSquaredError = _simple("MeanSquaredError", reg.mean_squared_error, "mean_squared_error",
                           "Mean of squares of errors between labels and predictions.")
MeanAbsoluteError = _simple("MeanAbsoluteError", reg.mean_absolute_error, "mean_absolute_error",
                            "Mean of absolute errors between labels and predictions.")
MeanAbsolutePercentageError = _simple(
    "MeanAbsolutePercentageError", reg.mean_absolute_percentage_error,
    "mean_absolute_percentage_error", "Mean absolute percentage error.")
MeanSquaredLogarithmicError = _simple(
    "MeanSquaredLogarithmicError", reg.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error", "Mean squared logarithmic error.")
LogCosh = _simple("LogCosh", reg.log_cosh, "log_cosh", "Logarithm of the hyperbolic cosine of the error.")
Hinge = _simple("Hinge", hinge_lib.hinge, "hinge", "Hinge loss for {-1, 1} (or {0, 1}) labels.")
SquaredHinge = _simple("SquaredHinge", hinge_lib.squared_hinge, "squared_hinge", "Squared hinge loss.")
CategoricalHinge = _simple("CategoricalHinge", hinge_lib.categorical_hinge, "categorical_hinge",
                           "Categorical hinge loss for one-hot labels.")
KLDivergence = _simple("KLDivergence", reg.kl_divergence, "kl_divergence",
                       "Kullback-Leibler divergence between label and predicted distributions.")
Poisson = _simple("Poisson", reg.poisson, "poisson", "Poisson loss: `y_pred - y_true * log(y_pred)`.")
CTC = _simple("CTC", ctc, "ctc", "Connectionist temporal classification loss.")


class CosineSimilarity(_FixedFunctionLoss):
    """Negative cosine similarity between labels and predictions.

    Args:
        axis: the axis along which similarity is computed.
        reduction: how per-sample losses are reduced.
        name: name of the loss instance.
        dtype: dtype of the computation.
    """

    _config_keys = ("axis",)

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(reg.cosine_similarity, name=name, reduction=reduction, dtype=dtype,
                         axis=axis)
        self.axis = axis


class Huber(_FixedFunctionLoss):
    """Huber loss: quadratic for small errors, linear for large ones.

    Args:
        delta: the error size where the loss turns linear.
        reduction: how per-sample losses are reduced.
        name: name of the loss instance.
        dtype: dtype of the computation.
    """

    _config_keys = ("delta",)

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(reg.huber, name=name, reduction=reduction, dtype=dtype, delta=delta)
        self.delta = delta


class BinaryCrossentropy(_FixedFunctionLoss):
    """Cross-entropy between binary labels and predicted probabilities (or logits).

    Args:
        from_logits: whether `y_pred` holds logits.
        label_smoothing: squeezes labels towards 0.5 by this amount.
        axis: the axis to average over.
        reduction: how per-sample losses are reduced.
        name: name of the loss instance.
        dtype: dtype of the computation.
    """

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(ce.binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class BinaryFocalCrossentropy(_FixedFunctionLoss):
    """Focal cross-entropy for binary labels: down-weights easy examples.

    Args:
        apply_class_balancing: weight positives by `alpha`, negatives by `1 - alpha`.
        alpha: class balancing weight.
        gamma: focusing parameter.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: squeezes labels towards 0.5 by this amount.
        axis: the axis to average over.
        reduction: how per-sample losses are reduced.
        name: name of the loss instance.
        dtype: dtype of the computation.
    """

    _config_keys = ("from_logits", "label_smoothing", "axis", "apply_class_balancing",
                    "alpha", "gamma")

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(ce.binary_focal_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, apply_class_balancing=apply_class_balancing, alpha=alpha,
                         gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis
        self.apply_class_balancing, self.alpha, self.gamma = apply_class_balancing, alpha, gamma


class CategoricalCrossentropy(_FixedFunctionLoss):
    """Cross-entropy between one-hot labels and predicted class probabilities (or logits).

    Args:
        from_logits: whether `y_pred` holds logits.
        label_smoothing: mixes labels with the uniform distribution by this amount.
        axis: the class axis.
        reduction: how per-sample losses are reduced.
        name: name of the loss instance.
        dtype: dtype of the computation.
    """

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(ce.categorical_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class CategoricalFocalCrossentropy(_FixedFunctionLoss):
    """Focal cross-entropy for one-hot labels.

    Args:
        alpha: weighting factor.
        gamma: focusing parameter.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: mixes labels with the uniform distribution by this amount.
        axis: the class axis.
        reduction: how per-sample losses are reduced.
        name: name of the loss instance.
        dtype: dtype of the computation.
    """

    _config_keys = ("from_logits", "label_smoothing", "axis", "alpha", "gamma")

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(ce.categorical_focal_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis
        self.alpha, self.gamma = alpha, gamma


_LABEL_DTYPES = frozenset((torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8,
                           torch.float32))


class SparseCategoricalCrossentropy(_FixedFunctionLoss):
    """Cross-entropy between integer class labels and predicted class scores.

    Args:
        from_logits: whether `y_pred` holds logits.
        ignore_class: a label whose entries are left out of the loss.
        reduction: how per-sample losses are reduced.
        axis: the class axis of `y_pred`.
        name: name of the loss instance.
        dtype: dtype of the computation.
    """

    _config_keys = ("from_logits", "ignore_class")

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(ce.sparse_categorical_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)
        self.from_logits, self.ignore_class, self.axis = from_logits, ignore_class, axis
        self._fast = (from_logits and ignore_class is None and axis == -1
                      and self.reduction in ("sum_over_batch_size", "mean"))

    def __call__(self, y_true, y_pred, sample_weight=None):
        # Hot path: one fused `F.cross_entropy` (mean over the batch equals
        # "sum_over_batch_size" when there are no weights and no mask).
        if (self._fast and sample_weight is None and type(y_pred) is torch.Tensor
                and type(y_true) is torch.Tensor and y_pred.dtype == self._torch_dtype
                and y_true.dtype in _LABEL_DTYPES and y_true.device == y_pred.device):
            if y_true.dtype != torch.int64:
                y_true = y_true.long()
            shape = y_pred.shape
            if (len(shape) == 2 and y_true.dim() == 1 and y_true.shape[0] == shape[0] > 0
                    and getattr(y_pred, "_keras_mask", None) is None):
                return F.cross_entropy(y_pred, y_true)
            if (len(shape) > 2 and shape[0] > 0 and getattr(y_pred, "_keras_mask", None) is None
                    and (y_true.shape == shape[:-1] or y_true.shape == shape[:-1] + (1,))):
                return F.cross_entropy(y_pred.reshape(-1, shape[-1]), y_true.reshape(-1))
        return super().__call__(y_true, y_pred, sample_weight)


class Dice(_FixedFunctionLoss):
    """Dice loss `1 - 2|A∩B| / (|A| + |B|)` with soft counts.

    Args:
        reduction: how per-sample losses are reduced.
        name: name of the loss instance.
        axis: axes to reduce, or None for all.
        dtype: dtype of the computation.
    """

    _config_keys = ("axis",)

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(overlap.dice, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis


class Tversky(_FixedFunctionLoss):
    """Tversky loss, a Dice loss with separate weights for false positives and negatives.

    Args:
        alpha: weight of false positives.
        beta: weight of false negatives.
        reduction: how per-sample losses are reduced.
        name: name of the loss instance.
        axis: axes to reduce, or None for all.
        dtype: dtype of the computation.
    """

    _config_keys = ("alpha", "beta", "axis")

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(overlap.tversky, name=name, reduction=reduction, dtype=dtype,
                         alpha=alpha, beta=beta, axis=axis)
        self.alpha, self.beta, self.axis = alpha, beta, axis


class CategoricalGeneralizedCrossEntropy(_FixedFunctionLoss):
    """Generalized cross-entropy, robust to noisy labels.

    Args:
        q: in (0, 1); small values approach cross-entropy, 1 gives MAE.
        reduction: how per-sample losses are reduced.
        name: name of the loss instance.
        dtype: dtype of the computation.
    """

    _config_keys = ("q",)

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError(f"Argument `q` must be in the interval (0, 1). Received: q={q}")
        super().__init__(ce.categorical_generalized_cross_entropy, name=name,
                         reduction=reduction, dtype=dtype, q=q)
        self.q = q


class Circle(_FixedFunctionLoss):
    """Circle loss between integer labels and L2-normalized embeddings (see `circle`).

    Same-label pairs are pulled together and other-label pairs pushed apart, each pair
    weighted by how far it is from its optimum. Give it a model whose output is an
    embedding without activation, followed by `UnitNormalization`.

    Args:
        gamma: scale of the pair logits.
        margin: relaxation margin.
        remove_diagonal: leave each embedding's pair with itself out of the positives.
        reduction: how per-sample losses are reduced (rows with a zero loss are masked).
        name: name of the loss instance.
        dtype: dtype of the computation.
    """

    _config_keys = ("gamma", "margin", "remove_diagonal")

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(metric_learning.circle, name=name, reduction=reduction, dtype=dtype,
                         gamma=gamma, margin=margin, remove_diagonal=remove_diagonal)
        self.gamma, self.margin, self.remove_diagonal = gamma, margin, remove_diagonal
