"""Helpers for the scikit-learn wrappers: the optional import, input validation across
scikit-learn versions, and `TargetReshaper` (1-D targets to 2-D and back)."""

import numpy as np

try:
    import sklearn
    from sklearn.base import BaseEstimator, TransformerMixin
except ImportError:  # scikit-learn is optional; the wrappers say so when built.
    sklearn = None

    class BaseEstimator:
        pass

    class TransformerMixin:
        pass


def assert_sklearn_installed(symbol_name):
    """Raise a clear `ImportError` when scikit-learn is missing."""
    if sklearn is None:
        raise ImportError(
            f"{symbol_name} requires `scikit-learn` to be installed. "
            "Run `pip install scikit-learn` to install it.")


def validate_data(estimator, *args, **kwargs):
    """scikit-learn's input validation: `sklearn.utils.validation.validate_data` from 1.6 on,
    `BaseEstimator._validate_data` before."""
    try:
        from sklearn.utils.validation import validate_data as _validate
    except ImportError:
        return estimator._validate_data(*args, **kwargs)
    return _validate(estimator, *args, **kwargs)


def type_of_target(y, input_name="", *, raise_unknown=False):
    """scikit-learn's `type_of_target`, raising on an `"unknown"` target if asked."""
    from sklearn.utils.multiclass import type_of_target as sk_type_of_target

    target_type = sk_type_of_target(y, input_name=input_name)
    if raise_unknown and target_type == "unknown":
        raise ValueError(f"Unknown label type for {input_name or 'data'}: {y!r}")
    return target_type


def routing_enabled():
    """Whether scikit-learn's metadata routing is switched on."""
    if sklearn is None:
        return False
    return bool(sklearn.get_config().get("enable_metadata_routing", False))


def check_model(model):
    """The wrapped model must be compiled with a loss and an optimizer."""
    if not getattr(model, "compiled", False) or not model.loss or not model.optimizer:
        raise RuntimeError(
            "Given model needs to be compiled, and have a loss and an optimizer. "
            f"Received: model={model!r}")


class TargetReshaper(TransformerMixin, BaseEstimator):
    """Turn 1-D targets into 2-D columns and back, for encoders that want 2-D input.

    Attributes:
        ndim_: int. The number of dimensions of the `y` it was fitted on.
    """

    def fit(self, y):
        self.ndim_ = y.ndim
        return self

    def transform(self, y):
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def inverse_transform(self, y):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        if self.ndim_ == 1 and y.ndim == 2:
            return np.squeeze(y, axis=1)
        return y
