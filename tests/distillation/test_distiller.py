"""`cornu.distillation.Distiller` against Keras 3's `keras.distillation.Distiller`: same
teacher and student weights, same data, same optimizer; then its own behaviour (frozen
teacher, prediction, errors, configs, saving)."""

import json
import warnings

import numpy as np
import pytest
import torch

import cornu
from cornu.distillation import Distiller, FeatureDistillation, LogitsDistillation

keras = pytest.importorskip("keras")
from keras import distillation as kd  # noqa: E402

# Keras's own feature extractors warn when called with a tensor for their one-input list.
pytestmark = pytest.mark.filterwarnings("ignore:The structure of `inputs`:UserWarning")

X = np.random.default_rng(0).normal(size=(24, 5)).astype("float32")
Y = np.random.default_rng(1).integers(0, 4, size=(24,)).astype("int32")


def _teacher(lib, kind="functional"):
    layers = [lib.layers.Dense(12, activation="relu", name="t_hidden"),
              lib.layers.Dense(6, activation="tanh", name="t_feat"),
              lib.layers.Dense(4, name="t_out")]
    return _assemble(lib, kind, layers, "teacher")


def _student(lib, kind="functional"):
    layers = [lib.layers.Dense(6, activation="tanh", name="s_feat"),
              lib.layers.Dense(4, name="s_out")]
    return _assemble(lib, kind, layers, "student")


def _assemble(lib, kind, layers, name):
    if kind == "sequential":
        return lib.Sequential([lib.Input((5,))] + layers, name=name)
    inputs = lib.Input((5,))
    x = inputs
    for layer in layers:
        x = layer(x)
    return lib.Model(inputs, x, name=name)


class _Sub:
    """Subclassed teacher/student models for both libraries."""

    @staticmethod
    def make(lib, units, name):
        class Sub(lib.Model):
            def __init__(self):
                super().__init__(name=name)
                self.hidden = lib.layers.Dense(units, activation="relu")
                self.out = lib.layers.Dense(4)

            def call(self, inputs, training=None):
                return self.out(self.hidden(inputs))

        model = Sub()
        model(X[:2])
        return model


def _pair(kind, seed):
    """Keras and cornu (teacher, student) with identical random weights."""
    if kind == "subclassed":
        kt, ks = _Sub.make(keras, 10, "teacher"), _Sub.make(keras, 7, "student")
        ct, cs = _Sub.make(cornu, 10, "teacher"), _Sub.make(cornu, 7, "student")
    else:
        kt, ks, ct, cs = _teacher(keras, kind), _student(keras, kind), _teacher(cornu, kind), \
            _student(cornu, kind)
    rng = np.random.default_rng(seed)
    for k, c in ((kt, ct), (ks, cs)):
        weights = [rng.normal(0, 0.5, w.shape).astype("float32") for w in k.get_weights()]
        k.set_weights(weights)
        c.set_weights(weights)
    return (kt, ks), (ct, cs)


def _losses(lib, name):
    """The distillation set-ups compared; Keras gets a `KLDivergence` instance, with which
    Keras 3.15 applies the documented softmax and T**2 scaling."""
    mod = kd if lib is keras else cornu.distillation
    kl = lib.losses.KLDivergence() if lib is keras else "kl_divergence"
    if name == "logits":
        return dict(distillation_losses=mod.LogitsDistillation(temperature=2.0, loss=kl))
    if name == "logits_and_features":
        return dict(distillation_losses=[
            mod.LogitsDistillation(temperature=3.0, loss=kl),
            mod.FeatureDistillation(loss="mse", teacher_layer_name="t_feat",
                                    student_layer_name="s_feat")],
            distillation_loss_weights=[1.0, 0.5], student_loss_weight=0.3)
    if name == "features_only":
        return dict(distillation_losses=[
            mod.FeatureDistillation(loss="cosine_similarity", teacher_layer_name="t_feat",
                                    student_layer_name="s_feat"),
            mod.FeatureDistillation(loss="mae", teacher_layer_name="t_out",
                                    student_layer_name="s_out")],
            distillation_loss_weights=[0.7, 0.2], student_loss_weight=0.0)
    if name == "student_only":
        return dict(distillation_losses=mod.LogitsDistillation(loss=kl), student_loss_weight=1.0)
    if name == "logits_ce":
        return dict(distillation_losses=mod.LogitsDistillation(
            temperature=4.0, loss=lib.losses.CategoricalCrossentropy(from_logits=True)),
            student_loss_weight=0.6)
    raise ValueError(name)


