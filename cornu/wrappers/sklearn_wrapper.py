"""`SKLearnClassifier`, `SKLearnRegressor`, `SKLearnTransformer`: scikit-learn estimators
around a compiled cornu model, as `keras.wrappers` provides them.

scikit-learn is optional: this module imports without it, and building a wrapper then raises
an `ImportError` naming the package.
"""

import numpy as np

from cornu.wrappers.sklearn_utils import (
    BaseEstimator,
    TargetReshaper,
    assert_sklearn_installed,
    check_model,
    routing_enabled,
    sklearn,
    type_of_target,
    validate_data,
)

if sklearn is not None:
    from sklearn.base import ClassifierMixin, RegressorMixin, TransformerMixin
else:
    class ClassifierMixin:
        pass

    class RegressorMixin:
        pass

    class TransformerMixin:
        pass

_ARGS_DOC = """Note that there are sources of randomness in model initialization and training; seed
    them (`keras.utils.set_random_seed`) for reproducible results.

    Args:
        model: `Model`. An instance of `Model`, or a callable returning such an object.
            Note that if input is a `Model`, it will be cloned using
            `keras.models.clone_model` before being fitted, unless `warm_start=True`.
            The `Model` instance needs to be passed as already compiled.
            If callable, it must accept at least `X` and `y` as keyword arguments. Other
            arguments must be accepted if passed as `model_kwargs` by the user.
        warm_start: bool, defaults to `False`. Whether to reuse the model weights from the
            previous fit. If `True`, the given model won't be cloned and the weights from
            the previous fit will be reused.
        model_kwargs: dict, defaults to `None`. Keyword arguments passed to `model`, if
            `model` is callable.
        fit_kwargs: dict, defaults to `None`. Keyword arguments passed to `model.fit`. These
            can also be passed directly to the `fit` method of the scikit-learn wrapper.
            The values passed directly to the `fit` method take precedence over these.
"""


