"""`keras.wrappers`: scikit-learn estimators around cornu models, checked against Keras 3's
wrappers (same initial weights, same data) and against the wrapped model itself."""

import subprocess
import sys

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.datasets import load_iris, make_regression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import NotFittedError

import cornu
from cornu.wrappers import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer

keras = pytest.importorskip("keras")


def _initial_weights(n_in, hidden, n_out):
    rng = np.random.default_rng(7)
    return [rng.normal(0, 0.4, (n_in, hidden)).astype("float32"),
            rng.normal(0, 0.1, (hidden,)).astype("float32"),
            rng.normal(0, 0.4, (hidden, n_out)).astype("float32"),
            rng.normal(0, 0.1, (n_out,)).astype("float32")]


def make_builder(lib):
    """A model-building callable for `lib` (cornu or keras) with fixed initial weights, so
    every fit, clone and library starts from the same point."""

    def build(X, y, loss, activation=None, hidden=8, learning_rate=0.05):
        inputs = lib.Input((X.shape[1],))
        x = lib.layers.Dense(hidden, activation="tanh")(inputs)
        model = lib.Model(inputs, lib.layers.Dense(y.shape[1], activation=activation)(x))
        model.set_weights(_initial_weights(X.shape[1], hidden, y.shape[1]))
        model.compile(loss=loss, optimizer=lib.optimizers.SGD(learning_rate))
        return model

    return build


FIT = {"epochs": 4, "batch_size": 16, "shuffle": False, "verbose": 0}


def _iris():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype("float32")
    return X, y


def _classifier(wrappers, lib, **kwargs):
    return wrappers.SKLearnClassifier(
        model=make_builder(lib),
        model_kwargs={"loss": "categorical_crossentropy", "activation": "softmax"},
        fit_kwargs=dict(FIT), **kwargs)


def test_classifier_matches_keras_and_its_model():
    X, y = _iris()
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    ours = _classifier(cornu.wrappers, cornu).fit(X, labels)
    theirs = _classifier(keras.wrappers, keras).fit(X, labels)

    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    for w_ours, w_theirs in zip(ours.model_.get_weights(), theirs.model_.get_weights()):
        np.testing.assert_allclose(w_ours, w_theirs, rtol=1e-4, atol=1e-5)
    raw = ours.model_.predict(X, verbose=0)
    np.testing.assert_allclose(ours.decision_function(X), raw)
    np.testing.assert_allclose(raw, theirs.decision_function(X), rtol=1e-4, atol=1e-5)
    predicted = ours.predict(X)
    np.testing.assert_array_equal(predicted, ours.classes_[raw.argmax(axis=1)])
    np.testing.assert_array_equal(predicted, theirs.predict(X))
    assert ours.score(X, labels) == pytest.approx(accuracy_score(labels, predicted))
    assert ours.score(X, labels) > 0.7
    assert ours.n_features_in_ == 4 and ours.epoch_ == FIT["epochs"]
    assert ours.history_.history["loss"] == pytest.approx(theirs.history_.history["loss"],
                                                          rel=1e-4)


def test_regressor_matches_keras_and_its_model():
    X, y = make_regression(n_samples=120, n_features=5, noise=0.1, random_state=0)
    X, y = X.astype("float32"), (y / np.abs(y).max()).astype("float32")

    def regressor(wrappers, lib):
        return wrappers.SKLearnRegressor(model=make_builder(lib), model_kwargs={"loss": "mse"},
                                         fit_kwargs=dict(FIT, epochs=6))

    ours = regressor(cornu.wrappers, cornu).fit(X, y)
    theirs = regressor(keras.wrappers, keras).fit(X, y)
    predicted = ours.predict(X)
    assert predicted.shape == y.shape
    np.testing.assert_allclose(predicted, ours.model_.predict(X, verbose=0)[:, 0])
    np.testing.assert_allclose(predicted, theirs.predict(X), rtol=1e-4, atol=1e-5)
    assert ours.score(X, y) == pytest.approx(r2_score(y, predicted), rel=1e-5)
    assert ours.score(X, y) > 0.5
    # A 2-D target stays 2-D (Keras 3.15's wrapper rejects it, although it documents it).
    two = np.stack([y, -y], axis=1)
    assert regressor(cornu.wrappers, cornu).fit(X, two).predict(X).shape == (120, 2)


