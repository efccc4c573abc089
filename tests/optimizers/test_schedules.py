"""Learning-rate schedules: values against Keras's, config round trips."""

import os

import pytest

from cornu.optimizers import schedules

os.environ.setdefault("KERAS_BACKEND", "torch")

SCHEDULES = [
    ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=7, decay_rate=0.5)),
    ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=7, decay_rate=0.5,
                              staircase=True)),
    ("PiecewiseConstantDecay", dict(boundaries=[5, 20], values=[1.0, 0.5, 0.1])),
    ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=20, power=2.0)),
    ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=20, cycle=True)),
    ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=4, decay_rate=0.3)),
    ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=4, decay_rate=0.3,
                              staircase=True)),
    ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=30, alpha=0.1)),
    ("CosineDecay", dict(initial_learning_rate=0.0, decay_steps=30, warmup_target=0.2,
                         warmup_steps=10)),
    ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=6)),
    ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=6, t_mul=1.0,
                                 m_mul=0.8, alpha=0.05)),
]


@pytest.mark.parametrize("name,kwargs", SCHEDULES, ids=lambda x: str(x))
def test_values_match_keras(name, kwargs):
    keras = pytest.importorskip("keras")
    theirs = getattr(keras.optimizers.schedules, name)(**kwargs)
    mine = getattr(schedules, name)(**kwargs)
    for step in range(60):
        assert mine(step) == pytest.approx(float(theirs(step)), rel=1e-5, abs=1e-7)


@pytest.mark.parametrize("name,kwargs", SCHEDULES, ids=lambda x: str(x))
def test_config_round_trip(name, kwargs):
    schedule = getattr(schedules, name)(**kwargs)
    config = schedules.serialize(schedule)
    assert config["module"] == "keras.optimizers.schedules"
    assert config["class_name"] == name
    restored = schedules.deserialize(config)
    assert type(restored) is type(schedule)
    assert restored.get_config() == schedule.get_config()
    assert restored(13) == schedule(13)


def test_keras_config_loads():
    keras = pytest.importorskip("keras")
    theirs = keras.optimizers.schedules.CosineDecay(0.1, 100, warmup_target=0.3, warmup_steps=5)
    mine = schedules.deserialize(keras.optimizers.schedules.serialize(theirs))
    assert isinstance(mine, schedules.CosineDecay)
    assert mine(50) == pytest.approx(float(theirs(50)), rel=1e-6)


def test_accepts_tensor_steps_and_rejects_bad_arguments():
    import torch

    schedule = schedules.ExponentialDecay(0.1, 10, 0.5)
    assert schedule(torch.tensor(10)) == pytest.approx(0.05)
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="values"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1])
    with pytest.raises(ValueError, match="step"):
        schedule("ten")


def test_custom_schedule_subclass():
    class Halving(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 1.0 / (2 ** int(step))

        def get_config(self):
            return {}

    from cornu.optimizers import SGD

    opt = SGD(learning_rate=Halving())
    assert opt.learning_rate == 1.0
    with pytest.raises(NotImplementedError):
        schedules.LearningRateSchedule()(0)
