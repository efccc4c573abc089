"""`keras.config` flash-attention and traceback-filtering switches against Keras's."""

import keras
import pytest
import torch

import cornu


def _flash_states(lib):
    states = [lib.config.is_flash_attention_enabled()]
    lib.config.disable_flash_attention()
    states.append(lib.config.is_flash_attention_enabled())
    lib.config.enable_flash_attention()
    states.append(lib.config.is_flash_attention_enabled())
    return states


def test_flash_attention_flag_matches_keras_and_routes_to_torch_sdpa():
    assert torch.backends.cuda.flash_sdp_enabled()
    assert _flash_states(cornu) == _flash_states(keras)
    try:
        cornu.config.disable_flash_attention()
        assert not torch.backends.cuda.flash_sdp_enabled()
        # Attention still runs, on another SDPA kernel, with the same result.
        q = torch.randn(2, 5, 3, 8)
        expected = keras.ops.convert_to_numpy(keras.ops.dot_product_attention(q, q, q))
        torch.testing.assert_close(cornu.ops.dot_product_attention(q, q, q),
                                   torch.as_tensor(expected), rtol=1e-5, atol=1e-5)
    finally:
        cornu.config.enable_flash_attention()
    assert torch.backends.cuda.flash_sdp_enabled()


def _traceback_states(lib):
    states = [lib.config.is_traceback_filtering_enabled()]
    lib.config.disable_traceback_filtering()
    states.append(lib.config.is_traceback_filtering_enabled())
    lib.config.enable_traceback_filtering()
    states.append(lib.config.is_traceback_filtering_enabled())
    return states


def test_traceback_filtering_flag_matches_keras():
    assert _traceback_states(cornu) == _traceback_states(keras) == [True, False, True]


def test_config_names_match_keras():
    missing = {n for n in dir(keras.config) if not n.startswith("_")} - set(dir(cornu.config))
    assert not missing


def test_set_backend_accepts_torch_and_refuses_other_backends():
    cornu.config.set_backend("torch")
    assert cornu.config.backend() == "torch"
    with pytest.raises(ValueError, match="PyTorch only.*backend='jax'"):
        cornu.config.set_backend("jax")
    assert cornu.config.is_nnx_enabled() is keras.config.is_nnx_enabled() is False
