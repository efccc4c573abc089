"""ScheduleFreeAdamW against a NumPy reference and Keras 3: steps, state, configs, files."""

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

import cornu  # noqa: E402
from optimizer_helpers import (NAMES, check_config, check_file_round_trip,  # noqa: E402
                               check_fit_matches_keras, check_state,
                               data, run_cornu, run_keras)

def _numpy_schedule_free(init, grads, lr, beta_1, beta_2, epsilon, warmup_steps, weight_decay):
    """Keras's ScheduleFreeAdamW.update_step in NumPy (float64), with `momentum_old` read
    before the momentum update as the algorithm (and Keras on JAX/TensorFlow) has it."""
    y = [v.astype("float64") for v in init]
    z = [v.copy() for v in y]
    vel = [np.zeros_like(v) for v in y]
    for t, step_grads in enumerate(grads, start=1):
        rate = lr * min(t / warmup_steps, 1.0) if warmup_steps > 0 else lr
        for i, g in enumerate(step_grads):
            if weight_decay:
                y[i] = y[i] - y[i] * weight_decay * lr
            vel[i] = vel[i] + (g * g - vel[i]) * (1 - beta_2)
            denom = np.sqrt(vel[i] / (1 - beta_2 ** t)) + epsilon
            z_old = z[i]
            z[i] = z[i] - rate * g / denom
            x_old = (y[i] - (1 - beta_1) * z_old) / beta_1
            x_new = (1 - 1 / t) * x_old + (1 / t) * z[i]
            y[i] = (1 - beta_1) * z[i] + beta_1 * x_new
    return y, z, vel


SCHEDULE_FREE_CASES = [
    {},
    {"learning_rate": 0.01, "beta_1": 0.8, "warmup_steps": 5},
    {"weight_decay": 0.1, "beta_2": 0.99, "epsilon": 1e-6},
]


@pytest.mark.parametrize("kwargs", SCHEDULE_FREE_CASES, ids=str)
def test_schedule_free_adamw_matches_reference(kwargs):
    init, grads = data(seed=5)
    actual, opt = run_cornu("ScheduleFreeAdamW", kwargs, init, grads)
    defaults = {"lr": 0.0025, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8,
                "warmup_steps": 0, "weight_decay": None}
    args = {**defaults, **{("lr" if k == "learning_rate" else k): v for k, v in kwargs.items()}}
    y, z, vel = _numpy_schedule_free(init, grads, **args)
    for a, e in zip(actual, y):
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-6)
    state = [v.numpy() for v in opt.variables[2:]]
    for i in range(len(NAMES)):
        np.testing.assert_allclose(state[2 * i], z[i], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(state[2 * i + 1], vel[i], rtol=1e-5, atol=1e-9)


def test_schedule_free_adamw_first_step_and_layout_match_keras():
    # On its first step (averaging weight 1) Keras's torch backend computes the same as the
    # algorithm; later steps differ there because its `momentum_old` aliases the updated
    # momentum (a torch Variable's `.value` is the live tensor).
    init, grads = data(seed=6)
    kwargs = {"learning_rate": 0.05, "weight_decay": 0.02}
    expected, keras_opt = run_keras("ScheduleFreeAdamW", kwargs, init, grads[:1])
    actual, opt = run_cornu("ScheduleFreeAdamW", kwargs, init, grads[:1])
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-6)
    check_state(opt, keras_opt)
    assert [v.path.split("/", 1)[1] for v in opt.variables] == [
        v.path.split("/", 1)[1] for v in keras_opt.variables]


@pytest.mark.parametrize("kwargs", [{}, {"warmup_steps": 10, "beta_1": 0.8}], ids=str)
def test_config_matches_keras(kwargs):
    check_config("ScheduleFreeAdamW", kwargs)


def test_keras_file_round_trips_with_cornu(tmp_path):
    check_file_round_trip(tmp_path, keras.optimizers.ScheduleFreeAdamW(warmup_steps=2),
                          cornu.optimizers.ScheduleFreeAdamW(warmup_steps=2))


def test_fit_and_evaluate_use_the_trained_weights():
    # Keras keeps `y` in the weights for evaluation too (no swap to `x`); so does cornu.
    # One step each, where Keras's torch backend computes the algorithm's values.
    check_fit_matches_keras(keras.optimizers.ScheduleFreeAdamW(learning_rate=0.01),
                            cornu.optimizers.ScheduleFreeAdamW(learning_rate=0.01),
                            epochs=1, batch_size=16)