def test_transformer_outputs_the_model_and_feeds_a_pipeline():
    X, y = _iris()
    target = y.astype("float32")

    def transformer(wrappers, lib):
        return wrappers.SKLearnTransformer(model=make_builder(lib),
                                           model_kwargs={"loss": "mse", "hidden": 6},
                                           fit_kwargs=FIT)

    ours = transformer(cornu.wrappers, cornu)
    out = ours.fit_transform(X, target)
    np.testing.assert_allclose(out, ours.model_.predict(X, verbose=0))
    theirs = transformer(keras.wrappers, keras).fit(X, target)
    np.testing.assert_allclose(out, theirs.transform(X), rtol=1e-4, atol=1e-5)
    # 2-D targets (e.g. one-hot codes) give one feature per column.
    onehot = np.eye(3, dtype="float32")[y]
    assert transformer(cornu.wrappers, cornu).fit_transform(X, onehot).shape == (150, 3)

    pipe = make_pipeline(transformer(cornu.wrappers, cornu), LogisticRegression())
    pipe.fit(X, y)
    features = pipe[0].transform(X)
    np.testing.assert_array_equal(pipe.predict(X), pipe[-1].predict(features))


def test_pipeline_and_cross_val_score_use_fresh_clones():
    X, y = load_iris(return_X_y=True)  # unscaled: the pipeline scales it
    pipe = Pipeline([("scale", StandardScaler()),
                     ("net", _classifier(cornu.wrappers, cornu))])
    cv = KFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(pipe, X, y, cv=cv)

    # Each fold is a clone fitted from the builder's fixed weights: the same as by hand.
    expected = []
    for train, test in cv.split(X, y):
        fold = clone(pipe).fit(X[train], y[train])
        expected.append(fold.score(X[test], y[test]))
    np.testing.assert_allclose(scores, expected)
    assert not hasattr(pipe.named_steps["net"], "model_")  # the original stays unfitted
    assert scores.mean() > 0.6


def test_get_params_set_params_and_clone():
    est = _classifier(cornu.wrappers, cornu)
    params = est.get_params()
    assert set(params) == {"model", "warm_start", "model_kwargs", "fit_kwargs"}
    est.set_params(model_kwargs={"loss": "categorical_crossentropy", "activation": "softmax",
                                 "hidden": 3}, warm_start=True)
    copy = clone(est)
    assert copy is not est and copy.get_params() == est.get_params()
    assert copy.fit_kwargs == FIT  # Keras 3.15's clone drops `fit_kwargs`
    X, y = _iris()
    est.fit(X, y, epochs=1)
    assert est.fit_kwargs == FIT  # arguments to `fit` do not leak into the parameters
    assert est.model_.layers[1].units == 3
    assert not hasattr(clone(est), "model_")


