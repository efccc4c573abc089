"""`keras.dtype_policies.serialize` / `deserialize` against Keras's."""

import keras
import pytest

import cornu


@pytest.mark.parametrize("name", ["float32", "float16", "bfloat16", "mixed_float16",
                                  "mixed_bfloat16", "float64"])
def test_serialize_matches_keras_and_round_trips(name):
    ours = cornu.dtype_policies.serialize(cornu.dtype_policies.DTypePolicy(name))
    theirs = keras.dtype_policies.serialize(keras.dtype_policies.DTypePolicy(name))
    assert ours == theirs
    for config in (ours, {"class_name": "DTypePolicy", "config": {"name": name}},
                   {"class_name": "FloatDTypePolicy", "config": {"name": name}}):
        policy = cornu.dtype_policies.deserialize(config)
        expected = keras.dtype_policies.deserialize(config)
        assert isinstance(policy, cornu.dtype_policies.DTypePolicy)
        assert (policy.name, policy.compute_dtype, policy.variable_dtype) == (
            expected.name, expected.compute_dtype, expected.variable_dtype)


def test_deserialize_plain_names_and_custom_objects():
    assert cornu.dtype_policies.deserialize("float16") == keras.dtype_policies.deserialize(
        "float16")

    class MyPolicy(cornu.dtype_policies.DTypePolicy):
        pass

    policy = cornu.dtype_policies.deserialize(
        {"class_name": "MyPolicy", "config": {"name": "bfloat16"}},
        custom_objects={"MyPolicy": MyPolicy})
    assert type(policy) is MyPolicy and policy.compute_dtype == "bfloat16"
