"""Muon against Keras 3 (torch backend): steps, state, which weights use AdamW, configs, files."""

import os

import numpy as np
import pytest
import torch

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

import cornu  # noqa: E402
from cornu.backend.variable import Variable  # noqa: E402
from optimizer_helpers import (NAMES, check_config, check_file_round_trip,  # noqa: E402
                               check_fit_matches_keras, check_state,
                               data, run_cornu, run_keras, schedule_kwargs)

MUON_CASES = [
    {},
    {"exclude_layers": ["head"], "learning_rate": 0.02},
    {"nesterov": False, "rms_rate": None, "weight_decay": None, "adam_lr_ratio": 0.1,
     "exclude_embeddings": False},
    {"ns_steps": 3, "momentum": 0.8, "adam_weight_decay": 0.1, "clipnorm": 1.0,
     "learning_rate": ("ExponentialDecay", dict(initial_learning_rate=0.05, decay_steps=4,
                                                decay_rate=0.5))},
    {"gradient_accumulation_steps": 2, "use_ema": True, "weight_decay": 0.05},
]


@pytest.mark.parametrize("kwargs", MUON_CASES, ids=str)
def test_muon_matches_keras(kwargs):
    init, grads = data()
    expected, keras_opt = run_keras("Muon", schedule_kwargs(keras, kwargs), init, grads)
    actual, opt = run_cornu("Muon", schedule_kwargs(cornu, kwargs), init, grads)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-6)
    check_state(opt, keras_opt)


def test_muon_chooses_the_adamw_step_as_keras_does():
    init, _ = data()
    for kwargs in MUON_CASES[:3]:
        keras_opt = keras.optimizers.Muon(**kwargs)
        opt = cornu.optimizers.Muon(**kwargs)
        kvars = [keras.Variable(v, name=n) for v, n in zip(init, NAMES)]
        cvars = [Variable(torch.tensor(v), name=n) for v, n in zip(init, NAMES)]
        assert ([opt._should_use_adamw(v) for v in cvars]
                == [keras_opt._should_use_adamw(v) for v in kvars])


def test_muon_newton_schulz_matches_keras():
    rng = np.random.default_rng(4)
    keras_opt, opt = keras.optimizers.Muon(), cornu.optimizers.Muon()
    for shape in [(5, 3), (3, 5), (2, 4, 4)]:
        x = rng.standard_normal(shape).astype("float32")
        expected = keras.ops.convert_to_numpy(
            keras_opt.zeropower_via_newtonschulz5(torch.tensor(x), 5))
        np.testing.assert_allclose(opt.zeropower_via_newtonschulz5(torch.tensor(x), 5).numpy(),
                                   expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        opt.zeropower_via_newtonschulz5(torch.ones(3), 5)


def test_muon_bad_arguments():
    with pytest.raises(ValueError, match="exclude_layers"):
        cornu.optimizers.Muon(exclude_layers="head")
    with pytest.raises(ValueError, match="ns_steps"):
        cornu.optimizers.Muon(ns_steps=2.5)


@pytest.mark.parametrize("kwargs", [{}, {"exclude_layers": ["head", "out.*"], "rms_rate": None,
                                         "weight_decay": None, "ns_steps": 3}], ids=str)
def test_config_matches_keras(kwargs):
    check_config("Muon", kwargs)


def test_keras_file_round_trips_with_cornu(tmp_path):
    check_file_round_trip(tmp_path, keras.optimizers.Muon(exclude_layers=["head"]),
                          cornu.optimizers.Muon(exclude_layers=["head"]))


def test_fit_matches_keras():
    # The embedding and the "head" layer take the AdamW step; the hidden kernel Muon's.
    kwargs = {"exclude_layers": ["head"], "learning_rate": 0.01}
    check_fit_matches_keras(keras.optimizers.Muon(**kwargs), cornu.optimizers.Muon(**kwargs))
