"""LoRA on int8- and int4-quantized `Dense`, `EinsumDense` and `Embedding` (Keras's "QLoRA")
against Keras 3: weights, outputs, training, `.keras` files both ways, and the errors."""

import warnings

import numpy as np
import pytest
import torch

import cornu

RANK, ALPHA = 2, 3

SPECS = {
    "dense": {"make": lambda lib, **kw: lib.layers.Dense(4, name="lora_layer", **kw),
              "shape": (5,)},
    "einsum_dense": {
        "make": lambda lib, **kw: lib.layers.EinsumDense(
            "ab,bcd->acd", output_shape=(4, 5), bias_axes="d", name="lora_layer", **kw),
        "shape": (3,)},
    "einsum_dense_3d": {
        "make": lambda lib, **kw: lib.layers.EinsumDense(
            "abc,cd->abd", output_shape=(2, 6), bias_axes="d", activation="tanh",
            name="lora_layer", **kw),
        "shape": (2, 5)},
    "embedding": {"make": lambda lib, **kw: lib.layers.Embedding(10, 6, name="lora_layer", **kw),
                  "shape": (4,), "vocab": 10, "weight": "embeddings"},
}
# int4 in groups of 2 (zero points and group indices) and per channel.
MODES = {"int8": ("int8", None), "int4": ("int4", 2), "int4_per_channel": ("int4", -1)}


def _keras():
    return pytest.importorskip("keras")


