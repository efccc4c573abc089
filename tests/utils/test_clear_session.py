"""`clear_session` resets what Keras's resets, side by side with Keras.

Most calls pass `free_memory=False`: a garbage collection is slow once torch and Keras are
loaded, and the last test checks it on its own."""

import gc
import inspect
import os
import weakref

import pytest
import torch

import cornu
from cornu.backend.keras_tensor import KerasTensor
from cornu.saving import object_registration, safe_mode
from cornu.utils import rng_utils


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


def test_one_function_with_keras_signature(keras):
    assert cornu.backend.clear_session is cornu.utils.clear_session
    assert (inspect.signature(cornu.utils.clear_session)
            == inspect.signature(keras.utils.clear_session))


def test_default_names_start_again(keras):
    for lib in (keras, cornu):
        lib.utils.clear_session(free_memory=False)
        dense = [lib.layers.Dense(2) for _ in range(3)]
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1)])
        assert [d.name for d in dense] == ["dense", "dense_1", "dense_2"]
        assert model.name == "sequential"
        lib.utils.clear_session(free_memory=False)
        assert lib.layers.Dense(2).name == "dense"
        assert lib.Sequential().name == "sequential"
    # cornu numbers symbolic tensors itself ("keras_tensor_N"): the count restarts too.
    cornu.utils.clear_session(free_memory=False)
    first = KerasTensor((None, 2)).name
    assert KerasTensor((None, 2)).name != first
    cornu.utils.clear_session(free_memory=False)
    assert KerasTensor((None, 2)).name == first


def test_global_settings_reset_as_in_keras(keras):
    try:
        for lib in (keras, cornu):
            lib.config.set_floatx("float64")
            lib.config.set_dtype_policy("mixed_bfloat16")
            lib.config.disable_interactive_logging()
            lib.utils.set_random_seed(7)
            lib.utils.clear_session(free_memory=False)
            assert lib.config.dtype_policy().name == "float64"  # follows floatx again
            assert lib.config.floatx() == "float64"  # kept
            assert lib.config.is_interactive_logging_enabled()
        assert rng_utils.get_random_seed() is None
        assert keras.src.utils.rng_utils.get_random_seed() is None
    finally:
        for lib in (keras, cornu):
            lib.config.set_floatx("float32")
            lib.config.enable_interactive_logging()
            lib.utils.clear_session(free_memory=False)
    assert cornu.config.dtype_policy().name == "float32"


def test_safe_mode_and_custom_object_scopes_reset(keras):
    cornu.config.enable_unsafe_deserialization()
    keras.config.enable_unsafe_deserialization()
    assert not safe_mode.in_safe_mode() and not keras.src.saving.serialization_lib.in_safe_mode()
    for lib in (keras, cornu):
        lib.utils.clear_session(free_memory=False)
    # Keras's answer is None (unset) after a reset: safe mode, the default.
    assert safe_mode.in_safe_mode()
    assert keras.src.saving.serialization_lib.in_safe_mode() in (None, True)

    def scaled(x):
        return 2 * x

    for lib, registry in ((keras, keras.src.saving.object_registration),
                          (cornu, object_registration)):
        with lib.utils.custom_object_scope({"scaled": scaled}):
            assert registry.get_registered_object("scaled") is scaled
            lib.utils.clear_session(free_memory=False)
            assert registry.get_registered_object("scaled") is None


def test_free_memory_collects_garbage_and_compiled_caches_are_dropped(monkeypatch):
    class Node:
        pass

    calls = []
    monkeypatch.setattr(torch._dynamo, "reset", lambda: calls.append("reset"))
    gc.disable()
    try:
        node = Node()
        node.cycle = node
        alive = weakref.ref(node)
        del node
        cornu.utils.clear_session(free_memory=False)
        assert alive() is not None  # a reference cycle waits for the collector
        cornu.utils.clear_session()
        assert alive() is None
    finally:
        gc.enable()
    assert calls == ["reset", "reset"]
