"""Keras 3's lowercase names in regularizers, constraints and initializers are its classes."""

import numpy as np
import pytest
import torch

import cornu

keras = pytest.importorskip("keras")
W = np.random.default_rng(0).standard_normal((6, 4)).astype("float32")
# Not in cornu: the STFT initializer of Keras's audio layers (cornu has no audio layers).
NOT_PROVIDED = {"stft"}


def _public_lowercase(module):
    return sorted(n for n in dir(module) if n.islower() and not n.startswith("_")
                  and isinstance(getattr(module, n), type))


@pytest.mark.parametrize("module", ["regularizers", "constraints", "initializers"])
def test_every_keras_lowercase_class_name_exists(module):
    ours = getattr(cornu, module)
    for name in set(_public_lowercase(getattr(keras, module))) - NOT_PROVIDED:
        assert isinstance(getattr(ours, name, None), type), f"{module}.{name}"
        assert getattr(ours, name).__name__ == getattr(keras, module).__dict__[name].__name__


@pytest.mark.parametrize("name, args", [("l1", ()), ("l2", ()), ("l2", (1e-4,)),
                                        ("l1_l2", ()), ("l1_l2", (0.1, 0.2)),
                                        ("orthogonal_regularizer", (0.1,)),
                                        ("orthogonal_regularizer", (0.3, "columns"))])
def test_regularizer_aliases_penalize_like_keras(name, args):
    ours = getattr(cornu.regularizers, name)(*args)
    theirs = getattr(keras.regularizers, name)(*args)
    for key, value in theirs.get_config().items():
        expected = value if isinstance(value, str) else pytest.approx(value, rel=1e-6)
        assert ours.get_config()[key] == expected
    np.testing.assert_allclose(float(ours(torch.from_numpy(W))),
                               float(theirs(torch.from_numpy(W))), rtol=1e-5)


@pytest.mark.parametrize("name, kwargs", [("max_norm", {"max_value": 1.5}), ("non_neg", {}),
                                          ("unit_norm", {"axis": 1}),
                                          ("min_max_norm", {"min_value": 0.5, "rate": 0.5})])
def test_constraint_aliases_project_like_keras(name, kwargs):
    ours = getattr(cornu.constraints, name)(**kwargs)(torch.from_numpy(W))
    theirs = getattr(keras.constraints, name)(**kwargs)(torch.from_numpy(W))
    np.testing.assert_allclose(np.asarray(ours), keras.ops.convert_to_numpy(theirs), rtol=1e-5)


@pytest.mark.parametrize("name", ["glorot_uniform", "he_normal", "lecun_normal", "orthogonal",
                                  "variance_scaling", "truncated_normal", "random_uniform"])
def test_initializer_aliases_serialize_like_keras(name):
    ours = cornu.initializers.serialize(getattr(cornu.initializers, name)(seed=3))
    theirs = keras.initializers.serialize(getattr(keras.initializers, name)(seed=3))
    assert ours["class_name"] == theirs["class_name"]
    assert ours["config"] == theirs["config"]


def test_aliases_work_in_a_layer_and_its_config():
    layer = cornu.layers.Dense(3, kernel_regularizer=cornu.regularizers.l2(1e-3),
                               kernel_initializer=cornu.initializers.he_normal(seed=1),
                               kernel_constraint=cornu.constraints.max_norm(2.0))
    layer.build((None, 4))
    clone = cornu.layers.Dense.from_config(layer.get_config())
    assert isinstance(clone.kernel_regularizer, cornu.regularizers.L2)
    assert clone.kernel_regularizer.l2 == pytest.approx(1e-3)
    assert isinstance(clone.kernel_constraint, cornu.constraints.MaxNorm)