def test_model_instance_is_cloned_unless_warm_start():
    X, y = _iris()
    onehot = np.eye(3, dtype="float32")[y]
    model = make_builder(cornu)(X, onehot, "categorical_crossentropy", "softmax")
    before = model.get_weights()

    est = SKLearnClassifier(model=model, fit_kwargs=FIT).fit(X, y)
    assert est.model_ is not model and est.model_.compiled
    for w, w0 in zip(model.get_weights(), before):
        np.testing.assert_array_equal(w, w0)
    # Cloning builds new weights; with the original's weights it trains like the model.
    reference = make_builder(cornu)(X, onehot, "categorical_crossentropy", "softmax")
    reference.fit(X, onehot, **FIT)
    est = SKLearnClassifier(model=model, warm_start=True, fit_kwargs=FIT).fit(X, y)
    assert est.model_ is model
    np.testing.assert_allclose(model.predict(X, verbose=0), reference.predict(X, verbose=0),
                               rtol=1e-5, atol=1e-6)
    # A second warm fit continues from the first one's weights.
    est.fit(X, y)
    reference.fit(X, onehot, **FIT)
    np.testing.assert_allclose(est.decision_function(X), reference.predict(X, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_cold_refit_restarts_from_the_builder():
    X, y = _iris()
    est = _classifier(cornu.wrappers, cornu).fit(X, y)
    first = est.decision_function(X)
    est.fit(X, y)
    np.testing.assert_allclose(est.decision_function(X), first, rtol=1e-5, atol=1e-6)


def test_tags_match_keras():
    for name in ("SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"):
        ours = getattr(cornu.wrappers, name)(model=make_builder(cornu)).__sklearn_tags__()
        theirs = getattr(keras.wrappers, name)(model=make_builder(keras)).__sklearn_tags__()
        # cornu's regressor and transformer take 2-D targets, as Keras documents.
        assert ours.target_tags.multi_output == (name != "SKLearnClassifier")
        ours.target_tags.multi_output = theirs.target_tags.multi_output
        assert ours == theirs
        assert ours.non_deterministic


def test_errors():
    X, y = _iris()
    with pytest.raises(NotFittedError):
        _classifier(cornu.wrappers, cornu).predict(X)

    def uncompiled(X, y):
        inputs = cornu.Input((X.shape[1],))
        return cornu.Model(inputs, cornu.layers.Dense(y.shape[1])(inputs))

    with pytest.raises(RuntimeError, match="needs to be compiled"):
        SKLearnRegressor(model=uncompiled).fit(X, y)
    with pytest.raises(ValueError, match="binary and multiclass"):
        _classifier(cornu.wrappers, cornu).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="1d array"):
        _classifier(cornu.wrappers, cornu).fit(X, np.eye(3)[y])
    with pytest.raises(ValueError, match="only one class"):
        _classifier(cornu.wrappers, cornu).fit(X, np.zeros(len(X)))
    with pytest.raises(TypeError, match="`model` must be"):
        SKLearnRegressor(model="mlp").fit(X, y)
    with pytest.raises(RuntimeError, match="metadata routing"):
        SKLearnRegressor(model=uncompiled).set_fit_request(sample_weight=True)


def test_sample_weight_is_routed_to_fit():
    X, y = _iris()
    weights = np.linspace(0.1, 2.0, len(X)).astype("float32")
    with sklearn.config_context(enable_metadata_routing=True):
        est = _classifier(cornu.wrappers, cornu).set_fit_request(sample_weight=True)
        est.set_score_request(sample_weight=False)
        cv = KFold(2, shuffle=True, random_state=1)
        scores = cross_val_score(est, X, y, cv=cv, params={"sample_weight": weights})
        expected = []
        for train, test in cv.split(X, y):
            fold = _classifier(cornu.wrappers, cornu)
            fold.fit(X[train], y[train], sample_weight=weights[train])
            expected.append(fold.score(X[test], y[test]))
    np.testing.assert_allclose(scores, expected)


def test_missing_scikit_learn_names_the_package():
    code = ("import sys; sys.modules['sklearn'] = None\n"
            "import cornu\n"
            "from cornu.wrappers import SKLearnClassifier\n"
            "try:\n"
            "    SKLearnClassifier(model=None)\n"
            "except ImportError as e:\n"
            "    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert "SKLearnClassifier requires `scikit-learn`" in out
    assert "pip install scikit-learn" in out


def _mlp(X, y, loss, activation=None):
    """Seeded weights and unshuffled batches make every fit reproducible, so scikit-learn's
    checks that fit twice and compare apply."""
    inputs = cornu.Input((X.shape[1],))
    init = cornu.initializers.GlorotUniform(seed=1)
    x = cornu.layers.Dense(10, activation="relu", kernel_initializer=init)(inputs)
    n_out = y.shape[1] if y.ndim > 1 else 1
    out = cornu.layers.Dense(n_out, activation=activation, kernel_initializer=init)(x)
    model = cornu.Model(inputs, out)
    model.compile(loss=loss, optimizer="rmsprop")
    return model


_INT_INPUTS = ("cornu's Functional model does not cast int64 inputs to the Input's float32 "
               "as Keras does (its Dense then fails on int64 @ float32)")
_NOT_EXPECTED_TO_PASS = {
    # As in Keras 3.15's list:
    "check_parameters_default_constructible": "`model` has no default",
    "check_classifiers_classes": "small fits do not always predict every class",
    "check_classifiers_train": "decision_function returns the model's raw outputs",
    # cornu's:
    "check_estimators_dtypes": _INT_INPUTS,
    "check_classifier_data_not_an_array": _INT_INPUTS,
    "check_regressor_multioutput": "predictions are the model's float32, not float64",
}


@pytest.mark.parametrize("estimator", [
    SKLearnClassifier(model=_mlp, model_kwargs={"loss": "categorical_crossentropy",
                                                "activation": "softmax"},
                      fit_kwargs={"epochs": 5, "verbose": 0, "shuffle": False}),
    SKLearnRegressor(model=_mlp, model_kwargs={"loss": "mse"},
                     fit_kwargs={"verbose": 0, "shuffle": False}),
    SKLearnTransformer(model=_mlp, model_kwargs={"loss": "mse"},
                       fit_kwargs={"verbose": 0, "shuffle": False}),
], ids=lambda est: type(est).__name__)
def test_scikit_learn_estimator_checks(estimator):
    from sklearn.utils.estimator_checks import check_estimator

    results = check_estimator(estimator, expected_failed_checks=_NOT_EXPECTED_TO_PASS,
                              on_fail=None)
    failed = {r["check_name"]: repr(r["exception"]) for r in results
              if r["status"] == "failed"}
    assert not failed, sorted(failed)
    assert sum(r["status"] == "passed" for r in results) > 30


def test_fitted_wrapper_pickles():
    """scikit-learn persists estimators with pickle / joblib; the fitted model travels too."""
    import pickle

    X, y = _iris()
    est = SKLearnClassifier(model=_mlp, model_kwargs={"loss": "categorical_crossentropy",
                                                      "activation": "softmax"},
                            fit_kwargs=FIT).fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_allclose(restored.decision_function(X), est.decision_function(X))
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))
    assert restored.get_params() == est.get_params()


def test_importing_cornu_wrappers_leaves_scikit_learn_unloaded():
    code = ("import sys, cornu, cornu.wrappers\n"
            "assert 'sklearn' not in sys.modules\n"
            "cornu.wrappers.SKLearnRegressor\n"
            "assert 'sklearn' in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)