def _np(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return _keras().ops.convert_to_numpy(x)


def _inputs(spec, batch=3, seed=0):
    rng = np.random.default_rng(seed)
    shape = (batch,) + spec["shape"]
    if spec.get("vocab"):
        return rng.integers(0, spec["vocab"], shape).astype("int32")
    return rng.standard_normal(shape).astype("float32")


def _config(lib, mode):
    name, block_size = MODES[mode]
    return lib.quantizers.Int4QuantizationConfig(block_size=block_size) if name == "int4" else None


def _model(lib, spec, **kwargs):
    dtype = "int32" if spec.get("vocab") else "float32"
    inp = lib.Input(spec["shape"], dtype=dtype)
    return lib.Model(inp, spec["make"](lib, **kwargs)(inp))


def _pair(spec, mode, order="quantize_first"):
    """A Keras and a cornu model holding the same quantized weights and the same random
    (non-zero) LoRA factors. `order`: quantize then `enable_lora`, or the other way round."""
    k = _keras()
    theirs, ours = _model(k, spec), _model(cornu, spec)
    rng = np.random.default_rng(1)
    theirs.set_weights([rng.standard_normal(tuple(w.shape)).astype("float32") * 0.5
                        for w in theirs.weights])
    ours.set_weights(theirs.get_weights())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for model, lib in ((theirs, k), (ours, cornu)):
            layer = model.get_layer("lora_layer")
            if order == "lora_first":
                layer.enable_lora(RANK, lora_alpha=ALPHA)
            layer.quantize(MODES[mode][0], config=_config(lib, mode))
            if order == "quantize_first":
                layer.enable_lora(RANK, lora_alpha=ALPHA)
    weight = spec.get("weight", "kernel")
    layer = theirs.get_layer("lora_layer")
    for side in ("a", "b"):
        factor = getattr(layer, f"lora_{weight}_{side}")
        factor.assign(rng.standard_normal(tuple(factor.shape)).astype("float32") * 0.3)
    ours.set_weights(theirs.get_weights())
    return theirs, ours


def _described(weights):
    return [(w.path, tuple(w.shape), str(_np(w).dtype), bool(w.trainable)) for w in weights]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("spec_name", SPECS)
@pytest.mark.parametrize("order", ["quantize_first", "lora_first"])
def test_quantized_lora_layer_matches_keras(spec_name, mode, order):
    spec = SPECS[spec_name]
    theirs, ours = _pair(spec, mode, order)
    layer = ours.get_layer("lora_layer")
    assert layer.lora_enabled and layer.lora_rank == RANK and layer.lora_alpha == ALPHA
    assert layer.quantization_mode == MODES[mode][0]
    for attr in ("weights", "trainable_weights", "non_trainable_weights"):
        assert _described(getattr(ours, attr)) == _described(getattr(theirs, attr))
    weight = spec.get("weight", "kernel")
    assert torch.count_nonzero(getattr(layer, f"lora_{weight}_b")) > 0
    for seed in (0, 1):
        x = _inputs(spec, seed=seed)
        expected = _np(theirs(x))
        np.testing.assert_allclose(_np(ours(x)), expected, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(ours.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)
    # The LoRA term is in the output: zeroing a factor gives the quantized layer's output.
    theirs_layer = theirs.get_layer("lora_layer")
    with torch.no_grad():
        getattr(layer, f"lora_{weight}_b").zero_()
    getattr(theirs_layer, f"lora_{weight}_b").assign(
        np.zeros(tuple(getattr(theirs_layer, f"lora_{weight}_b").shape), "float32"))
    x = _inputs(spec)
    np.testing.assert_allclose(_np(ours(x)), _np(theirs(x)), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", ["int8", "int4"])
@pytest.mark.parametrize("spec_name", SPECS)
def test_lora_rank_with_a_quantized_dtype_policy_builds_like_keras(spec_name, mode):
    k = _keras()
    spec = SPECS[spec_name]
    x = _inputs(spec)
    # No `lora_alpha`: Keras 3.15's Dense and Embedding drop it when building with lora_rank.
    theirs = spec["make"](k, lora_rank=RANK, dtype=f"{mode}_from_float32")
    ours = spec["make"](cornu, lora_rank=RANK, dtype=f"{mode}_from_float32")
    theirs(x)
    ours(x)
    assert ours.lora_enabled and ours.quantization_mode == mode
    for attr in ("weights", "trainable_weights", "non_trainable_weights"):
        assert _described(getattr(ours, attr)) == _described(getattr(theirs, attr))
    rng = np.random.default_rng(3)
    values = []
    for w in theirs.weights:
        value = _np(w)
        if value.dtype == np.int8:
            value = rng.integers(-7, 8, value.shape).astype("int8")
        elif "g_idx" not in w.path:
            value = (np.abs(rng.standard_normal(value.shape)) + 0.5).astype("float32")
        values.append(value)
    theirs.set_weights(values)
    ours.set_weights(values)
    np.testing.assert_allclose(_np(ours(x)), _np(theirs(x)), rtol=1e-5, atol=1e-5)
    assert ours.get_config()["lora_rank"] == theirs.get_config()["lora_rank"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("spec_name", SPECS)
def test_fit_trains_the_factors_like_keras(spec_name, mode):
    k = _keras()
    spec = SPECS[spec_name]
    theirs, ours = _pair(spec, mode)
    x = _inputs(spec, batch=4, seed=2)
    y = np.random.default_rng(5).standard_normal(_np(theirs(x)).shape).astype("float32")
    for model, lib in ((theirs, k), (ours, cornu)):
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
    layer = ours.get_layer("lora_layer")
    frozen = {w.path: _np(w).copy() for w in layer.non_trainable_weights}
    factors = {w.path: _np(w).copy() for w in layer.trainable_weights}
    h_theirs = theirs.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0)
    h_ours = ours.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-5)
    for got, expected in zip(ours.weights, theirs.weights):
        assert got.path == expected.path
        np.testing.assert_allclose(_np(got), _np(expected), rtol=1e-5, atol=1e-5)
    # The quantized weight, its scales (and zero points) are unchanged; the factors moved.
    for w in layer.non_trainable_weights:
        np.testing.assert_array_equal(_np(w), frozen[w.path])
    weight = spec.get("weight", "kernel")
    for side in ("a", "b"):
        w = getattr(layer, f"lora_{weight}_{side}")
        assert not np.allclose(_np(w), factors[w.path])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("spec_name", SPECS)
def test_keras_files_merge_lora_and_load_in_both_libraries(spec_name, mode, tmp_path):
    """Saving merges the LoRA update into the weight and quantizes it again, as Keras does;
    each library's file loads in the other with identical predictions."""
    k = _keras()
    spec = SPECS[spec_name]
    theirs, ours = _pair(spec, mode)
    x = _inputs(spec)
    loaded = {}
    for saver, model in (("keras", theirs), ("cornu", ours)):
        path = str(tmp_path / f"{saver}.keras")
        model.save(path)
        for loader, lib in (("keras", k), ("cornu", cornu)):
            loaded[saver, loader] = lib.saving.load_model(path)
    reference = loaded["keras", "keras"]
    expected = _np(reference.predict(x, verbose=0))
    if MODES[mode][1] == -1 or mode == "int8":
        # The file holds the merged weight: close to the LoRA model's output. (Not checked
        # for int4 in groups: Keras 3.15 clips the zero point of a group whose values all
        # have one sign, so its round trip errs by up to ~0.5 here with groups of 2.)
        np.testing.assert_allclose(expected, _np(theirs.predict(x, verbose=0)), rtol=0.1,
                                   atol=0.1)
    for key, model in loaded.items():
        np.testing.assert_allclose(_np(model.predict(x, verbose=0)), expected, rtol=1e-5,
                                   atol=1e-5, err_msg=str(key))
        layer = model.get_layer("lora_layer")
        assert layer.lora_enabled and layer.quantization_mode == MODES[mode][0]
        # The same values were saved by both libraries; the loaded factors are zero.
        assert _described(model.weights) == _described(reference.weights)
        for got, want in zip(model.weights, reference.weights):
            np.testing.assert_allclose(_np(got), _np(want), rtol=1e-6, atol=1e-6)
            if "/lora_" in got.path:
                assert not _np(got).any()
    # A weights file reads as that of the quantized layer without LoRA.
    for saver, model in (("keras", theirs), ("cornu", ours)):
        path = str(tmp_path / f"{saver}.weights.h5")
        model.save_weights(path)
        for lib in (k, cornu):
            plain = _model(lib, spec)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                plain.get_layer("lora_layer").quantize(MODES[mode][0], config=_config(lib, mode))
            plain.load_weights(path)
            np.testing.assert_allclose(_np(plain.predict(x, verbose=0)), expected, rtol=1e-5,
                                       atol=1e-5, err_msg=f"{saver} -> {lib.__name__}")


@pytest.mark.parametrize("spec_name", ["dense", "embedding"])
def test_model_quantize_quantizes_lora_layers(spec_name):
    """`Model.quantize` quantizes a LoRA layer's frozen weight and keeps its factors."""
    k = _keras()
    spec = SPECS[spec_name]
    theirs, ours = _model(k, spec, lora_rank=RANK), _model(cornu, spec, lora_rank=RANK)
    rng = np.random.default_rng(4)
    theirs.set_weights([rng.standard_normal(tuple(w.shape)).astype("float32") * 0.5
                        for w in theirs.weights])
    ours.set_weights(theirs.get_weights())
    theirs.quantize("int8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours.quantize("int8")
    assert not any("LoRA" in str(w.message) for w in caught)
    assert ours.get_layer("lora_layer").quantization_mode == "int8"
    assert _described(ours.weights) == _described(theirs.weights)
    for got, expected in zip(ours.weights, theirs.weights):
        np.testing.assert_allclose(_np(got), _np(expected), rtol=1e-6, atol=1e-6)
    x = _inputs(spec)
    np.testing.assert_allclose(ours.predict(x, verbose=0), _np(theirs(x)), rtol=1e-5,
                               atol=1e-5)


def test_pickled_quantized_lora_layer_keeps_its_output():
    import pickle

    _, ours = _pair(SPECS["dense"], "int8")
    layer = ours.get_layer("lora_layer")
    x = torch.as_tensor(_inputs(SPECS["dense"]))
    clone = pickle.loads(pickle.dumps(layer))
    assert clone.lora_enabled and clone.quantization_mode == "int8"
    torch.testing.assert_close(clone(x), layer(x))


def test_errors():
    x = _inputs(SPECS["dense"])
    float8 = cornu.layers.Dense(4)
    float8(x)
    float8.quantize("float8")
    with pytest.raises(NotImplementedError, match="mode 'float8' is not supported"):
        float8.enable_lora(2)
    with pytest.raises(NotImplementedError, match="mode 'float8' is not supported"):
        cornu.layers.Dense(4, lora_rank=2, dtype="float8_from_float32")(x)
    adapted = cornu.layers.Dense(4, lora_rank=2)
    adapted(x)
    with pytest.raises(NotImplementedError, match="'float8' does not support LoRA"):
        adapted.quantize("float8")
    assert adapted.quantization_mode is None and adapted.lora_enabled
    adapted.quantize("int8")
    with pytest.raises(ValueError, match="already quantized"):
        adapted.quantize("int8")
    with pytest.raises(ValueError, match="lora is already enabled"):
        adapted.enable_lora(2)
    quantized = cornu.layers.Dense(4, dtype="int8_from_float32")
    quantized(x)
    with pytest.raises(ValueError, match="`rank` must be a positive integer"):
        quantized.enable_lora(0)


@pytest.mark.parametrize("mode", ["int8", "int4_per_channel"])
@pytest.mark.parametrize("spec_name", ["dense", "einsum_dense", "embedding"])
def test_quantized_lora_under_mixed_bfloat16_matches_keras(spec_name, mode):
    k = _keras()
    spec = SPECS[spec_name]
    x = _inputs(spec)
    outputs = []
    for lib in (k, cornu):
        layer = spec["make"](lib, dtype="mixed_bfloat16")
        layer(x)
        layer.set_weights([np.random.default_rng(2).standard_normal(tuple(w.shape))
                           .astype("float32") * 0.5 for w in layer.weights])
        layer.quantize(MODES[mode][0], config=_config(lib, mode))
        layer.enable_lora(RANK, lora_alpha=ALPHA)
        weight = spec.get("weight", "kernel")
        for i, side in enumerate(("a", "b")):
            factor = getattr(layer, f"lora_{weight}_{side}")
            factor.assign(np.random.default_rng(10 + i).standard_normal(tuple(factor.shape))
                          .astype("float32") * 0.3)
        y = layer(x)
        assert y.dtype == torch.bfloat16
        outputs.append(_np(y.float()))
    np.testing.assert_allclose(outputs[1], outputs[0], rtol=1e-2, atol=1e-2)
