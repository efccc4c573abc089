"""MultiOptimizer and OptimizerMap against Keras 3 (torch backend)."""

import os

import numpy as np
import pytest
import torch

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

import cornu  # noqa: E402
from cornu.backend.variable import Variable  # noqa: E402
from optimizer_helpers import check_state, data  # noqa: E402

SHAPES = [(4, 3), (3,), (3, 2), (2,), (2, 2)]
NAMES = ["enc_kernel", "enc_bias", "head_kernel", "head_bias", "frozen_like"]


def _multi(lib, kind="map", loss_scale_factor=None):
    opts = lib.optimizers
    if kind == "map":
        optimizer_map = opts.OptimizerMap(opts.SGD(momentum=0.9, learning_rate=0.05),
                                          {"head_.*": opts.Adam(learning_rate=0.02),
                                           "frozen_like": opts.RMSprop(learning_rate=0.01)})
    else:
        adam, sgd = opts.Adam(learning_rate=0.02), opts.SGD(learning_rate=0.05)

        def optimizer_map(variable):
            return adam if "kernel" in variable.path else sgd
    return opts.MultiOptimizer(optimizer_map, loss_scale_factor=loss_scale_factor)


@pytest.mark.parametrize("kind,loss_scale_factor", [("map", None), ("callable", None),
                                                    ("map", 4.0)])
def test_apply_gradients_matches_keras(kind, loss_scale_factor):
    init, grads = data(seed=9, shapes=SHAPES)
    keras_opt, opt = _multi(keras, kind, loss_scale_factor), _multi(cornu, kind, loss_scale_factor)
    kvars = [keras.Variable(v, name=n) for v, n in zip(init, NAMES)]
    cvars = [Variable(torch.tensor(v), name=n) for v, n in zip(init, NAMES)]
    for step_grads in grads:
        keras_opt.apply_gradients([(torch.tensor(g), v) for g, v in zip(step_grads, kvars)])
        opt.apply_gradients([(g, v) for g, v in zip(step_grads, cvars)])
    for c, k in zip(cvars, kvars):
        np.testing.assert_allclose(c.numpy(), k.numpy(), rtol=1e-5, atol=1e-6)
    check_state(opt, keras_opt)
    assert [type(o).__name__ for o in opt.optimizers] == [
        type(o).__name__ for o in keras_opt.optimizers]
    for mine, theirs in zip(opt.optimizers, keras_opt.optimizers):
        check_state(mine, theirs)
        assert mine.loss_scale_factor == theirs.loss_scale_factor == loss_scale_factor


def _model(K):
    return K.Sequential([K.Input((5,)), K.layers.Dense(4, activation="tanh", name="enc"),
                         K.layers.Dense(3, name="mid"), K.layers.Dense(2, name="head")],
                        name="net")  # optimizer variable names hold it: fixed, not counted


def _keras_and_cornu_fitted(epochs=2):
    rng = np.random.default_rng(10)
    x = rng.standard_normal((16, 5)).astype("float32")
    y = rng.standard_normal((16, 2)).astype("float32")
    # Patterns without the model's name: a loaded model's paths drop it (in Keras too).
    models = [_model(keras), _model(cornu)]
    models[1].set_weights(models[0].get_weights())
    for K, model in zip((keras, cornu), models):
        opts = K.optimizers
        optimizer = opts.MultiOptimizer(opts.OptimizerMap(
            opts.SGD(momentum=0.9, learning_rate=0.05),
            {".*head/.*": opts.Adam(learning_rate=0.01, use_ema=True),
             ".*mid/kernel": opts.Lion()}))
        model.compile(optimizer=optimizer, loss="mse")
        model.fit(x, y, epochs=epochs, batch_size=4, shuffle=False, verbose=0)
    return models, x


