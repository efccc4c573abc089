"""`keras.name_scope`, the small `keras.backend` functions and `keras.utils.Config` /
`standardize_dtype`, against Keras."""

import itertools

import keras
import numpy as np
import pytest
import torch

import cornu
from cornu.backend import dtypes as cornu_dtypes


def _paths(lib):
    """Variable paths and layer names of the same program run on `lib` (Keras or cornu)."""
    lib.utils.clear_session()
    with lib.name_scope("outer"):
        dense = lib.layers.Dense(2)
        dense.build((None, 3))
        standalone = lib.Variable(1.0, name="v")
        with lib.name_scope("inner"):
            inner = lib.Variable(np.zeros(2, "float32"), name="w")
        with lib.name_scope("outer"):  # no caller: a second "outer" level
            twice = lib.Variable(1.0, name="t")
    with lib.name_scope("m"):
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2)])
    called = lib.layers.Dense(2)
    with lib.name_scope("o2"):
        called(np.ones((1, 3), "float32"))
    caller = object()
    with lib.name_scope("c", caller=caller):
        with lib.name_scope("c", caller=caller):  # deduplicated
            dedup = lib.Variable(1.0, name="d")
    with lib.name_scope("ignored"):
        with lib.name_scope("x", override_parent="root/sub"):
            override = lib.Variable(1.0, name="o")
    after = lib.Variable(1.0, name="after")
    return ([dense.name, dense.kernel.path, standalone.path, inner.path, twice.path,
             called.kernel.path, dedup.path, override.path, after.path]
            + [w.path for w in model.weights])


def test_name_scope_paths_match_keras():
    assert _paths(cornu) == _paths(keras)
    cornu.utils.clear_session()


def test_name_scope_rejects_bad_names():
    for bad in ("a/b", 3):
        with pytest.raises(ValueError, match="cannot contain character `/`"):
            cornu.name_scope(bad)
        with pytest.raises(ValueError):
            keras.name_scope(bad)
    assert cornu.name_scope("a").name == keras.name_scope("a").name == "a"


def test_get_uid_shares_layer_name_counters():
    for lib in (keras, cornu):
        lib.utils.clear_session()
    ours = [cornu.backend.get_uid("thing"), cornu.backend.get_uid("thing"),
            cornu.backend.get_uid(), cornu.layers.Dense(1).name,
            cornu.backend.get_uid("dense")]
    theirs = [keras.backend.get_uid("thing"), keras.backend.get_uid("thing"),
              keras.backend.get_uid(), keras.layers.Dense(1).name,
              keras.backend.get_uid("dense")]
    assert ours == theirs
    cornu.utils.clear_session()


def test_is_keras_tensor():
    assert cornu.backend.is_keras_tensor(cornu.Input((2,)))
    assert not cornu.backend.is_keras_tensor(torch.ones(2))
    assert not cornu.backend.is_keras_tensor(np.ones(2))


DTYPES = [None, "float32", "float64", "bfloat16", "int", "int8", "uint64", "bool", "string",
          "complex128", "float8_e4m3fn", int, float, bool, str, complex, np.float16,
          np.dtype("int16"), np.dtype("uint8"), torch.float16, torch.bfloat16, torch.int64,
          torch.bool, torch.complex64, "foo", "float", object]


@pytest.mark.parametrize("dtype", DTYPES, ids=[str(d) for d in DTYPES])
def test_standardize_and_kind_match_keras(dtype):
    for ours, theirs in [(cornu.backend.standardize_dtype, keras.backend.standardize_dtype),
                         (cornu.utils.standardize_dtype, keras.utils.standardize_dtype),
                         (cornu.backend.is_float_dtype, keras.backend.is_float_dtype),
                         (cornu.backend.is_int_dtype, keras.backend.is_int_dtype)]:
        try:
            expected = theirs(dtype)
        except ValueError as e:
            with pytest.raises(ValueError, match="Invalid dtype"):
                ours(dtype)
            assert "Invalid dtype" in str(e)
            continue
        assert ours(dtype) == expected


def _outcome(func, args):
    try:
        return func(*args)
    except ValueError:
        return ValueError


def test_result_type_matches_keras_on_every_pair_and_some_triples():
    names = list(cornu_dtypes.ALLOWED_DTYPES) + [int, float, bool, complex, None]
    cases = list(itertools.product(names, repeat=2))
    cases += list(itertools.product(["int8", "uint16", "float16", "bfloat16", int, float],
                                    repeat=3))
    cases += [(), ("float64",), ("int64",), (int,), (float,), ("float8_e5m2",)]
    mismatches = [(args, _outcome(cornu.backend.result_type, args),
                   _outcome(keras.backend.result_type, args)) for args in cases
                  if _outcome(cornu.backend.result_type, args)
                  != _outcome(keras.backend.result_type, args)]
    assert mismatches == []


def test_result_type_follows_floatx():
    try:
        for lib in (keras, cornu):
            lib.config.set_floatx("float16")
        for args in [(int, float), ("int8", float), (float,), ()]:
            assert cornu.backend.result_type(*args) == keras.backend.result_type(*args)
    finally:
        for lib in (keras, cornu):
            lib.config.set_floatx("float32")


def _exercise_config(lib):
    config = lib.utils.Config(learning_rate=0.1, momentum=0.9)
    config.use_ema = True
    config["seed"] = 123
    record = [config.seed, config["learning_rate"], list(config), list(config.keys()),
              list(config.values()), dict(config.items()), config.as_dict(), config.to_json(),
              len(config), "seed" in config, config.get("missing", 7), repr(config)]
    config.pop("momentum")
    config.update(extra=1)
    del config["extra"]
    record.append(config.as_dict())
    try:
        config.learning_rat
    except AttributeError as e:
        record.append(str(e))
    config.freeze()
    record.append(config.frozen)
    for mutate in (lambda: setattr(config, "foo", 1), lambda: config.__setitem__("a", 1),
                   lambda: config.pop("seed"), lambda: config.update(a=1),
                   lambda: config.__delitem__("seed")):
        try:
            mutate()
            record.append("mutated")
        except ValueError as e:
            record.append(str(e))
    config.unfreeze()
    config.foo = "bar"
    record += [config.frozen, config.foo]
    return record


def test_config_matches_keras():
    assert _exercise_config(cornu) == _exercise_config(keras)
