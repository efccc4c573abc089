"""`cornu.distillation` losses against Keras 3's `keras.distillation` on the same tensors."""

import numpy as np
import pytest
import torch

import cornu
from cornu.distillation import DistillationLoss, FeatureDistillation, LogitsDistillation

keras = pytest.importorskip("keras")
from keras import distillation as kd  # noqa: E402


def _logits(seed, shape=(6, 5), scale=3.0):
    return (np.random.default_rng(seed).normal(size=shape) * scale).astype("float32")


def _value(x):
    return float(x.detach().cpu()) if isinstance(x, torch.Tensor) else float(np.asarray(x))


def _numpy_kl_distillation(teacher, student, t):
    def softmax(z):
        e = np.exp(z - z.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)
    p = np.clip(softmax(teacher / t), 1e-7, 1)
    q = np.clip(softmax(student / t), 1e-7, 1)
    return float(np.mean(np.sum(p * np.log(p / q), -1)) * t * t)


@pytest.mark.parametrize("temperature", [1.0, 2.5, 4])
def test_logits_kl_instance_matches_keras(temperature):
    t, s = _logits(0), _logits(1)
    ours = LogitsDistillation(temperature, loss=cornu.losses.KLDivergence())
    theirs = kd.LogitsDistillation(temperature, loss=keras.losses.KLDivergence())
    np.testing.assert_allclose(_value(ours.compute_loss(torch.tensor(t), torch.tensor(s))),
                               _value(theirs.compute_loss(t, s)), rtol=1e-5)


@pytest.mark.parametrize("loss", ["kl_divergence", "kld"])
def test_logits_default_kl_is_softened_kl_times_t_squared(loss):
    # Keras's documented behaviour (softmax at the temperature, scaled by T**2), which Keras
    # 3.15 applies only to a `KLDivergence` instance: the name gives the same value here.
    t, s = _logits(2), _logits(3)
    value = _value(LogitsDistillation(3.0, loss=loss).compute_loss(torch.tensor(t),
                                                                   torch.tensor(s)))
    np.testing.assert_allclose(value, _numpy_kl_distillation(t, s, 3.0), rtol=1e-5)
    keras_instance = kd.LogitsDistillation(3.0, loss=keras.losses.KLDivergence())
    np.testing.assert_allclose(value, _value(keras_instance.compute_loss(t, s)), rtol=1e-5)
    assert _value(LogitsDistillation().compute_loss(torch.tensor(t), torch.tensor(s))) == value


@pytest.mark.parametrize("make", [
    lambda lib: "categorical_crossentropy",
    lambda lib: "mse",
    lambda lib: lib.losses.CategoricalCrossentropy(from_logits=True),
    lambda lib: lib.losses.MeanAbsoluteError(),
])
def test_logits_other_losses_match_keras(make):
    t, s = _logits(4), _logits(5)
    ours = LogitsDistillation(2.0, loss=make(cornu))
    theirs = kd.LogitsDistillation(2.0, loss=make(keras))
    np.testing.assert_allclose(_value(ours.compute_loss(torch.tensor(t), torch.tensor(s))),
                               _value(theirs.compute_loss(t, s)), rtol=1e-5)


def test_logits_multi_output_list_and_dict_match_keras():
    t = [_logits(6), _logits(7, (6, 3))]
    s = [_logits(8), _logits(9, (6, 3))]
    ours = LogitsDistillation(2.0, loss=[cornu.losses.KLDivergence(), None])
    theirs = kd.LogitsDistillation(2.0, loss=[keras.losses.KLDivergence(), None])
    np.testing.assert_allclose(
        _value(ours.compute_loss([torch.tensor(v) for v in t], [torch.tensor(v) for v in s])),
        _value(theirs.compute_loss(t, s)), rtol=1e-5)

    td, sd = {"b": t[0], "a": t[1]}, {"b": s[0], "a": s[1]}
    ours = LogitsDistillation(3.0, loss={"a": "mse", "b": "categorical_crossentropy"})
    theirs = kd.LogitsDistillation(3.0, loss={"a": "mse", "b": "categorical_crossentropy"})
    np.testing.assert_allclose(
        _value(ours.compute_loss({k: torch.tensor(v) for k, v in td.items()},
                                 {k: torch.tensor(v) for k, v in sd.items()})),
        _value(theirs.compute_loss(td, sd)), rtol=1e-5)


@pytest.mark.parametrize("loss", ["mse", "mae", "cosine_similarity", "huber"])
def test_feature_losses_match_keras(loss):
    t, s = _logits(10, (4, 3, 7), 1.0), _logits(11, (4, 3, 7), 1.0)
    ours = FeatureDistillation(loss=loss).compute_loss(torch.tensor(t), torch.tensor(s))
    theirs = kd.FeatureDistillation(loss=loss).compute_loss(t, s)
    np.testing.assert_allclose(_value(ours), _value(theirs), rtol=1e-5, atol=1e-7)


