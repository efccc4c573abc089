"""Numerical parity of every optimizer with Keras 3 (torch backend) over 20 steps."""

import os
import re

import numpy as np
import pytest
import torch

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

import cornu  # noqa: E402
import cornu.optimizers as cornu_optimizers  # noqa: E402
from cornu.backend.variable import Variable  # noqa: E402

SHAPES = [(4, 3), (3,), (2, 2, 5)]
NAMES = ["kernel", "bias", "conv_kernel"]
STEPS = 20


def _schedule(lib, spec):
    if not isinstance(spec, tuple):
        return spec
    name, kwargs = spec
    return getattr(lib.optimizers.schedules, name)(**kwargs)


CASES = [
    ("SGD", {}),
    ("SGD", {"momentum": 0.9}),
    ("SGD", {"momentum": 0.9, "nesterov": True, "clipvalue": 0.4}),
    ("SGD", {"momentum": 0.5, "learning_rate": ("ExponentialDecay",
                                                  dict(initial_learning_rate=0.1,
                                                       decay_steps=5, decay_rate=0.5))}),
    ("SGD", {"loss_scale_factor": 8.0}),
    ("RMSprop", {}),
    ("RMSprop", {"momentum": 0.5, "centered": True}),
    ("RMSprop", {"centered": True, "weight_decay": 0.05}),
    ("Adagrad", {"learning_rate": 0.05}),
    ("Adadelta", {"learning_rate": 1.0}),
    ("Adam", {}),
    ("Adam", {"amsgrad": True, "learning_rate": 0.01}),
    ("Adam", {"weight_decay": 0.1, "clipnorm": 0.5}),
    ("Adam", {"learning_rate": ("CosineDecay", dict(initial_learning_rate=0.0, decay_steps=10,
                                                    warmup_target=0.01, warmup_steps=5))}),
    ("Adam", {"use_ema": True, "ema_overwrite_frequency": 5}),
    ("Adam", {"gradient_accumulation_steps": 3, "learning_rate": 0.01}),
    ("AdamW", {}),
    ("AdamW", {"weight_decay": 0.1, "global_clipnorm": 1.0, "amsgrad": True}),
    ("Adamax", {"learning_rate": 0.01}),
    ("Nadam", {"learning_rate": 0.01}),
    ("Lion", {}),
    ("Lion", {"clipvalue": 0.3, "weight_decay": 0.5}),
    ("Ftrl", {"learning_rate": 0.1}),
    ("Ftrl", {"learning_rate": 0.1, "l1_regularization_strength": 0.01,
              "l2_regularization_strength": 0.02, "l2_shrinkage_regularization_strength": 0.01,
              "beta": 0.1, "learning_rate_power": -0.3}),
    ("Lamb", {}),
    ("Lamb", {"learning_rate": 0.01, "beta_1": 0.8, "weight_decay": 0.05, "clipnorm": 1.0}),
    ("Lamb", {"use_ema": True, "gradient_accumulation_steps": 2, "learning_rate": 0.01}),
    ("Adafactor", {}),
    ("Adafactor", {"learning_rate": 0.1, "beta_2_decay": -0.5, "epsilon_2": 0.01,
                   "clip_threshold": 0.5, "weight_decay": 0.01}),
    ("Adafactor", {"learning_rate": ("ExponentialDecay", dict(initial_learning_rate=0.5,
                                                              decay_steps=4, decay_rate=0.5)),
                   "relative_step": False, "use_ema": True}),
]


def _data(seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype("float32") for s in SHAPES]
    grads = [[rng.standard_normal(s).astype("float32") for s in SHAPES] for _ in range(STEPS)]
    return init, grads


def _make(lib, name, kwargs):
    kwargs = dict(kwargs)
    if "learning_rate" in kwargs:
        kwargs["learning_rate"] = _schedule(lib, kwargs["learning_rate"])
    return getattr(lib.optimizers, name)(**kwargs)


def _run_keras(name, kwargs, init, grads):
    opt = _make(keras, name, kwargs)
    variables = [keras.Variable(v, name=n) for v, n in zip(init, NAMES)]
    for step_grads in grads:
        opt.apply_gradients([(torch.tensor(g), v) for g, v in zip(step_grads, variables)])
    return [np.array(v.numpy()) for v in variables], opt


def _check(actual, expected):
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,kwargs", CASES, ids=lambda x: str(x))
def test_step_matches_keras(name, kwargs):
    init, grads = _data()
    expected, keras_opt = _run_keras(name, kwargs, init, grads)
    opt = _make(cornu, name, kwargs)
    params = [torch.nn.Parameter(torch.tensor(v)) for v in init]
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = torch.tensor(g)
        opt.step(params)
    _check([p.detach().numpy() for p in params], expected)
    assert int(opt.iterations) == int(keras_opt.iterations)
    # The optimizer state matches too (same order as Keras's `variables`).
    assert len(opt.variables) == len(keras_opt.variables)
    for mine, theirs in zip(opt.variables, keras_opt.variables):
        theirs = np.array(theirs.numpy()).astype("float64")
        scale = max(1.0, float(np.abs(theirs).max(initial=0.0)))  # float32 cancellation
        np.testing.assert_allclose(mine.numpy().astype("float64"), theirs,
                                   rtol=1e-5, atol=1e-6 * scale)


