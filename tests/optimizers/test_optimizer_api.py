"""Optimizer API: lookup, configs, learning rate, deprecations, errors, fast step, training."""

import warnings

import numpy as np
import pytest
import torch

import cornu.optimizers as optimizers
from cornu.optimizers import schedules


def _params():
    torch.manual_seed(0)
    return [torch.nn.Parameter(torch.randn(3, 2)), torch.nn.Parameter(torch.randn(2))]


@pytest.mark.parametrize("name", ["adam", "Adam", "sgd", "rmsprop", "adamw", "adagrad",
                                  "adadelta", "adamax", "nadam", "lion", "ftrl", "lamb",
                                  "Lamb", "adafactor", "Adafactor"])
def test_get_by_name(name):
    opt = optimizers.get(name)
    assert type(opt).__name__.lower() == name.lower()


def test_get_instance_dict_and_unknown():
    opt = optimizers.SGD(momentum=0.5)
    assert optimizers.get(opt) is opt
    again = optimizers.get(optimizers.serialize(opt))
    assert isinstance(again, optimizers.SGD) and again.momentum == 0.5
    assert isinstance(optimizers.get({"class_name": "adam", "config": {}}), optimizers.Adam)
    with pytest.raises(ValueError, match="Valid names are: .*adam"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="optimizer identifier"):
        optimizers.get(3)


def test_config_round_trip_with_schedule():
    schedule = schedules.PolynomialDecay(0.1, 100)
    opt = optimizers.Adam(learning_rate=schedule, clipnorm=1.0, amsgrad=True)
    config = optimizers.serialize(opt)
    assert config["module"] == "keras.optimizers"
    restored = optimizers.deserialize(config)
    assert isinstance(restored._learning_rate, schedules.PolynomialDecay)
    assert restored.get_config() == opt.get_config()
    assert restored.get_config()["learning_rate"]["class_name"] == "PolynomialDecay"


def test_learning_rate_property_and_assignment():
    opt = optimizers.SGD(learning_rate=0.1)
    assert float(opt.learning_rate) == pytest.approx(0.1)
    opt.learning_rate = 0.01
    assert float(opt.learning_rate) == pytest.approx(0.01)
    opt.learning_rate.assign(0.02)  # callbacks' style
    assert opt.get_config()["learning_rate"] == pytest.approx(0.02)
    assert opt._current_learning_rate() == pytest.approx(0.02)
    opt.learning_rate = schedules.ExponentialDecay(1.0, 1, 0.5)
    assert opt.learning_rate == 1.0
    assert [v.name for v in opt.variables] == ["iteration"]
    with pytest.raises(TypeError, match="schedule"):
        opt.learning_rate = 0.1
    with pytest.raises(ValueError, match="learning_rate"):
        optimizers.Adam(learning_rate="fast")


def test_schedule_is_evaluated_from_iterations():
    params = _params()
    opt = optimizers.SGD(learning_rate=schedules.PiecewiseConstantDecay([0], [1.0, 0.0]))
    before = params[0].detach().clone()
    for _ in range(3):
        params[0].grad = torch.ones_like(params[0])
        opt.step(params[:1])
    # Step 0 used lr 1.0, later steps lr 0.0.
    torch.testing.assert_close(params[0].detach(), before - 1.0)
    assert int(opt.iterations) == 3


def test_legacy_lr_and_decay_arguments():
    with pytest.warns(DeprecationWarning, match="lr"):
        opt = optimizers.SGD(lr=0.5)
    assert float(opt.learning_rate) == 0.5
    with pytest.warns(DeprecationWarning, match="decay"):
        opt = optimizers.SGD(learning_rate=1.0, decay=0.5)
    params = _params()
    for _ in range(3):
        params[1].grad = torch.ones(2)
        opt.step(params)
    # lr_t = 1 / (1 + 0.5 * t) for t = 0, 1, 2.
    assert opt.learning_rate == pytest.approx(1 / (1 + 0.5 * 3))
    assert opt.get_config()["decay"] == 0.5


def test_bad_arguments():
    with pytest.raises(ValueError, match="not recognized"):
        optimizers.Adam(bogus=1)
    with pytest.raises(ValueError, match="Only one of"):
        optimizers.Adam(clipnorm=1.0, clipvalue=1.0)
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        optimizers.Adam(gradient_accumulation_steps=1)
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="without `trainable_variables`"):
        optimizers.Adam().apply([torch.zeros(2)])
    opt = optimizers.Adam()
    params = _params()
    opt.build(params[:1])
    with pytest.raises(ValueError, match="does not know"):
        opt.apply_gradients([(torch.zeros(2), params[1])])
    with pytest.raises(ValueError, match="No gradients"):
        opt.apply([None], params[:1])


def test_step_skips_missing_grads_and_frozen_params():
    params = _params()
    frozen = torch.nn.Parameter(torch.ones(2), requires_grad=False)
    opt = optimizers.SGD(learning_rate=1.0)
    opt.step([])  # nothing to do
    params[0].grad = torch.ones(3, 2)
    before = params[1].detach().clone()
    opt.step(params + [frozen])
    torch.testing.assert_close(params[1].detach(), before)
    torch.testing.assert_close(frozen.detach(), torch.ones(2))
    assert int(opt.iterations) == 1