def test_feature_multi_output_with_skipped_output_matches_keras():
    t = [_logits(12, (4, 6), 1.0), _logits(13, (4, 2), 1.0), _logits(14, (4, 5), 1.0)]
    s = [_logits(15, (4, 6), 1.0), _logits(16, (4, 2), 1.0), _logits(17, (4, 5), 1.0)]
    ours = FeatureDistillation(loss=["mse", None, cornu.losses.CosineSimilarity()])
    theirs = kd.FeatureDistillation(loss=["mse", None, keras.losses.CosineSimilarity()])
    np.testing.assert_allclose(
        _value(ours.compute_loss([torch.tensor(v) for v in t], [torch.tensor(v) for v in s])),
        _value(theirs.compute_loss(t, s)), rtol=1e-5)


def test_losses_are_differentiable():
    t = torch.tensor(_logits(18))
    s = torch.tensor(_logits(19), requires_grad=True)
    for loss in (LogitsDistillation(), FeatureDistillation()):
        s.grad = None
        loss.compute_loss(t, s).backward()
        assert s.grad is not None and torch.isfinite(s.grad).all() and s.grad.abs().sum() > 0


def test_validate_outputs_structure_errors():
    t = np.zeros((2, 3), "float32")
    for ours, theirs in ((LogitsDistillation(), kd.LogitsDistillation()),
                         (FeatureDistillation(), kd.FeatureDistillation())):
        ours.validate_outputs(t, t)
        with pytest.raises(ValueError):
            theirs.validate_outputs(t, {"output": t})
        with pytest.raises(ValueError):
            ours.validate_outputs(t, {"output": t})
        with pytest.raises(ValueError):
            ours.validate_outputs(t, [t, t])
    # A loss structure that does not match the features' (Keras 3.15 fails here with an
    # AttributeError while formatting its message).
    with pytest.raises(ValueError, match="structure of `loss`"):
        FeatureDistillation(loss=["mse", "mae"]).validate_outputs(t, t)


@pytest.mark.parametrize("cls_name, kwargs, match", [
    ("LogitsDistillation", {"temperature": 0}, "positive"),
    ("LogitsDistillation", {"temperature": -1.0}, "positive"),
    ("LogitsDistillation", {"temperature": "3"}, "number"),
    ("LogitsDistillation", {"loss": None}, "at least one"),
    ("LogitsDistillation", {"loss": [None, None]}, "at least one"),
    ("LogitsDistillation", {"loss": "no_such_loss"}, "no_such_loss"),
    ("FeatureDistillation", {"loss": None}, "at least one"),
    ("FeatureDistillation", {"loss": "no_such_loss"}, "no_such_loss"),
])
def test_argument_errors_as_keras(cls_name, kwargs, match):
    with pytest.raises(ValueError):
        getattr(kd, cls_name)(**kwargs)
    with pytest.raises(ValueError, match=match):
        getattr(cornu.distillation, cls_name)(**kwargs)


def test_base_class_requires_compute_loss():
    with pytest.raises(NotImplementedError):
        DistillationLoss().compute_loss(torch.zeros(2), torch.zeros(2))


@pytest.mark.parametrize("make", [
    lambda lib: lib.LogitsDistillation(),
    lambda lib: lib.LogitsDistillation(temperature=4.0, loss="categorical_crossentropy"),
    lambda lib: lib.LogitsDistillation(temperature=2.0, loss=["kl_divergence", None]),
    lambda lib: lib.FeatureDistillation(),
    lambda lib: lib.FeatureDistillation(loss="cosine_similarity", teacher_layer_name="a",
                                        student_layer_name="b"),
    lambda lib: lib.FeatureDistillation(loss=["mse", None, "mae"]),
])
def test_config_round_trips_and_matches_keras(make):
    ours, theirs = make(cornu.distillation), make(kd)
    assert ours.get_config() == theirs.get_config()
    assert (cornu.saving.serialize_keras_object(ours)
            == keras.saving.serialize_keras_object(theirs))
    # Keras's serialized form (module "keras.distillation") loads in cornu, and back.
    restored = cornu.saving.deserialize_keras_object(keras.saving.serialize_keras_object(theirs))
    assert type(restored) is type(ours) and restored.get_config() == ours.get_config()
    back = keras.saving.deserialize_keras_object(cornu.saving.serialize_keras_object(ours))
    assert type(back) is type(theirs) and back.get_config() == theirs.get_config()
    assert type(ours).from_config(ours.get_config()).get_config() == ours.get_config()


def test_config_with_loss_instance_matches_keras():
    ours = LogitsDistillation(2.0, loss=cornu.losses.KLDivergence())
    theirs = kd.LogitsDistillation(2.0, loss=keras.losses.KLDivergence())
    assert ours.get_config() == theirs.get_config()
    restored = LogitsDistillation.from_config(theirs.get_config())
    assert isinstance(restored.loss, cornu.losses.KLDivergence)
    assert restored.temperature == 2.0