def test_fit_matches_keras():
    (keras_model, model), x = _keras_and_cornu_fitted()
    for a, b in zip(model.get_weights(), keras_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    check_state(model.optimizer, keras_model.optimizer)
    # fit ended by handing the head's weights their moving averages (Adam's use_ema).
    averages = [v for v in model.optimizer.optimizers[0].variables if v.name.endswith("average")]
    np.testing.assert_array_equal(averages[0].numpy(), model.get_layer("head").kernel.numpy())
    assert int(model.optimizer.iterations) == 8
    assert [int(o.iterations) for o in model.optimizer.optimizers] == [8, 8, 8]


def _check_loaded(source, target, x):
    np.testing.assert_allclose(source.predict(x, verbose=0), target.predict(x, verbose=0),
                               rtol=1e-6, atol=1e-6)
    vs, vt = source.optimizer.variables, target.optimizer.variables
    assert len(vs) == len(vt) > 6
    for a, b in zip(vs, vt):
        np.testing.assert_array_equal(np.asarray(a.numpy()), np.asarray(b.numpy()))
    assert [type(o).__name__ for o in target.optimizer.optimizers] == [
        type(o).__name__ for o in source.optimizer.optimizers]
    for a, b in zip(source.optimizer.optimizers, target.optimizer.optimizers):
        ca, cb = a.get_config(), b.get_config()
        assert ca.keys() == cb.keys()
        assert ca["learning_rate"] == pytest.approx(cb["learning_rate"])
        for va, vb in zip(a.variables, b.variables):
            np.testing.assert_array_equal(np.asarray(va.numpy()), np.asarray(vb.numpy()))


def test_keras_file_round_trips_with_cornu(tmp_path):
    (keras_model, model), x = _keras_and_cornu_fitted(epochs=1)
    keras_model.save(tmp_path / "k.keras")
    loaded = cornu.models.load_model(tmp_path / "k.keras")
    _check_loaded(keras_model, loaded, x)
    model.save(tmp_path / "c.keras")
    loaded = keras.saving.load_model(tmp_path / "c.keras")
    _check_loaded(model, loaded, x)
    # Both files hold the same groups (Keras repeats the sub-optimizers under "optimizers").
    import h5py
    import zipfile

    def groups(path):
        with zipfile.ZipFile(path) as z, z.open("model.weights.h5") as f, h5py.File(f) as h5:
            names = []
            h5.visit(lambda n: names.append((n, getattr(h5[n], "shape", None))))
            return sorted(names)
    assert groups(tmp_path / "c.keras") == groups(tmp_path / "k.keras")


def test_config_round_trips_with_keras():
    for kind in ("map",):
        keras_opt, opt = _multi(keras, kind, 2.0), _multi(cornu, kind, 2.0)
        keras_config = keras.optimizers.serialize(keras_opt)
        config = cornu.optimizers.serialize(opt)
        restored = cornu.optimizers.deserialize(keras_config)
        assert isinstance(restored, cornu.optimizers.MultiOptimizer)
        assert isinstance(restored._optimizer_map, cornu.optimizers.OptimizerMap)
        assert [type(o).__name__ for o in restored.optimizers] == ["Adam", "RMSprop", "SGD"]
        assert restored.loss_scale_factor == 2.0
        assert [o.loss_scale_factor for o in restored.optimizers] == [2.0] * 3
        back = keras.optimizers.deserialize(config)
        assert isinstance(back, keras.optimizers.MultiOptimizer)
        assert [type(o).__name__ for o in back.optimizers] == ["Adam", "RMSprop", "SGD"]
        keras_inner = keras_config["config"]["optimizer_map"]
        inner = config["config"]["optimizer_map"]
        assert (inner["module"], inner["class_name"]) == (keras_inner["module"],
                                                          keras_inner["class_name"])
        assert inner["config"]["optimizer_map"].keys() == keras_inner["config"][
            "optimizer_map"].keys()
        assert cornu.optimizers.serialize(restored)["config"].keys() == config["config"].keys()


def test_optimizer_map_lookup_matches_keras():
    for K in (keras, cornu):
        opts = K.optimizers
        adam, sgd, rms = opts.Adam(), opts.SGD(), opts.RMSprop()
        optimizer_map = opts.OptimizerMap(default_optimizer=rms)
        optimizer_map["encoder/layer_0/dense"] = adam
        optimizer_map["encoder/.*"] = sgd
        optimizer_map["decoder"] = adam
        assert optimizer_map["decoder"] is adam
        assert optimizer_map["encoder/layer_0/dense"] is adam
        assert optimizer_map["encoder/layer_0/attention/query"] is sgd
        assert optimizer_map["decoder/layer_0/dense"] is rms
        assert len(optimizer_map) == 3 and list(optimizer_map) == [
            "encoder/layer_0/dense", "encoder/.*", "decoder"]
        optimizer_map["enc.*"] = opts.Adam()
        with pytest.raises(ValueError, match="Multiple optimizers"):
            optimizer_map["encoder/x"]
        del optimizer_map["enc.*"]
        with pytest.raises(ValueError, match="already exists"):
            optimizer_map["decoder"] = sgd
        with pytest.raises(ValueError, match="key must be a string"):
            optimizer_map[3] = sgd
        with pytest.raises(ValueError, match="Optimizer instance"):
            optimizer_map["x"] = "adam"
        with pytest.raises(ValueError, match="LossScaleOptimizer"):
            optimizer_map["x"] = opts.LossScaleOptimizer(opts.SGD())
        with pytest.raises(ValueError, match="MultiOptimizer"):
            optimizer_map["x"] = opts.MultiOptimizer(opts.OptimizerMap(opts.SGD()))
        with pytest.raises(TypeError, match="default_optimizer"):
            opts.OptimizerMap("sgd")
        with pytest.raises(TypeError, match="optimizer_map must be a dictionary"):
            opts.OptimizerMap(opts.SGD(), [("a", opts.Adam())])


def test_multi_optimizer_errors_match_keras():
    for K in (keras, cornu):
        opts = K.optimizers
        multi = opts.MultiOptimizer(opts.OptimizerMap(opts.SGD()))
        with pytest.raises(AttributeError, match="Learning rate cannot be accessed"):
            multi.learning_rate
        with pytest.raises(AttributeError, match="Learning rate cannot be set"):
            multi.learning_rate = 0.1
        variable = K.Variable(np.ones((2,), "float32"), name="w")
        for inner in (opts.LossScaleOptimizer(opts.SGD()),
                      opts.MultiOptimizer(opts.OptimizerMap(opts.SGD()))):
            with pytest.raises(ValueError, match="cannot be used inside an MultiOptimizer"):
                opts.MultiOptimizer(lambda v, inner=inner: inner).build([variable])
        multi = opts.MultiOptimizer(opts.OptimizerMap(opts.SGD()))
        with pytest.raises(ValueError, match="must already be built"):
            multi.apply([np.ones((2,), "float32")])
        multi.build([variable])
        with pytest.raises(ValueError, match="one-to-one"):
            multi.apply([np.ones((2,), "float32")] * 2, [variable, variable])
    with pytest.raises(ValueError, match="optimizer_map"):
        cornu.optimizers.MultiOptimizer("sgd")


def test_own_variables_and_set_weights_cover_the_sub_optimizers():
    init, grads = data(seed=11, shapes=SHAPES)
    source, target = _multi(cornu), _multi(cornu)
    cvars = [Variable(torch.tensor(v), name=n) for v, n in zip(init, NAMES)]
    source.apply_gradients([(g, v) for g, v in zip(grads[0], cvars)])
    target.build(cvars)
    store = {}
    source.save_own_variables(store)
    assert len(store) == len(source.variables) == len(target.variables) > 2 + 3 * 2
    target.load_own_variables(store)
    for a, b in zip(source.variables, target.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    fresh = _multi(cornu)
    fresh.build(cvars)
    fresh.set_weights([v.numpy() for v in source.variables])
    for a, b in zip(source.variables, fresh.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(ValueError, match="received 1 weights"):
        fresh.set_weights([np.zeros(())])
