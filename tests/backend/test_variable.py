"""`cornu.Variable` built the ways Keras's documentation shows, against `keras.Variable`."""

import copy

import keras
import numpy as np
import pytest
import torch

import cornu


def _describe(variable):
    return (variable.numpy().tolist(), tuple(variable.shape), cornu.backend.standardize_dtype(
        variable.dtype), variable.trainable)


@pytest.mark.parametrize("make", [
    lambda K: K.Variable(initializer=np.ones((2, 5))),
    lambda K: K.Variable(initializer=K.initializers.Ones(), shape=(2, 5), dtype="float32"),
    lambda K: K.Variable(initializer="zeros", shape=(3,), dtype="float16"),
    lambda K: K.Variable(K.initializers.Constant(2.5), shape=(2, 2)),
    lambda K: K.Variable([1, 2], trainable=False),
    lambda K: K.Variable(3, trainable=False),
    lambda K: K.Variable([1.0, 2.0]),
    lambda K: K.Variable(np.arange(3.0)),
    lambda K: K.Variable(np.arange(3, dtype="int16"), trainable=False),
    lambda K: K.Variable(np.arange(4.0), dtype="float32", trainable=False),
    lambda K: K.Variable(torch.ones(2, dtype=torch.float64)),
])
def test_values_shapes_and_dtypes_match_keras(make):
    expected = make(keras)
    variable = make(cornu)
    values, shape, dtype, trainable = _describe(variable)
    assert values == keras.ops.convert_to_numpy(expected).tolist()
    assert (shape, dtype, trainable) == (tuple(expected.shape), expected.dtype,
                                         expected.trainable)


def test_keras_attributes_and_copies():
    variable = cornu.Variable(1.0, aggregation="mean", synchronization="on_read",
                              autocast=False, name="v")
    reference = keras.Variable(1.0, aggregation="mean", synchronization="on_read",
                               autocast=False, name="v")
    for attr in ("aggregation", "synchronization", "overwrite_with_gradient", "name", "path"):
        assert getattr(variable, attr) == getattr(reference, attr), attr
    assert variable.autocast is False
    variable.overwrite_with_gradient = True
    clone = copy.deepcopy(variable)
    assert (clone.aggregation, clone.overwrite_with_gradient, clone.autocast) == (
        "mean", True, False)


@pytest.mark.parametrize("kwargs, message", [
    ({"initializer": "ones"}, "the `shape` argument should be specified"),
    ({"initializer": 1.0, "aggregation": "bogus"}, "Invalid value for argument `aggregation`"),
    ({"initializer": 1.0, "synchronization": "x"}, "Invalid value for argument `synchronization`"),
    ({"initializer": 1.0, "name": "a/b"}, "cannot contain character `/`"),
])
def test_bad_arguments_fail_like_keras(kwargs, message):
    for lib in (keras, cornu):
        with pytest.raises(ValueError, match=message):
            lib.Variable(**kwargs)


def test_value_and_shape_that_disagree_are_refused():
    with pytest.raises(ValueError, match=r"shape \(3,\), but shape=\(2,\)"):
        cornu.Variable(np.ones(3), shape=(2,))


def test_default_names_count_up():
    first, second = cornu.Variable(1.0), cornu.Variable(1.0)
    assert first.name.startswith("variable") and second.name != first.name
