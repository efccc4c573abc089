"""Top-level names Keras code uses: `keras.device`, `keras.version`, `keras.DTypePolicy`."""

import pytest
import torch

import cornu

keras = pytest.importorskip("keras")


def test_device_scope_places_new_weights_and_restores_the_setting():
    before = cornu.config.device()
    with cornu.device("meta"):
        layer = cornu.layers.Dense(3)
        layer.build((None, 4))
        assert cornu.config.device() == torch.device("meta")
    assert layer.kernel.device.type == "meta"
    assert cornu.config.device() == before
    outside = cornu.layers.Dense(3)
    outside.build((None, 4))
    assert outside.kernel.device == before
    with pytest.raises(RuntimeError):
        with cornu.device("cpu"):
            raise RuntimeError("inside")
    assert cornu.config.device() == before


def test_version_and_dtype_policy_names():
    assert cornu.version() == cornu.__version__
    policy = cornu.DTypePolicy("mixed_bfloat16")
    theirs = keras.DTypePolicy("mixed_bfloat16")
    assert (policy.compute_dtype, policy.variable_dtype) == (theirs.compute_dtype,
                                                             theirs.variable_dtype)
    assert cornu.dtype_policies.FloatDTypePolicy("float16").compute_dtype == "float16"
    layer = cornu.layers.Dense(2, dtype=cornu.FloatDTypePolicy("bfloat16"))
    assert layer.compute_dtype == "bfloat16"