class SKLBase(BaseEstimator):
    """Base class for the scikit-learn wrappers.

    {args}
    Attributes:
        model_: `Model`. The fitted model.
        history_: `History`. The history of the fit, returned by `model.fit`.
    """

    # Whether `fit` takes 2-D targets, shape (n_samples, n_outputs).
    _multi_output = False

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        assert_sklearn_installed(self.__class__.__name__)
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def _more_tags(self):  # scikit-learn < 1.6
        return {"non_deterministic": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = True
        tags.target_tags.multi_output = self._multi_output
        return tags

    def __sklearn_clone__(self):
        """An unfitted copy with the same parameters (used by `sklearn.base.clone`).

        A `Model` passed as `model` is shared, not copied: `fit` clones it anyway unless
        `warm_start=True`.
        """
        return type(self)(**self.get_params(deep=False))

    @property
    def epoch_(self):
        """The number of epochs the last `fit` ran (0 before fitting)."""
        history = getattr(self, "history_", None)
        return len(history.epoch) if history is not None else 0

    def set_fit_request(self, **kwargs):
        """Set the metadata `fit` requests, for scikit-learn's metadata routing.

        Args:
            **kwargs: `param_name=alias`, with `alias` one of `True`, `False`, `None` or a
                string.

        Returns:
            self
        """
        if not routing_enabled():
            raise RuntimeError(
                "This method is only available when metadata routing is enabled. You can "
                "enable it using sklearn.set_config(enable_metadata_routing=True).")
        requests = self._get_metadata_request()
        for param, alias in kwargs.items():
            requests.fit.add_request(param=param, alias=alias)
        self._metadata_request = requests
        return self

    def _get_model(self, X, y):
        from cornu.models import Model, clone_model

        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        if isinstance(self.model, Model):
            if self.warm_start:
                return self.model
            model = clone_model(self.model)
            if self.model.compiled and not model.compiled:
                model.compile_from_config(self.model.get_compile_config())
            return model
        if not callable(self.model):
            raise TypeError(
                f"{self.__class__.__name__}: `model` must be a compiled `Model` or a callable "
                f"returning one. Received: model={self.model!r}")
        return self.model(X=X, y=y, **(self.model_kwargs or {}))

    def fit(self, X, y, **kwargs):
        """Fit the model.

        Args:
            X: array-like, shape=(n_samples, n_features). The input samples.
            y: array-like, shape=(n_samples,) or (n_samples, n_outputs). The targets.
            **kwargs: keyword arguments passed to `model.fit`.

        Returns:
            self
        """
        X, y = validate_data(self, X, y, multi_output=self._multi_output)
        y = self._process_target(y, reset=True)
        model = self._get_model(X, y)
        check_model(model)
        fit_kwargs = dict(self.fit_kwargs or {})
        fit_kwargs.update(kwargs)
        self.history_ = model.fit(X, y, **fit_kwargs)
        self.model_ = model
        return self

    def predict(self, X):
        """Predict using the model."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return self._reverse_process_target(self.model_.predict(X))

    def _process_target(self, y, reset=False):
        """Regressors and transformers only reshape 1-D targets to columns."""
        type_of_target(y, raise_unknown=True)
        if reset:
            self._target_encoder = TargetReshaper().fit(y)
        return self._target_encoder.transform(y)

    def _reverse_process_target(self, y):
        return self._target_encoder.inverse_transform(y)


class SKLearnClassifier(ClassifierMixin, SKLBase):
    """scikit-learn compatible classifier wrapper for Keras models.

    Targets are one-hot encoded before `model.fit` (so the model needs one output unit per
    class, also for binary targets), and `predict` maps the model's outputs back to the
    original labels through the encoder (the class with the largest output).

    {args}
    Attributes:
        model_: `Model`. The fitted model.
        history_: `History`. The history of the fit, returned by `model.fit`.
        classes_: array-like, shape=(n_classes,). The class labels.

    Example:

    ```python
    from sklearn.datasets import make_classification
    from keras.wrappers import SKLearnClassifier

    def dynamic_model(X, y, loss, layers=[10]):
        inp = keras.Input(shape=(X.shape[1],))
        hidden = inp
        for size in layers:
            hidden = keras.layers.Dense(size, activation="relu")(hidden)
        out = keras.layers.Dense(y.shape[1], activation="softmax")(hidden)
        model = keras.Model(inp, out)
        model.compile(loss=loss, optimizer="rmsprop")
        return model

    X, y = make_classification(n_samples=1000, n_features=10)
    est = SKLearnClassifier(model=dynamic_model,
                            model_kwargs={"loss": "categorical_crossentropy"})
    est.fit(X, y, epochs=5)
    ```
    """

    def decision_function(self, X):
        """The model's raw outputs."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return self.model_.predict(X)

    def _process_target(self, y, reset=False):
        """Classifiers one-hot encode the labels."""
        target_type = type_of_target(y, raise_unknown=True)
        if target_type not in ["binary", "multiclass"]:
            raise ValueError(
                "Only binary and multiclass target types are supported."
                f" Target type: {target_type}")
        if reset:
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import OneHotEncoder

            self._target_encoder = make_pipeline(
                TargetReshaper(), OneHotEncoder(sparse_output=False)).fit(y)
            self.classes_ = np.unique(y)
            if len(self.classes_) == 1:
                raise ValueError("Classifier can't train when only one class is present.")
        return self._target_encoder.transform(y)

    def _more_tags(self):  # scikit-learn < 1.6
        return {"poor_score": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        return tags


class SKLearnRegressor(RegressorMixin, SKLBase):
    """scikit-learn compatible regressor wrapper for Keras models.

    `y` may be 1-D or 2-D, shape (n_samples, n_outputs). A 1-D target is passed to
    `model.fit` as one column and `predict` returns 1-D again.

    {args}
    Attributes:
        model_: `Model`. The fitted model.
        history_: `History`. The history of the fit, returned by `model.fit`.

    Example:

    ```python
    from sklearn.datasets import make_regression
    from keras.wrappers import SKLearnRegressor

    def dynamic_model(X, y, loss):
        inp = keras.Input(shape=(X.shape[1],))
        hidden = keras.layers.Dense(20, activation="relu")(inp)
        model = keras.Model(inp, keras.layers.Dense(y.shape[1])(hidden))
        model.compile(loss=loss, optimizer="rmsprop")
        return model

    X, y = make_regression(n_samples=1000, n_features=10)
    est = SKLearnRegressor(model=dynamic_model, model_kwargs={"loss": "mse"})
    est.fit(X, y, epochs=5)
    ```
    """

    _multi_output = True

    def _more_tags(self):  # scikit-learn < 1.6
        return {"poor_score": True, "multioutput": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


class SKLearnTransformer(TransformerMixin, SKLBase):
    """scikit-learn compatible transformer wrapper for Keras models.

    This is a scikit-learn transformer (a pipeline step whose `transform` returns the
    model's outputs, e.g. embeddings), not a transformer in the deep-learning sense. `fit`
    takes 1-D or 2-D targets.

    {args}
    Attributes:
        model_: `Model`. The fitted model.
        history_: `History`. The history of the fit, returned by `model.fit`.

    Example:

    ```python
    from sklearn.frozen import FrozenEstimator  # scikit-learn >= 1.6
    from sklearn.pipeline import make_pipeline
    from sklearn.ensemble import HistGradientBoostingClassifier

    trs = FrozenEstimator(SKLearnTransformer(model=my_model))
    pipe = make_pipeline(trs, HistGradientBoostingClassifier())
    pipe.fit(X, y)
    ```
    """

    def transform(self, X):
        """Transform the data.

        Args:
            X: array-like, shape=(n_samples, n_features). The input samples.

        Returns:
            The model's outputs for `X`.
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return self.model_.predict(X)

    _multi_output = True

    def _more_tags(self):  # scikit-learn < 1.6
        return {"preserves_dtype": [], "multioutput": True}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags


for _cls in (SKLBase, SKLearnClassifier, SKLearnRegressor, SKLearnTransformer):
    _cls.__doc__ = _cls.__doc__.replace("{args}", _ARGS_DOC.strip("\n") + "\n")