def test_exclude_from_weight_decay():
    params = _params()
    opt = optimizers.SGD(learning_rate=1.0, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_list=[params[1]])
    before = [p.detach().clone() for p in params]
    for p in params:
        p.grad = torch.zeros_like(p)
    opt.step(params)
    torch.testing.assert_close(params[0].detach(), before[0] * 0.5)
    torch.testing.assert_close(params[1].detach(), before[1])
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["bias"])


def test_save_and_load_own_variables():
    params = _params()
    opt = optimizers.Adam()
    for p in params:
        p.grad = torch.ones_like(p)
    opt.step(params)
    store = {}
    opt.save_own_variables(store)
    other = optimizers.Adam()
    other.build(params)
    other.load_own_variables(store)
    for a, b in zip(opt.variables, other.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert int(other.iterations) == 1


def test_loss_scale_optimizer_skips_non_finite_steps():
    params = _params()
    opt = optimizers.LossScaleOptimizer(optimizers.SGD(learning_rate=1.0), initial_scale=8.0,
                                        dynamic_growth_steps=2)
    assert float(opt.scale_loss(torch.tensor(1.0))) == 8.0
    before = params[0].detach().clone()
    params[0].grad = torch.full((3, 2), float("inf"))
    opt.step(params)
    torch.testing.assert_close(params[0].detach(), before)
    assert float(opt.dynamic_scale) == 4.0 and int(opt.iterations) == 0
    for _ in range(2):
        params[0].grad = torch.full((3, 2), 4.0)
        opt.step(params)
    torch.testing.assert_close(params[0].detach(), before - 2.0)  # grads unscaled by 4
    assert float(opt.dynamic_scale) == 8.0 and int(opt.iterations) == 2
    restored = optimizers.deserialize(optimizers.serialize(opt))
    assert isinstance(restored.inner_optimizer, optimizers.SGD)
    assert restored.initial_scale == 8.0


def test_finalize_variable_values_with_ema():
    params = _params()
    opt = optimizers.SGD(learning_rate=0.1, use_ema=True, ema_momentum=0.5)
    start = params[0].detach().clone()
    for _ in range(2):
        for p in params:
            p.grad = torch.ones_like(p)
        opt.step(params)
    opt.finalize_variable_values(params)
    # average after step 1: start - 0.1; after step 2: 0.5 * (start - .1) + 0.5 * (start - .2)
    torch.testing.assert_close(params[0].detach(), start - 0.15)


@pytest.mark.parametrize("name", ["sgd", "rmsprop", "adam", "adamw", "nadam", "adamax",
                                  "adagrad", "lion", "lamb", "adafactor"])
def test_linear_regression_loss_decreases(name):
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    x = torch.randn(64, 4)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]]) + 0.3
    opt = optimizers.get(name)
    # Lamb and Adafactor scale steps by the weights' norm, so they need a larger rate here.
    opt.learning_rate = {"adagrad": 0.5, "lamb": 0.2, "adafactor": 0.2}.get(name, 0.05)
    params = list(model.parameters())
    losses = []
    for _ in range(50):
        loss = torch.mean((model(x) - y) ** 2)
        losses.append(loss.item())
        for p in params:
            p.grad = None
        loss.backward()
        opt.step(params)
    assert losses[-1] < 0.5 * losses[0]


def test_custom_keras_style_update_step():
    class PlainSGD(optimizers.Optimizer):
        def __init__(self, learning_rate=0.1, **kwargs):
            super().__init__(learning_rate, **kwargs)

        def update_step(self, gradient, variable, learning_rate):
            self.assign_sub(variable, gradient * learning_rate)

    params = _params()
    before = params[1].detach().clone()
    params[1].grad = torch.ones(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        PlainSGD().step(params)
    torch.testing.assert_close(params[1].detach(), before - 0.1)


@pytest.mark.parametrize("opt", [
    optimizers.Lamb(learning_rate=0.02, beta_1=0.8, epsilon=1e-6, weight_decay=0.01),
    optimizers.Adafactor(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.9),
                         beta_2_decay=-0.6, epsilon_2=1e-2, clip_threshold=2.0,
                         relative_step=False, use_ema=True),
], ids=["lamb", "adafactor"])
def test_lamb_adafactor_config_round_trip(opt):
    restored = optimizers.deserialize(optimizers.serialize(opt))
    assert type(restored) is type(opt)
    assert restored.get_config() == opt.get_config()


def test_adafactor_factors_rank_3_weights_on_the_last_two_axes():
    opt = optimizers.Adafactor()
    weights = [torch.nn.Parameter(torch.randn(2, 3, 4)), torch.nn.Parameter(torch.randn(4))]
    opt.build(weights)
    shapes = [tuple(v.shape) for v in opt.variables[2:]]
    assert shapes == [(2, 3), (2, 4), (2, 3, 4), (), (), (4,)]
