"""`fit` / `evaluate` / `predict` against Keras 3 on the same weights, data and batches."""

import os

import numpy as np
import pytest

import cornu

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")


def _data(seed=0, n=96):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 8)).astype("float32")
    y = rng.integers(0, 3, n)
    return x, y


def _pair(activation="relu"):
    def build(lib):
        return lib.Sequential([lib.Input((8,)), lib.layers.Dense(16, activation=activation),
                               lib.layers.Dense(3)])
    ours, theirs = build(cornu), build(keras)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


OPTIMIZERS = [
    ("SGD", {"learning_rate": 0.05}),
    ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("RMSprop", {"learning_rate": 0.01}),
    ("Adagrad", {"learning_rate": 0.05}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adam", {"learning_rate": 0.01}),
    ("Adam", {"learning_rate": 0.01, "amsgrad": True}),
    ("AdamW", {"learning_rate": 0.01}),
    ("Adamax", {"learning_rate": 0.01}),
    ("Nadam", {"learning_rate": 0.01}),
    ("Lion", {"learning_rate": 0.001}),
]


@pytest.mark.parametrize("name,kwargs", OPTIMIZERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZERS)])
def test_fit_ends_with_keras_weights(name, kwargs):
    x, y = _data()
    ours, theirs = _pair()
    loss = "sparse_categorical_crossentropy"
    ours.compile(getattr(cornu.optimizers, name)(**kwargs),
                 cornu.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["acc"])
    theirs.compile(getattr(keras.optimizers, name)(**kwargs),
                   keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["acc"])
    h1 = ours.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    h2 = theirs.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    # atol: float32 rounding in adaptive updates (m / sqrt(v) with small v) reaches ~1e-6 per
    # weight over 18 steps of size ~lr = 1e-2; any real difference would be of that step size.
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert sorted(h1.history) == sorted(h2.history)
    for key in h2.history:
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-4, atol=1e-6)
    del loss


def test_evaluate_and_predict_match_keras_with_sample_and_class_weights():
    x, y = _data(1)
    ours, theirs = _pair("tanh")
    sw = np.random.default_rng(2).random(len(x)).astype("float32")
    for model, lib in ((ours, cornu), (theirs, keras)):
        model.compile("sgd", lib.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"], weighted_metrics=["accuracy"])
    r1 = ours.evaluate(x, y, sample_weight=sw, batch_size=32, verbose=0, return_dict=True)
    r2 = theirs.evaluate(x, y, sample_weight=sw, batch_size=32, verbose=0, return_dict=True)
    assert sorted(r1) == sorted(r2)
    for k in r2:
        np.testing.assert_allclose(r1[k], r2[k], rtol=1e-5)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5,
                               atol=1e-6)
    # class_weight through one fit epoch: same weights afterwards.
    cw = {0: 1.0, 1: 2.0, 2: 0.5}
    ours.fit(x, y, class_weight=cw, batch_size=32, epochs=1, shuffle=False, verbose=0)
    theirs.fit(x, y, class_weight=cw, batch_size=32, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def _ticket(lib):
    title = lib.Input((6,), name="title")
    body = lib.Input((4,), name="body")
    x = lib.layers.concatenate([lib.layers.Dense(5, name="t")(title),
                                lib.layers.Dense(5, name="b")(body)])
    priority = lib.layers.Dense(1, name="priority")(x)
    department = lib.layers.Dense(3, name="department")(x)
    return lib.Model([title, body], [priority, department])


def test_multi_output_dict_losses_logs_and_weights_match_keras():
    rng = np.random.default_rng(3)
    data = {"title": rng.standard_normal((64, 6)).astype("float32"),
            "body": rng.standard_normal((64, 4)).astype("float32")}
    targets = {"priority": rng.random((64, 1)).astype("float32"),
               "department": np.eye(3, dtype="float32")[rng.integers(0, 3, 64)]}
    ours, theirs = _ticket(cornu), _ticket(keras)
    ours.set_weights(theirs.get_weights())
    for model, lib in ((ours, cornu), (theirs, keras)):
        model.compile(optimizer=lib.optimizers.RMSprop(1e-3),
                      loss={"priority": lib.losses.BinaryCrossentropy(from_logits=True),
                            "department": lib.losses.CategoricalCrossentropy(from_logits=True)},
                      loss_weights={"priority": 1.0, "department": 0.2})
    h1 = ours.fit(data, targets, epochs=2, batch_size=16, shuffle=False, verbose=0)
    h2 = theirs.fit(data, targets, epochs=2, batch_size=16, shuffle=False, verbose=0)
    assert sorted(h1.history) == sorted(h2.history) == ["department_loss", "loss", "priority_loss"]
    for k in h2.history:
        np.testing.assert_allclose(h1.history[k], h2.history[k], rtol=1e-4)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    p1, p2 = ours.predict(data, verbose=0), theirs.predict(data, verbose=0)
    assert isinstance(p1, list) and len(p1) == 2
    for a, b in zip(p1, p2):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    e1 = ours.evaluate(data, targets, verbose=0)
    e2 = theirs.evaluate(data, targets, verbose=0)
    np.testing.assert_allclose(e1, e2, rtol=1e-5)


def test_custom_metric_function_and_regularization_match_keras():
    def mean_pred(y_true, y_pred):
        return keras_or_cornu.ops.mean(y_pred)

    x, y = _data(4)
    y = (y > 0).astype("float32")
    global keras_or_cornu
    km = keras.Sequential([keras.Input((8,)),
                           keras.layers.Dense(4, activation="relu",
                                              kernel_regularizer=keras.regularizers.L2(0.01)),
                           keras.layers.Dense(1, activation="sigmoid")])
    cm = cornu.Sequential([cornu.Input((8,)),
                           cornu.layers.Dense(4, activation="relu",
                                              kernel_regularizer=cornu.regularizers.L2(0.01)),
                           cornu.layers.Dense(1, activation="sigmoid")])
    cm.set_weights(km.get_weights())
    km.compile("sgd", "binary_crossentropy", metrics=["acc", mean_pred])
    keras_or_cornu = keras
    hk = km.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    keras_or_cornu = cornu
    cm.compile("sgd", "binary_crossentropy", metrics=["acc", mean_pred])
    hc = cm.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    assert sorted(hc.history) == sorted(hk.history) == ["acc", "loss", "mean_pred"]
    for k in hk.history:
        np.testing.assert_allclose(hc.history[k], hk.history[k], rtol=1e-4)


keras_or_cornu = cornu


def test_metrics_given_by_name_are_logged_under_that_name_like_keras():
    names = ["mae", "mse", "auc", "precision", "binary_accuracy", "mean_absolute_error", "AUC",
             "mape", "cosine_similarity"]
    rng = np.random.default_rng(5)
    x, y = rng.random((40, 3)).astype("float32"), rng.integers(0, 2, (40, 1)).astype("float32")
    histories = []
    for lib in (keras, cornu):
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1, activation="sigmoid")])
        if lib is cornu:
            model.set_weights(weights)
        weights = model.get_weights()
        model.compile("sgd", "binary_crossentropy", metrics=names)
        histories.append(model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history)
    assert sorted(histories[0]) == sorted(histories[1])
    for key in histories[0]:
        np.testing.assert_allclose(histories[1][key], histories[0][key], rtol=1e-4, atol=1e-6)
