"""`compute_metrics`, `get_metrics_result` and metrics held as attributes, run on cornu and
on Keras with the same weights and data."""

import keras
import numpy as np
import pytest

import cornu

X = np.linspace(-1, 1, 48).reshape(16, 3).astype("float32")
Y = np.stack([np.sin(3 * X[:, 0]), X[:, 1] * X[:, 2]], axis=1).astype("float32")


def _overriding_compute_metrics(K):
    """Keras's `compute_metrics` docstring example."""

    class MyModel(K.Sequential):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.custom_metric = K.metrics.MeanAbsoluteError(name="custom_metric")

        def compute_metrics(self, x, y, y_pred, sample_weight=None):
            results = super().compute_metrics(x, y, y_pred, sample_weight)
            self.custom_metric.update_state(y, 2.0 * y_pred)
            results["custom_metric"] = self.custom_metric.result()
            return results

    return MyModel([K.Input((3,)), K.layers.Dense(4, activation="tanh"), K.layers.Dense(2)])


def _metric_in_a_layer(K):
    """A layer that tracks the mean of its inputs' absolute values in a `Mean` metric."""

    class Probe(K.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.activity = K.metrics.Mean(name="activity")

        def call(self, x):
            self.activity.update_state(K.ops.abs(x))
            return x

    inputs = K.Input((3,))
    hidden = Probe()(K.layers.Dense(4, activation="tanh")(inputs))
    return K.Model(inputs, K.layers.Dense(2)(hidden))


def _trained(K, build):
    model = build(K)
    model.set_weights([np.random.default_rng(i).normal(size=w.shape).astype("float32")
                       for i, w in enumerate(model.get_weights())])
    model.compile(K.optimizers.SGD(0.05), "mse", metrics=["mae"])
    history = model.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0,
                        validation_data=(X, Y))
    evaluation = model.evaluate(X, Y, batch_size=4, verbose=0, return_dict=True)
    return model, history.history, evaluation


@pytest.mark.parametrize("build", [_overriding_compute_metrics, _metric_in_a_layer])
def test_logs_match_keras(build):
    _, keras_history, keras_eval = _trained(keras, build)
    model, history, evaluation = _trained(cornu, build)
    assert set(history) == set(keras_history)
    for key, values in keras_history.items():
        np.testing.assert_allclose(history[key], values, rtol=1e-5, err_msg=key)
    assert set(evaluation) == set(keras_eval)
    for key, value in keras_eval.items():
        np.testing.assert_allclose(evaluation[key], value, rtol=1e-5, err_msg=key)
    results = {k: float(np.asarray(v)) for k, v in model.get_metrics_result().items()}
    np.testing.assert_allclose([results[k] for k in sorted(keras_eval)],
                               [keras_eval[k] for k in sorted(keras_eval)], rtol=1e-5)


def test_attribute_metrics_are_listed_and_reset_like_keras():
    keras_model = _overriding_compute_metrics(keras)
    model = _overriding_compute_metrics(cornu)
    for m in (keras_model, model):
        m.compile("sgd", "mse", metrics=["mae"])
    assert [m.name for m in model.metrics] == [m.name for m in keras_model.metrics]
    model.custom_metric.update_state(Y, Y + 1.0)
    model.reset_metrics()
    assert float(model.custom_metric.result()) == 0.0


def test_metrics_of_a_sub_models_layers_are_listed_like_keras():
    def build(K):
        inner = _metric_in_a_layer(K)
        inputs = K.Input((3,))
        outer = K.Model(inputs, inner(inputs))
        outer.compile("sgd", "mse")
        return outer

    assert ([m.name for m in build(cornu).metrics]
            == [m.name for m in build(keras).metrics] == ["loss", "activity"])
