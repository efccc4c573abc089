"""Running means of probabilistic losses and hinge losses, as metrics."""

from cornu.losses import crossentropy as ce
from cornu.losses import hinge_losses
from cornu.losses import regression as reg
from cornu.losses.loss import prepare_pair, squeeze_or_expand_to_same_rank
from cornu.metrics.reduction_metrics import FixedMeanMetric

_ARGS = ("\n\n    Args:\n        name: name of the metric instance.\n"
         "        dtype: dtype of the metric's computations.\n")


def _mean_metric(class_name, fn, default_name, doc):
    def __init__(self, name=default_name, dtype=None):
        FixedMeanMetric.__init__(self, fn, name=name, dtype=dtype)

    return type(class_name, (FixedMeanMetric,), {"__init__": __init__, "__doc__": doc + _ARGS,
                                                  "__module__": __name__})


KLDivergence = _mean_metric("KLDivergence", reg.kl_divergence, "kl_divergence",
                            "Running mean of the Kullback-Leibler divergence.")
Poisson = _mean_metric("Poisson", reg.poisson, "poisson", "Running mean of the Poisson loss.")
Hinge = _mean_metric("Hinge", hinge_losses.hinge, "hinge", "Running mean of the hinge loss.")
SquaredHinge = _mean_metric("SquaredHinge", hinge_losses.squared_hinge, "squared_hinge",
                            "Running mean of the squared hinge loss.")
CategoricalHinge = _mean_metric("CategoricalHinge", hinge_losses.categorical_hinge,
                                "categorical_hinge", "Running mean of the categorical hinge loss.")


class BinaryCrossentropy(FixedMeanMetric):
    """Running mean of the binary cross-entropy.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: squeezes labels towards 0.5 by this amount.
    """

    _config_keys = ("from_logits", "label_smoothing")

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(_squeezed_bce, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)
        self.from_logits, self.label_smoothing = from_logits, label_smoothing


def _squeezed_bce(y_true, y_pred, **kwargs):
    y_true, y_pred = squeeze_or_expand_to_same_rank(*prepare_pair(y_true, y_pred))
    return ce.binary_crossentropy(y_true, y_pred, **kwargs)


_squeezed_bce.__name__ = "binary_crossentropy"


class CategoricalCrossentropy(FixedMeanMetric):
    """Running mean of the categorical cross-entropy.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: mixes labels with the uniform distribution by this amount.
        axis: the class axis.
    """

    _config_keys = ("from_logits", "label_smoothing", "axis")

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(ce.categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class SparseCategoricalCrossentropy(FixedMeanMetric):
    """Running mean of the sparse categorical cross-entropy.

    Args:
        name: name of the metric instance.
        dtype: dtype of the metric's computations.
        from_logits: whether `y_pred` holds logits.
        ignore_class: a label whose entries get zero loss.
        axis: the class axis.
    """

    _config_keys = ("from_logits", "ignore_class", "axis")

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(ce.sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits, self.ignore_class, self.axis = from_logits, ignore_class, axis