def _distillers(kind, setup, seed=3, loss=None, metrics=("accuracy",), lr=0.1):
    (kt, ks), (ct, cs) = _pair(kind, seed)
    kdist = kd.Distiller(kt, ks, **_losses(keras, setup))
    cdist = Distiller(ct, cs, **_losses(cornu, setup))
    for lib, dist in ((keras, kdist), (cornu, cdist)):
        student_loss = lib.losses.SparseCategoricalCrossentropy(from_logits=True) \
            if loss is None else loss
        dist.compile(optimizer=lib.optimizers.SGD(learning_rate=lr), loss=student_loss,
                     metrics=list(metrics) if metrics else None)
    return kdist, cdist


def _assert_weights_equal(keras_model, cornu_model, atol=1e-5):
    kw, cw = keras_model.get_weights(), cornu_model.get_weights()
    assert len(kw) == len(cw)
    for a, b in zip(kw, cw):
        np.testing.assert_allclose(b, a, atol=atol, rtol=1e-5)


@pytest.mark.parametrize("setup", ["logits", "logits_and_features", "features_only",
                                   "student_only", "logits_ce"])
@pytest.mark.parametrize("kind", ["functional", "sequential"])
def test_one_training_step_matches_keras(kind, setup):
    kdist, cdist = _distillers(kind, setup)
    teacher_before = [w.copy() for w in cdist.teacher.get_weights()]
    klogs = kdist.train_on_batch(X[:8], Y[:8], return_dict=True)
    clogs = cdist.train_on_batch(X[:8], Y[:8], return_dict=True)
    _assert_weights_equal(kdist.student, cdist.student)
    assert set(clogs) == set(klogs)
    for key in klogs:
        np.testing.assert_allclose(clogs[key], klogs[key], rtol=1e-5, atol=1e-6, err_msg=key)
    # The teacher stays frozen.
    for before, after in zip(teacher_before, cdist.teacher.get_weights()):
        np.testing.assert_array_equal(before, after)


def test_one_training_step_subclassed_models_matches_keras():
    kdist, cdist = _distillers("subclassed", "logits")
    klogs = kdist.train_on_batch(X[:8], Y[:8], return_dict=True)
    clogs = cdist.train_on_batch(X[:8], Y[:8], return_dict=True)
    _assert_weights_equal(kdist.student, cdist.student)
    for key in klogs:
        np.testing.assert_allclose(clogs[key], klogs[key], rtol=1e-5, atol=1e-6, err_msg=key)


def test_fit_and_evaluate_logs_match_keras():
    kdist, cdist = _distillers("functional", "logits_and_features")
    kh = kdist.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0,
                   validation_data=(X[:12], Y[:12]))
    ch = cdist.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0,
                   validation_data=(X[:12], Y[:12]))
    assert set(ch.history) == set(kh.history) == {
        "loss", "accuracy", "student_loss", "distillation_loss", "total_loss", "val_loss",
        "val_accuracy", "val_student_loss", "val_distillation_loss", "val_total_loss"}
    for key, values in kh.history.items():
        np.testing.assert_allclose(ch.history[key], values, rtol=1e-5, atol=1e-6, err_msg=key)
    _assert_weights_equal(kdist.student, cdist.student)

    kres = kdist.evaluate(X, Y, batch_size=8, verbose=0, return_dict=True)
    cres = cdist.evaluate(X, Y, batch_size=8, verbose=0, return_dict=True)
    assert set(cres) == set(kres)
    for key in kres:
        np.testing.assert_allclose(cres[key], kres[key], rtol=1e-5, atol=1e-6, err_msg=key)
    # As a list: Keras's order (loss, compiled metrics, then the distillation trackers).
    np.testing.assert_allclose(cdist.evaluate(X, Y, batch_size=8, verbose=0),
                               kdist.evaluate(X, Y, batch_size=8, verbose=0), rtol=1e-5)
    assert [m.name for m in cdist.metrics] == [m.name for m in kdist.metrics]


