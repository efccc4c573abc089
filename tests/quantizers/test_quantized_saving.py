"""int8-, int4- and float8-quantized models saved by cornu load in cornu and in Keras 3 (and
Keras's load in cornu) with identical predictions: `.keras` files and `.weights.h5` files,
Sequential and Functional models with Dense, EinsumDense and Embedding."""

import warnings

import numpy as np
import pytest
import torch

import cornu

RNG = np.random.default_rng(5)


def _keras():
    return pytest.importorskip("keras")


def _sequential(module):
    return module.Sequential([
        module.Input((6,), dtype="int32"),
        module.layers.Embedding(20, 8, name="emb"),
        module.layers.EinsumDense("abc,cd->abd", (6, 5), bias_axes="d", name="ein"),
        module.layers.Flatten(name="flat"),
        module.layers.Dense(4, activation="tanh", name="out"),
    ], name="seq")


def _functional(module):
    ids = module.Input((6,), dtype="int32", name="ids")
    x = module.layers.Embedding(20, 8, name="emb")(ids)
    a = module.layers.EinsumDense("abc,cde->abde", (6, 2, 3), bias_axes="de", name="ein")(x)
    a = module.layers.Reshape((6, 6), name="reshape")(a)
    b = module.layers.Dense(6, name="side", use_bias=False)(x)
    x = module.layers.Add(name="add")([a, b])
    x = module.layers.GlobalAveragePooling1D(name="pool")(x)
    outputs = module.layers.Dense(3, name="out")(x)
    return module.Model(ids, outputs, name="func")


BUILDERS = {"sequential": _sequential, "functional": _functional}


# int4 in groups of 4 (zero points and group indices saved too) and per channel.
MODES = {"int8": ("int8", None), "int4": ("int4", 4), "int4_per_channel": ("int4", None),
         "float8": ("float8", None)}


def _quantized_pair(kind, mode="int8"):
    """A Keras model and a cornu model with the same float weights, both quantized."""
    k = _keras()
    theirs, ours = BUILDERS[kind](k), BUILDERS[kind](cornu)
    ours.set_weights([k.ops.convert_to_numpy(w) for w in theirs.get_weights()])
    name, block_size = MODES[mode]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for model, module in ((theirs, k), (ours, cornu)):
            config = (module.quantizers.Int4QuantizationConfig(block_size=block_size)
                      if name == "int4" else None)
            model.quantize(name, config=config)
    if name == "float8":  # scales other than their initial ones, the same in both models
        for ours_layer, theirs_layer in zip(ours.layers, theirs.layers):
            for var in ("inputs_scale", "kernel_scale"):
                if hasattr(ours_layer, var):
                    value = np.float32(RNG.uniform(0.01, 0.3))
                    getattr(theirs_layer, var).assign(value)
                    getattr(ours_layer, var).data.fill_(float(value))
    return theirs, ours


def _ids():
    return RNG.integers(0, 20, (5, 6)).astype("int32")


def _predict(model, ids):
    return model.predict(ids, verbose=0)


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_cornu_keras_file_loads_in_cornu_and_keras(kind, mode, tmp_path):
    k = _keras()
    theirs, ours = _quantized_pair(kind, mode)
    ids = _ids()
    expected = _predict(theirs, ids)
    np.testing.assert_array_equal(_predict(ours, ids), expected)
    path = str(tmp_path / "model.keras")
    ours.save(path)

    back = cornu.saving.load_model(path)
    keras_back = k.saving.load_model(path)
    assert [l.dtype_policy.name for l in back.layers] == [l.dtype_policy.name
                                                          for l in ours.layers]
    # A float8 layer built from its config creates its scales before its kernel (in Keras
    # too), so compare the reloaded models' weights with each other.
    assert [w.name for w in back.weights] == [w.name for w in keras_back.weights]
    assert [str(w.dtype).split(".")[-1] for w in back.weights] == [
        k.backend.standardize_dtype(w.dtype) for w in keras_back.weights]
    np.testing.assert_array_equal(_predict(back, ids), expected)

    assert [l.quantization_mode for l in keras_back.layers] == [
        l.quantization_mode for l in theirs.layers]
    np.testing.assert_array_equal(_predict(keras_back, ids), expected)


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_keras_keras_file_loads_in_cornu(kind, mode, tmp_path):
    theirs, _ = _quantized_pair(kind, mode)
    ids = _ids()
    path = str(tmp_path / "keras_model.keras")
    theirs.save(path)
    ours = cornu.saving.load_model(path)
    assert [l.quantization_mode for l in ours.layers if l.weights] == [
        l.quantization_mode for l in theirs.layers if l.weights]
    np.testing.assert_array_equal(_predict(ours, ids), _predict(theirs, ids))
    # The quantization config travels with the layer.
    ein = ours.get_layer("ein")
    assert type(ein.quantization_config).__name__ == type(
        theirs.get_layer("ein").quantization_config).__name__
    assert type(getattr(ein, "inputs_quantizer", None)).__name__ == type(
        getattr(theirs.get_layer("ein"), "inputs_quantizer", None)).__name__


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_weights_files_round_trip_both_ways(kind, mode, tmp_path):
    k = _keras()
    theirs, ours = _quantized_pair(kind, mode)
    ids = _ids()
    expected = _predict(theirs, ids)

    ours_path = str(tmp_path / "ours.weights.h5")
    ours.save_weights(ours_path)
    fresh_theirs, fresh_ours = _quantized_pair(kind, mode)  # other float weights
    assert not np.array_equal(_predict(fresh_ours, ids), expected)
    fresh_ours.load_weights(ours_path)
    np.testing.assert_array_equal(_predict(fresh_ours, ids), expected)
    fresh_theirs.load_weights(ours_path)
    np.testing.assert_array_equal(_predict(fresh_theirs, ids), expected)

    theirs_path = str(tmp_path / "theirs.weights.h5")
    theirs.save_weights(theirs_path)
    _, other_ours = _quantized_pair(kind, mode)
    other_ours.load_weights(theirs_path)
    np.testing.assert_array_equal(_predict(other_ours, ids), expected)
    del k


def test_float_weights_do_not_load_into_a_quantized_model(tmp_path):
    _, ours = _quantized_pair("sequential")
    float_model = _sequential(cornu)
    path = str(tmp_path / "float.weights.h5")
    float_model.save_weights(path)
    with pytest.raises(ValueError, match="quantization mode 'int8'"):
        ours.load_weights(path)


@pytest.mark.parametrize("mode", sorted(MODES))
def test_config_round_trip_builds_quantized_layers(mode):
    _, ours = _quantized_pair("functional", mode)
    clone = cornu.Model.from_config(ours.get_config())
    assert sorted(w.path for w in clone.weights) == sorted(w.path for w in ours.weights)
    values = {w.path: w for w in ours.weights}
    with torch.no_grad():
        for w in clone.weights:
            assert w.dtype == values[w.path].dtype and w.shape == values[w.path].shape
            w.copy_(values[w.path])
    ids = _ids()
    np.testing.assert_array_equal(_predict(clone, ids), _predict(ours, ids))
    x = torch.tensor(ids)
    np.testing.assert_array_equal(clone(x).detach().numpy(), ours(x).detach().numpy())