@pytest.mark.parametrize("name,kwargs", CASES[::3], ids=lambda x: str(x))
def test_apply_gradients_matches_keras(name, kwargs):
    init, grads = _data(seed=1)
    expected, _ = _run_keras(name, kwargs, init, grads)
    opt = _make(cornu, name, kwargs)
    variables = [Variable(torch.tensor(v), name=n) for v, n in zip(init, NAMES)]
    for step_grads in grads:
        opt.apply_gradients([(g, v) for g, v in zip(step_grads, variables)])
    _check([v.numpy() for v in variables], expected)


def test_skipped_gradients_match_keras():
    """A weight without a gradient on some steps is left alone, as in Keras."""
    init, grads = _data(seed=2)
    for step, step_grads in enumerate(grads):
        if step % 3 == 0:
            step_grads[1] = None
    keras_opt = keras.optimizers.Adam(learning_rate=0.01)
    kvars = [keras.Variable(v, name=n) for v, n in zip(init, NAMES)]
    keras_opt.build(kvars)
    opt = cornu_optimizers.Adam(learning_rate=0.01)
    params = [torch.nn.Parameter(torch.tensor(v)) for v in init]
    for step_grads in grads:
        keras_opt.apply_gradients([(torch.tensor(g), v) for g, v in zip(step_grads, kvars)
                                   if g is not None])
        for p, g in zip(params, step_grads):
            p.grad = None if g is None else torch.tensor(g)
        opt.step(params)
    _check([p.detach().numpy() for p in params], [v.numpy() for v in kvars])


@pytest.mark.parametrize("name", ["Lamb", "Adafactor"])
def test_zero_weights_match_keras(name):
    """Lamb's trust ratio is 1 for a zero weight; Adafactor's scale falls back to epsilon_2."""
    init, grads = _data(seed=3)
    init = [np.zeros_like(v) for v in init]
    grads = grads[:3]
    expected, _ = _run_keras(name, {}, init, grads)
    opt = _make(cornu, name, {})
    params = [torch.nn.Parameter(torch.tensor(v)) for v in init]
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = torch.tensor(g)
        opt.step(params)
    _check([p.detach().numpy() for p in params], expected)


OPTIMIZER_CONFIGS = [
    ("SGD", {}), ("SGD", {"momentum": 0.9}), ("RMSprop", {"momentum": 0.5, "centered": True}),
    ("Adagrad", {}), ("Adadelta", {}), ("Adam", {"amsgrad": True}), ("AdamW", {}),
    ("Adamax", {}), ("Nadam", {}), ("Lion", {}), ("Ftrl", {}),
    ("Lamb", {}), ("Adafactor", {"relative_step": False}),
    ("Adam", {"use_ema": True, "gradient_accumulation_steps": 2}),
]


@pytest.mark.parametrize("name,kwargs", OPTIMIZER_CONFIGS, ids=lambda x: str(x))
def test_variable_names_and_order_match_keras(name, kwargs):
    init, _ = _data()
    keras_opt = _make(keras, name, kwargs)
    keras_opt.build([keras.Variable(v, name=n) for v, n in zip(init, NAMES)])
    opt = _make(cornu, name, kwargs)
    opt.build([Variable(torch.tensor(v), name=n) for v, n in zip(init, NAMES)])
    # Keras numbers unnamed variables process-wide (Nadam's "variable", "variable_1", ...).
    keras_names = [re.sub(r"^variable_\d+$", "variable", v.name) for v in keras_opt.variables]
    assert [v.name for v in opt.variables] == keras_names
    assert [tuple(v.shape) for v in opt.variables] == [tuple(v.shape) for v in keras_opt.variables]
    assert [v.path for v in opt.variables][:len(NAMES) * 2] == [
        v.path.replace(keras_opt.name, opt.name, 1) for v in keras_opt.variables][:len(NAMES) * 2]


def test_loss_scale_optimizer_variables_match_keras():
    init, _ = _data()
    keras_opt = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(momentum=0.9))
    keras_opt.build([keras.Variable(v, name=n) for v, n in zip(init, NAMES)])
    opt = cornu.optimizers.LossScaleOptimizer(cornu.optimizers.SGD(momentum=0.9))
    opt.build([Variable(torch.tensor(v), name=n) for v, n in zip(init, NAMES)])
    assert [v.name for v in opt.variables] == [v.name for v in keras_opt.variables]
    assert opt.get_config()["initial_scale"] == keras_opt.get_config()["initial_scale"]


@pytest.mark.parametrize("name,kwargs", OPTIMIZER_CONFIGS[:13], ids=lambda x: str(x))
def test_config_matches_keras(name, kwargs):
    keras_config = _make(keras, name, kwargs).get_config()
    config = _make(cornu, name, kwargs).get_config()
    keras_config.pop("name"), config.pop("name")
    assert config.keys() == keras_config.keys()
    for key, value in keras_config.items():
        if isinstance(value, float):
            assert config[key] == pytest.approx(value, rel=1e-6), key
        else:
            assert config[key] == value, key
    # A Keras config loads into cornu.
    restored = getattr(cornu.optimizers, name).from_config(keras_config)
    restored_config = restored.get_config()
    restored_config.pop("name")
    assert restored_config == config