def test_fit_logs_the_loss_parts():
    kdist, cdist = _distillers("functional", "logits_and_features", metrics=None)
    history = cdist.fit(X, Y, batch_size=12, epochs=2, shuffle=False, verbose=0)
    h = history.history
    # total = w * student + (1 - w) * distillation, per batch and so on average.
    np.testing.assert_allclose(
        h["total_loss"], 0.3 * np.array(h["student_loss"]) + 0.7 * np.array(
            h["distillation_loss"]), rtol=1e-5)
    np.testing.assert_allclose(h["loss"], h["total_loss"], rtol=1e-5)
    assert h["total_loss"][1] < h["total_loss"][0]


def test_student_loss_by_name_and_string_metric_match_keras():
    kdist, cdist = _distillers("functional", "logits", loss="mse", metrics=("mae",))
    y = np.random.default_rng(5).normal(size=(24, 4)).astype("float32")
    kh = kdist.fit(X, y, batch_size=6, epochs=2, shuffle=False, verbose=0)
    ch = cdist.fit(X, y, batch_size=6, epochs=2, shuffle=False, verbose=0)
    for key, values in kh.history.items():
        np.testing.assert_allclose(ch.history[key], values, rtol=1e-5, atol=1e-6, err_msg=key)
    _assert_weights_equal(kdist.student, cdist.student)


def test_predict_and_call_run_the_student():
    _, cdist = _distillers("functional", "logits")
    np.testing.assert_allclose(cdist.predict(X, verbose=0), cdist.student.predict(X, verbose=0),
                               rtol=1e-6)
    out = cdist(torch.tensor(X))
    np.testing.assert_allclose(out.detach().numpy(), cdist.student(torch.tensor(X)).detach()
                               .numpy(), rtol=1e-6)


def test_teacher_frozen_and_only_student_weights_train():
    kdist, cdist = _distillers("functional", "logits_and_features")
    assert not cdist.teacher.trainable and cdist.student.trainable
    assert {id(w) for w in cdist.trainable_weights} == {id(w) for w in
                                                         cdist.student.trainable_weights}
    assert len(cdist.weights) == len(kdist.weights)
    assert len(cdist.trainable_weights) == len(kdist.trainable_weights)
    before = [w.copy() for w in cdist.teacher.get_weights()]
    cdist.fit(X, Y, epochs=2, verbose=0)
    for a, b in zip(before, cdist.teacher.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_evaluation_reads_student_features_in_inference_mode():
    # Keras 3.15 runs the student's feature extractor with training=True even in
    # `evaluate`, so dropout makes its evaluation random; here it follows `training`.
    inputs = cornu.Input((5,))
    x = cornu.layers.Dense(6, activation="tanh", name="s_feat")(
        cornu.layers.Dropout(0.5)(inputs))
    student = cornu.Model(inputs, cornu.layers.Dense(4, name="s_out")(x))
    dist = Distiller(_teacher(cornu), student, FeatureDistillation(
        teacher_layer_name="t_feat", student_layer_name="s_feat"), student_loss_weight=0.0)
    dist.compile(optimizer="sgd", loss="mse")
    first = dist.evaluate(X, Y, verbose=0, return_dict=True)
    second = dist.evaluate(X, Y, verbose=0, return_dict=True)
    assert first == second
    features = cornu.Model(student.inputs, student.get_layer("s_feat").output)
    teacher_features = cornu.Model(dist.teacher.inputs, dist.teacher.get_layer("t_feat").output)
    expected = np.mean((features.predict(X, verbose=0)
                        - teacher_features.predict(X, verbose=0)) ** 2)
    np.testing.assert_allclose(first["distillation_loss"], expected, rtol=1e-5)


def test_jit_compile_is_ignored_with_a_warning():
    dist = Distiller(*_models(), LogitsDistillation())
    with pytest.warns(UserWarning, match="jit_compile"):
        dist.compile(optimizer="sgd", loss="mse", jit_compile=True)
    assert not dist.jit_compile
    dist.fit(X, np.zeros((24, 4), "float32"), epochs=1, verbose=0)


# ---------------------------------------------------------------------- errors


def _models(kind="functional"):
    return _teacher(cornu, kind), _student(cornu, kind)


def _keras_and_cornu_raise(build, match):
    with pytest.raises(ValueError):
        build(keras, kd)
    with pytest.raises(ValueError, match=match):
        build(cornu, cornu.distillation)


def test_errors_for_models():
    def not_a_model(lib, mod):
        return mod.Distiller("not a model", _student(lib), mod.LogitsDistillation())
    _keras_and_cornu_raise(not_a_model, "`teacher` must be a Model")

    def student_not_a_model(lib, mod):
        return mod.Distiller(_teacher(lib), lib.layers.Dense(4), mod.LogitsDistillation())
    _keras_and_cornu_raise(student_not_a_model, "`student` must be a Model")

    def input_shapes(lib, mod):
        inputs = lib.Input((7,))
        teacher = lib.Model(inputs, lib.layers.Dense(4)(inputs))
        return mod.Distiller(teacher, _student(lib), mod.LogitsDistillation())
    _keras_and_cornu_raise(input_shapes, r"input shapes must match.*\(None, 7\).*\(None, 5\)")

    def output_shapes(lib, mod):
        inputs = lib.Input((5,))
        teacher = lib.Model(inputs, lib.layers.Dense(3)(inputs))
        return mod.Distiller(teacher, _student(lib), mod.LogitsDistillation())
    _keras_and_cornu_raise(output_shapes, "output shapes must match")

    def input_dtypes(lib, mod):
        inputs = lib.Input((5,), dtype="float16")
        teacher = lib.Model(inputs, lib.layers.Dense(4)(inputs))
        return mod.Distiller(teacher, _student(lib), mod.LogitsDistillation())
    _keras_and_cornu_raise(input_dtypes, "input dtypes must match")


def test_teacher_is_student_is_refused():
    # Keras 3.15 accepts it and trains nothing (freezing the teacher freezes the student).
    model = _student(cornu)
    with pytest.raises(ValueError, match="must be different models"):
        Distiller(model, model, LogitsDistillation())


@pytest.mark.parametrize("kwargs, match", [
    ({"student_loss_weight": 1.5}, "between 0.0 and 1.0"),
    ({"student_loss_weight": -0.1}, "between 0.0 and 1.0"),
    ({"student_loss_weight": "half"}, "must be a number"),
    ({"distillation_losses": None}, "cannot be None"),
    ({"distillation_losses": ["logits"], "distillation_loss_weights": [1.0, 2.0]},
     "one weight per distillation loss"),
    ({"distillation_losses": "teacher_layer"}, "In teacher model: No such layer: nope"),
    ({"distillation_losses": "student_layer"}, "In student model: No such layer: nope"),
])
def test_argument_errors_as_keras(kwargs, match):
    def build(lib, mod):
        losses = kwargs.get("distillation_losses", mod.LogitsDistillation())
        if losses == ["logits"]:
            losses = [mod.LogitsDistillation()]
        elif losses == "teacher_layer":
            losses = mod.FeatureDistillation(teacher_layer_name="nope")
        elif losses == "student_layer":
            losses = mod.FeatureDistillation(student_layer_name="nope")
        rest = {k: v for k, v in kwargs.items() if k != "distillation_losses"}
        return mod.Distiller(_teacher(lib), _student(lib), losses, **rest)
    _keras_and_cornu_raise(build, match)


def test_layer_names_need_functional_models():
    def build(lib, mod):
        return mod.Distiller(_Sub.make(lib, 6, "t"), _Sub.make(lib, 5, "s"),
                             mod.FeatureDistillation(teacher_layer_name="dense",
                                                     student_layer_name="dense"))
    _keras_and_cornu_raise(build, "Functional or Sequential")


def test_compile_errors_as_keras():
    for lib, mod in ((keras, kd), (cornu, cornu.distillation)):
        dist = mod.Distiller(_teacher(lib), _student(lib), mod.LogitsDistillation())
        with pytest.raises(ValueError, match="cannot be"):
            dist.compile(optimizer="sgd", loss=None)
        with pytest.raises(ValueError, match="list or"):
            dist.compile(optimizer="sgd", loss="mse", metrics="mae")


def test_non_scalar_distillation_loss_is_refused():
    class PerSample(cornu.distillation.DistillationLoss):
        def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
            return ((teacher_outputs - student_outputs) ** 2).mean(-1)

    dist = Distiller(*_models(), PerSample())
    dist.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="must return a scalar"):
        dist.train_on_batch(X[:4], np.zeros((4, 4), "float32"))


def test_custom_distillation_loss_trains():
    class MeanAbs(cornu.distillation.DistillationLoss):
        def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
            return (teacher_outputs - student_outputs).abs().mean()

    teacher, student = _models()
    dist = Distiller(teacher, student, MeanAbs(), student_loss_weight=0.0)
    dist.compile(optimizer=cornu.optimizers.SGD(0.05), loss="mse")
    logs = dist.fit(X, Y, epochs=1, verbose=0).history
    expected = np.abs(teacher.predict(X, verbose=0) - student.predict(X, verbose=0)).mean()
    after = dist.evaluate(X, Y, verbose=0, return_dict=True)
    np.testing.assert_allclose(after["distillation_loss"], expected, rtol=1e-5)
    assert logs["distillation_loss"][0] > 0


# ---------------------------------------------------------------------- configs and saving


def _as_json(config):
    """The config as JSON gives it back (Keras keeps some tuples that cornu writes as lists)."""
    text = json.dumps(config, sort_keys=True, default=list)
    return json.loads(text)


def test_get_config_matches_keras_and_round_trips():
    (kt, ks), (ct, cs) = _pair("sequential", 4)
    kdist, cdist = (mod.Distiller(t, s, [
        mod.LogitsDistillation(temperature=3.0),
        mod.FeatureDistillation(loss="mse", teacher_layer_name="t_feat",
                                student_layer_name="s_feat")],
        distillation_loss_weights=[1.0, 0.5], student_loss_weight=0.3)
        for mod, t, s in ((kd, kt, ks), (cornu.distillation, ct, cs)))
    kconf, cconf = kdist.get_config(), cdist.get_config()
    assert set(cconf) == set(kconf)
    for key in ("distillation_losses", "distillation_loss_weights", "student_loss_weight",
                "name", "trainable"):
        assert _as_json(cconf[key]) == _as_json(kconf[key]), key
    assert cconf["teacher"]["config"]["trainable"] is False
    json.dumps(cconf)

    restored = Distiller.from_config(cconf)
    assert restored.student_loss_weight == 0.3
    assert restored.distillation_loss_weights == [1.0, 0.5]
    assert isinstance(restored.distillation_losses[1], FeatureDistillation)
    assert restored.distillation_losses[1].teacher_layer_name == "t_feat"
    assert not restored.teacher.trainable
    restored.set_weights(cdist.get_weights())
    np.testing.assert_allclose(restored.predict(X, verbose=0), cdist.predict(X, verbose=0),
                               rtol=1e-6)


def test_keras_config_loads_in_cornu():
    kdist, _ = _distillers("functional", "logits_and_features")
    config = keras.saving.serialize_keras_object(kdist)
    restored = cornu.saving.deserialize_keras_object(json.loads(json.dumps(config)))
    assert isinstance(restored, Distiller)
    assert [type(l).__name__ for l in restored.distillation_losses] == [
        "LogitsDistillation", "FeatureDistillation"]
    assert isinstance(restored.distillation_losses[0].loss, cornu.losses.KLDivergence)
    restored.student.set_weights(kdist.student.get_weights())
    np.testing.assert_allclose(restored.predict(X, verbose=0), kdist.predict(X, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_save_and_load_distiller(tmp_path):
    _, cdist = _distillers("functional", "logits_and_features")
    cdist.fit(X, Y, epochs=1, verbose=0)
    path = tmp_path / "distiller.keras"
    cdist.save(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        loaded = cornu.saving.load_model(path)
    assert isinstance(loaded, Distiller)
    # As in Keras, the custom `compile` is not replayed: compile again to train.
    assert any("compile()" in str(w.message) for w in caught)
    assert not loaded.compiled
    assert loaded.student_loss_weight == 0.3 and not loaded.teacher.trainable
    for a, b in zip(cdist.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), cdist.predict(X, verbose=0),
                               rtol=1e-6)
    loaded.compile(optimizer="sgd", loss=cornu.losses.SparseCategoricalCrossentropy(
        from_logits=True))
    loaded.fit(X, Y, epochs=1, verbose=0)


def test_keras_saved_distiller_loads_in_cornu(tmp_path):
    kdist, _ = _distillers("functional", "logits_and_features")
    kdist.fit(X, Y, epochs=1, verbose=0)
    path = tmp_path / "keras_distiller.keras"
    kdist.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = cornu.saving.load_model(path)
    assert isinstance(loaded, Distiller)
    _assert_weights_equal(kdist.student, loaded.student, atol=0)
    _assert_weights_equal(kdist.teacher, loaded.teacher, atol=0)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), kdist.predict(X, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_cornu_saved_distiller_loads_in_keras(tmp_path):
    _, cdist = _distillers("functional", "logits_and_features")
    cdist.fit(X, Y, epochs=1, verbose=0)
    path = tmp_path / "cornu_distiller.keras"
    cdist.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = keras.saving.load_model(path)
    assert isinstance(loaded, kd.Distiller)
    assert [type(l).__name__ for l in loaded.distillation_losses] == [
        "LogitsDistillation", "FeatureDistillation"]
    assert loaded.distillation_losses[1].teacher_layer_name == "t_feat"
    _assert_weights_equal(loaded.student, cdist.student, atol=0)
    _assert_weights_equal(loaded.teacher, cdist.teacher, atol=0)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), cdist.predict(X, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_trained_student_saves_and_loads_in_keras(tmp_path):
    _, cdist = _distillers("functional", "logits")
    cdist.fit(X, Y, epochs=2, verbose=0)
    path = tmp_path / "student.keras"
    cdist.student.save(path)
    in_keras = keras.saving.load_model(path)
    np.testing.assert_allclose(in_keras.predict(X, verbose=0),
                               cdist.student.predict(X, verbose=0), rtol=1e-5, atol=1e-6)
    in_cornu = cornu.saving.load_model(path)
    np.testing.assert_allclose(in_cornu.predict(X, verbose=0),
                               cdist.student.predict(X, verbose=0), rtol=1e-6)


def test_namespace():
    assert cornu.__getattr__("distillation") is cornu.distillation  # the lazy submodule
    assert "distillation" in dir(cornu)
    assert cornu.distillation.Distiller is Distiller
    assert cornu.distillation.LogitsDistillation is LogitsDistillation
    assert {"Distiller", "DistillationLoss", "LogitsDistillation", "FeatureDistillation"} <= set(
        dir(cornu.distillation))


def _two_outputs(lib, hidden, name):
    inputs = lib.Input((5,))
    x = lib.layers.Dense(hidden, activation="relu", name=f"{name}_hidden")(inputs)
    return lib.Model(inputs, [lib.layers.Dense(4, name=f"{name}_logits")(x),
                              lib.layers.Dense(2, name=f"{name}_value")(x)], name=name)


def test_two_output_models_match_keras():
    rng = np.random.default_rng(8)
    pairs = {}
    for lib in (keras, cornu):
        pairs[lib] = (_two_outputs(lib, 9, "teacher"), _two_outputs(lib, 6, "student"))
    for i in range(2):
        weights = [rng.normal(0, 0.5, w.shape).astype("float32")
                   for w in pairs[keras][i].get_weights()]
        pairs[keras][i].set_weights(weights)
        pairs[cornu][i].set_weights(weights)
    y = [Y, np.random.default_rng(9).normal(size=(24, 2)).astype("float32")]
    logs = {}
    for lib, mod in ((keras, kd), (cornu, cornu.distillation)):
        kl = lib.losses.KLDivergence() if lib is keras else "kl_divergence"
        dist = mod.Distiller(*pairs[lib], distillation_losses=[
            mod.LogitsDistillation(temperature=2.0, loss=[kl, None]),
            mod.FeatureDistillation(loss=[None, lib.losses.MeanSquaredError()])],
            distillation_loss_weights=[1.0, 0.3], student_loss_weight=0.4)
        dist.compile(optimizer=lib.optimizers.SGD(learning_rate=0.1), loss=[
            lib.losses.SparseCategoricalCrossentropy(from_logits=True),
            lib.losses.MeanSquaredError()])
        if lib is keras:
            # Keras 3.15 tracks the student losses as a TrackedList, which its own
            # `tree.map_structure` then refuses against the list of outputs; a plain list
            # gives Keras's computation.
            dist.__dict__["_student_loss"] = list(dist._student_loss)
        logs[lib] = dist.fit(X, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
        logs[lib]["eval"] = [dist.evaluate(X, y, verbose=0, return_dict=True)["total_loss"]]
    for key, values in logs[keras].items():
        np.testing.assert_allclose(logs[cornu][key], values, rtol=1e-5, atol=1e-6, err_msg=key)
    _assert_weights_equal(pairs[keras][1], pairs[cornu][1])
