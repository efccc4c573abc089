"""int8 Dense, EinsumDense and Embedding against Keras 3's quantized layers (torch backend):
the same float weights give the same quantized variables, predictions and input gradients."""

import warnings

import numpy as np
import pytest
import torch

import cornu
from cornu import layers, quantizers

RNG = np.random.default_rng(7)


def _keras():
    return pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy()


def _pair(k, name, *args, input_shape, **kwargs):
    theirs = getattr(k.layers, name)(*args, **kwargs)
    ours = getattr(layers, name)(*args, **kwargs)
    theirs.build(input_shape)
    ours.build(input_shape)
    ours.set_weights([k.ops.convert_to_numpy(w) for w in theirs.get_weights()])
    return theirs, ours


def _assert_same_weights(ours, theirs):
    k = _keras()
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    for a, b in zip(ours.weights, theirs.weights):
        assert tuple(a.shape) == tuple(b.shape), a.name
        assert str(a.dtype).split(".")[-1] == k.backend.standardize_dtype(b.dtype), a.name
        np.testing.assert_array_equal(_np(a), k.ops.convert_to_numpy(b))


DENSE_CASES = [
    ("Dense", (), dict(units=5), (4, 3)),
    ("Dense", (), dict(units=4, activation="relu"), (3, 2, 6)),
    ("Dense", (), dict(units=3, use_bias=False), (4, 6)),
    ("EinsumDense", ("ab,bc->ac", 5), dict(bias_axes="c"), (4, 3)),
    ("EinsumDense", ("abc,cd->abd", (2, 4)), dict(bias_axes="d"), (3, 2, 6)),
    ("EinsumDense", ("abc,cde->abde", (3, 2, 4)), dict(bias_axes="de"), (2, 3, 5)),
    ("EinsumDense", ("abcd,cde->abe", (3, 4)), dict(bias_axes="e"), (2, 3, 2, 5)),
]
# Keras 3.15 cannot quantize equations with "..." (it passes the input rank where its
# analysis takes a shape); cornu can, and matches Keras's layer for the spelled-out equation.
ELLIPSIS_CASES = [
    (("...b,bc->...c", 4), ("xab,bc->xac", (3, 4)), dict(bias_axes="c"), (2, 3, 6)),
    (("ab...,bc->ac...", (4, 3)), ("abx,bc->acx", (4, 3)), dict(), (2, 5, 3)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", DENSE_CASES)
@pytest.mark.parametrize("config", [None, "weight_only"])
def test_int8_dense_layers_match_keras(name, args, kwargs, shape, config):
    k = _keras()
    theirs, ours = _pair(k, name, *args, input_shape=shape, **kwargs)
    if config == "weight_only":
        theirs.quantize("int8", config=k.quantizers.Int8QuantizationConfig(
            activation_quantizer=None))
        ours.quantize("int8", config=quantizers.Int8QuantizationConfig(activation_quantizer=None))
    else:
        theirs.quantize("int8")
        ours.quantize("int8")
    assert ours.dtype_policy == cornu.dtype_policies.QuantizedDTypePolicy("int8", "float32")
    assert ours.dtype_policy.name == theirs.dtype_policy.name == "int8_from_float32"
    assert ours.quantization_mode == "int8"
    _assert_same_weights(ours, theirs)
    x = (RNG.standard_normal(shape) * 2).astype("float32")
    np.testing.assert_array_equal(_np(ours(torch.tensor(x))),
                                  k.ops.convert_to_numpy(theirs(k.ops.convert_to_tensor(x))))
    # Training: the gradient to the inputs skips the quantization (straight through),
    # the bias trains, the int8 kernel does not.
    up = RNG.standard_normal(_np(ours(torch.tensor(x))).shape).astype("float32")
    xo, xk = torch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (ours(xo) * torch.tensor(up)).sum().backward()
    (theirs(xk) * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(_np(xo.grad), _np(xk.grad), rtol=1e-5, atol=1e-6)
    assert [w.name for w in ours.trainable_weights] == [w.name for w in theirs.trainable_weights]
    if ours.bias is not None:
        np.testing.assert_allclose(_np(ours.bias.grad), _np(theirs.bias.value.grad), rtol=1e-5,
                                   atol=1e-6)
    assert ours.kernel.grad is None and not ours.kernel.requires_grad


@pytest.mark.parametrize("ours_args,keras_args,kwargs,shape", ELLIPSIS_CASES)
def test_int8_einsum_dense_with_ellipsis_matches_spelled_out_keras(ours_args, keras_args,
                                                                   kwargs, shape):
    k = _keras()
    theirs = k.layers.EinsumDense(*keras_args, **kwargs)
    ours = layers.EinsumDense(*ours_args, **kwargs)
    theirs.build(shape)
    ours.build(shape)
    ours.set_weights([k.ops.convert_to_numpy(w) for w in theirs.get_weights()])
    theirs.quantize("int8")
    ours.quantize("int8")
    _assert_same_weights(ours, theirs)
    x = RNG.standard_normal(shape).astype("float32")
    np.testing.assert_array_equal(_np(ours(torch.tensor(x))),
                                  k.ops.convert_to_numpy(theirs(k.ops.convert_to_tensor(x))))
    with pytest.raises(TypeError):  # the Keras bug this test works around
        bad = k.layers.EinsumDense(*ours_args, **kwargs)
        bad.build(shape)
        bad.quantize("int8")


@pytest.mark.parametrize("ids_dtype", ["int32", "int64", "float32"])
def test_int8_embedding_matches_keras(ids_dtype):
    k = _keras()
    theirs, ours = k.layers.Embedding(11, 6), layers.Embedding(11, 6)
    theirs.build()
    ours.build()
    ours.set_weights([k.ops.convert_to_numpy(w) for w in theirs.get_weights()])
    theirs.quantize("int8")
    ours.quantize("int8")
    _assert_same_weights(ours, theirs)
    ids = RNG.integers(0, 11, (3, 4)).astype(ids_dtype)
    np.testing.assert_array_equal(_np(ours(torch.tensor(ids))),
                                  k.ops.convert_to_numpy(theirs(k.ops.convert_to_tensor(ids))))


def test_custom_weight_quantizer_is_used():
    k = _keras()
    theirs, ours = _pair(k, "Dense", 4, input_shape=(2, 6))
    theirs.quantize("int8", config=k.quantizers.Int8QuantizationConfig(
        weight_quantizer=k.quantizers.AbsMaxQuantizer(axis=0, value_range=(-20, 20))))
    ours.quantize("int8", config=quantizers.Int8QuantizationConfig(
        weight_quantizer=quantizers.AbsMaxQuantizer(axis=0, value_range=(-20, 20))))
    _assert_same_weights(ours, theirs)
    assert int(_np(ours.kernel).max()) <= 20
    x = RNG.standard_normal((2, 6)).astype("float32")
    np.testing.assert_array_equal(_np(ours(torch.tensor(x))),
                                  k.ops.convert_to_numpy(theirs(k.ops.convert_to_tensor(x))))


def _models(k, module):
    inputs = module.Input((5,), dtype="int32")
    x = module.layers.Embedding(12, 6, name="emb")(inputs)
    x = module.layers.EinsumDense("abc,cd->abd", (5, 4), bias_axes="d", name="ein")(x)
    x = module.layers.Flatten()(x)
    x = module.layers.Dense(8, activation="relu", name="hidden")(x)
    outputs = module.layers.Dense(3, name="out")(x)
    return module.Model(inputs, outputs)


def test_model_quantize_matches_keras_and_warns_for_other_layers():
    k = _keras()
    theirs, ours = _models(k, k), _models(k, cornu)
    ours.set_weights([k.ops.convert_to_numpy(w) for w in theirs.get_weights()])
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        theirs.quantize("int8")
    with pytest.warns(UserWarning, match="Flatten does not have a `quantize` method"):
        ours.quantize("int8")
    assert [l.dtype_policy.name for l in ours.layers[1:]] == [l.dtype_policy.name
                                                               for l in theirs.layers[1:]]
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    ids = RNG.integers(0, 12, (4, 5)).astype("int32")
    np.testing.assert_array_equal(_np(ours(torch.tensor(ids))),
                                  k.ops.convert_to_numpy(theirs(k.ops.convert_to_tensor(ids))))
    np.testing.assert_array_equal(ours.predict(ids, verbose=0), theirs.predict(ids, verbose=0))


@pytest.mark.parametrize("filters,expected", [
    ("hid", {"hidden"}),
    (["^emb", "out"], {"emb", "out"}),
    (lambda layer: layer.name.startswith("e"), {"emb", "ein"}),
])
def test_model_quantize_filters(filters, expected):
    k = _keras()
    theirs, ours = _models(k, k), _models(k, cornu)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.quantize("int8", filters=filters)
        ours.quantize("int8", filters=filters)
    got = {l.name for l in ours.layers if l.quantization_mode == "int8"}
    assert got == expected == {l.name for l in theirs.layers if l.quantization_mode == "int8"}
    with pytest.raises(ValueError, match="`filters` argument"):
        ours.quantize("int8", filters=3)


def test_training_after_quantization_updates_only_float_weights():
    k = _keras()
    theirs, ours = _models(k, k), _models(k, cornu)
    ours.set_weights([k.ops.convert_to_numpy(w) for w in theirs.get_weights()])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs.quantize("int8")
        ours.quantize("int8")
    ids = RNG.integers(0, 12, (16, 5)).astype("int32")
    y = RNG.standard_normal((16, 3)).astype("float32")
    theirs.compile(optimizer=k.optimizers.SGD(0.05), loss="mse")
    ours.compile(optimizer=cornu.optimizers.SGD(0.05), loss="mse")
    before = [_np(w).copy() for w in ours.weights]
    h_ours = ours.fit(ids, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history["loss"]
    h_theirs = theirs.fit(ids, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(h_ours, h_theirs, rtol=1e-4)
    for w, old, kw in zip(ours.weights, before, theirs.weights):
        changed = not np.array_equal(_np(w), old)
        assert changed == w.is_floating_point() and "scale" not in w.name or not changed, w.name
        np.testing.assert_allclose(_np(w), k.ops.convert_to_numpy(kw), rtol=1e-4, atol=1e-5)


def test_quantize_errors():
    dense = layers.Dense(3)
    with pytest.raises(ValueError, match="isn't yet built"):
        dense.quantize("int8")
    dense.build((None, 4))
    with pytest.raises(ValueError, match="Invalid quantization mode"):
        dense.quantize("int3")
    for mode in ("gptq", "awq"):
        with pytest.raises(NotImplementedError, match=f"'{mode}' is not supported by cornu"):
            dense.quantize(mode)
    with pytest.raises(ValueError, match="Contradictory arguments"):
        dense.quantize("int8", config=quantizers.Float8QuantizationConfig())
    dense.quantize("int8")
    with pytest.raises(ValueError, match="already quantized"):
        dense.quantize("int8")
    flatten = layers.Flatten()
    flatten.build((None, 2, 2))
    with pytest.raises(NotImplementedError, match="Flatten does not have a `quantize` method"):
        flatten.quantize("int8")

    class MyDense(layers.Dense):
        pass

    mine = MyDense(2)
    mine.build((None, 3))
    with pytest.raises(NotImplementedError, match="MyDense does not have a `quantize`"):
        mine.quantize("int8")
    mine.quantize("int8", type_check=False)
    assert mine.quantization_mode == "int8"
    model = cornu.Sequential([cornu.Input((3,)), layers.Dense(2)])
    with pytest.raises(NotImplementedError, match="'gptq' is not supported by cornu"):
        model.quantize("gptq")
    half = layers.Dense(2, dtype="float16")
    half.build((None, 3))
    with pytest.raises(ValueError, match="compute_dtype='float16'"):
        half.quantize("int8")


def test_setting_a_quantized_dtype_policy_quantizes_like_keras():
    k = _keras()
    theirs, ours = _pair(k, "Dense", 4, input_shape=(3, 5))
    theirs.dtype_policy = "int8_from_float32"
    ours.dtype_policy = "int8_from_float32"
    _assert_same_weights(ours, theirs)


def test_float_dense_keeps_its_call_path():
    dense = layers.Dense(3)
    dense(torch.randn(2, 4))
    assert "call" not in dense.__dict__ and dense._fast
    assert "save_own_variables" not in dense.__dict__
    dense.quantize("int8")
    assert dense._fast  # the quantized call takes the fast path too
    x = torch.randn(2, 4)
    expected = dense._int8_call(x)
    np.testing.assert_array_equal(_np(dense(x)), _np(expected))


def test_embedding_refuses_float8_like_keras():
    k = _keras()
    ours, theirs = layers.Embedding(5, 3), k.layers.Embedding(5, 3)
    ours.build()
    theirs.build()
    with pytest.raises(NotImplementedError) as ours_error:
        ours.quantize("float8")
    with pytest.raises(NotImplementedError) as theirs_error:
        theirs.quantize("float8")
    assert str(ours_error.value) == str(theirs_error.value)
    assert ours.quantization_mode is None and ours.embeddings.dtype == torch.float32
    with pytest.raises(NotImplementedError, match="Expected one of \\('int8', 'int4'\\)"):
        layers.Embedding(5, 3, dtype="float8_from_float32").build()


INT4_CONFIGS = [
    None,  # Keras's default: groups of 128 along the input dimension
    dict(block_size=4),
    dict(block_size=None),
    dict(block_size=-1),
    dict(block_size=None, activation_quantizer=("AbsMaxQuantizer", {})),
    dict(block_size=None, weight_quantizer=("AbsMaxQuantizer",
                                            {"axis": 0, "value_range": (-8, 7),
                                             "epsilon": 1e-3})),
]


def _int4_config(module, kwargs):
    if kwargs is None:
        return None
    kwargs = dict(kwargs)
    for key in ("activation_quantizer", "weight_quantizer"):
        if key in kwargs:
            name, qkw = kwargs[key]
            kwargs[key] = getattr(module.quantizers, name)(**qkw)
    return module.quantizers.Int4QuantizationConfig(**kwargs)


@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("Dense", (), dict(units=5), (3, 10)),
    ("Dense", (), dict(units=4, use_bias=False), (2, 3, 9)),
    ("EinsumDense", ("ab,bc->ac", 5), dict(bias_axes="c"), (4, 9)),
    ("EinsumDense", ("abc,cde->abde", (3, 2, 4)), dict(bias_axes="de"), (2, 3, 7)),
    ("EinsumDense", ("abcd,cde->abe", (3, 5)), dict(bias_axes="e"), (2, 3, 2, 5)),
])
@pytest.mark.parametrize("config", INT4_CONFIGS)
def test_int4_dense_layers_match_keras(name, args, kwargs, shape, config):
    k = _keras()
    theirs, ours = _pair(k, name, *args, input_shape=shape, **kwargs)
    theirs.quantize("int4", config=_int4_config(k, config))
    ours.quantize("int4", config=_int4_config(cornu, config))
    assert ours.dtype_policy.name == theirs.dtype_policy.name
    assert type(ours.dtype_policy).__name__ == type(theirs.dtype_policy).__name__
    assert ours.quantization_mode == "int4"
    _assert_same_weights(ours, theirs)
    x = (RNG.standard_normal(shape) * 2).astype("float32")
    np.testing.assert_array_equal(_np(ours(torch.tensor(x))),
                                  k.ops.convert_to_numpy(theirs(k.ops.convert_to_tensor(x))))
    up = RNG.standard_normal(_np(ours(torch.tensor(x))).shape).astype("float32")
    xo, xk = torch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (ours(xo) * torch.tensor(up)).sum().backward()
    (theirs(xk) * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(_np(xo.grad), _np(xk.grad), rtol=1e-5, atol=1e-6)
    assert not ours.kernel.requires_grad


@pytest.mark.parametrize("config", INT4_CONFIGS[:4] + [dict(block_size=3)])
def test_int4_embedding_matches_keras(config):
    k = _keras()
    theirs, ours = k.layers.Embedding(11, 7), layers.Embedding(11, 7)
    theirs.build()
    ours.build()
    ours.set_weights([k.ops.convert_to_numpy(w) for w in theirs.get_weights()])
    theirs.quantize("int4", config=_int4_config(k, config))
    ours.quantize("int4", config=_int4_config(cornu, config))
    assert ours.dtype_policy.name == theirs.dtype_policy.name
    _assert_same_weights(ours, theirs)
    ids = RNG.integers(0, 11, (3, 4)).astype("int32")
    np.testing.assert_array_equal(_np(ours(torch.tensor(ids))),
                                  k.ops.convert_to_numpy(theirs(k.ops.convert_to_tensor(ids))))


def test_int4_dtype_policy_builds_and_quantizes_like_keras():
    k = _keras()
    for policy in ("int4/-1_from_float32", "int4/2_from_float32"):
        ours = layers.Dense(3, dtype=policy)
        theirs = k.layers.Dense(3, dtype=policy)
        ours.build((None, 5))
        theirs.build((None, 5))
        assert [(w.name, tuple(w.shape)) for w in ours.weights] == [
            (w.name, tuple(w.shape)) for w in theirs.weights]
        assert ours.dtype_policy == cornu.dtype_policies.get(policy)


@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("Dense", (), dict(units=5, activation="relu"), (3, 10)),
    ("EinsumDense", ("abc,cde->abde", (3, 2, 4)), dict(bias_axes="de"), (2, 3, 7)),
])
def test_float8_training_steps_match_keras(name, args, kwargs, shape):
    """Three training steps, each variable updated as Keras's optimizers do: the scales and
    amax histories take their gradient as their value, the kernel and bias take an SGD step."""
    k = _keras()
    theirs, ours = _pair(k, name, *args, input_shape=shape, **kwargs)
    theirs.bias.assign(RNG.standard_normal(tuple(theirs.bias.shape)).astype("float32"))
    ours.set_weights([k.ops.convert_to_numpy(w) for w in theirs.get_weights()])
    theirs.quantize("float8")
    ours.quantize("float8")
    assert ours.dtype_policy.name == theirs.dtype_policy.name == "float8_from_float32"
    assert type(ours.dtype_policy).__name__ == "QuantizedFloat8DTypePolicy"
    _assert_same_weights(ours, theirs)
    assert all(getattr(ours, n).overwrite_with_gradient for n in (
        "inputs_scale", "kernel_amax_history", "outputs_grad_scale"))
    for step in range(3):
        x = (RNG.standard_normal(shape) * 3).astype("float32")
        up = None
        outputs = []
        for layer, variables in ((ours, ours.weights), (theirs, [v.value for v in
                                                                 theirs.weights])):
            y = layer(torch.tensor(x), training=True)
            if up is None:
                up = torch.tensor(RNG.standard_normal(tuple(y.shape)).astype("float32") * 50)
            (y * up).sum().backward()
            outputs.append(y.detach().numpy())
            with torch.no_grad():
                for w, v in zip(layer.weights, variables):
                    if "scale" in w.name or "history" in w.name:
                        v.copy_(v.grad)
                    else:
                        v.sub_(0.01 * v.grad)
                    v.grad = None
        np.testing.assert_array_equal(outputs[0], outputs[1])
        _assert_same_weights(ours, theirs)
    assert float(ours.inputs_scale) != 1.0  # the scales did move
    # Inference leaves the scales and histories alone.
    x = torch.tensor(RNG.standard_normal(shape).astype("float32"), requires_grad=True)
    ours(x).sum().backward()
    assert ours.inputs_scale.grad is None and ours.kernel_amax_history.grad is None


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_float8_fit_matches_keras(optimizer):
    k = _keras()

    def build(module):
        return module.Sequential([
            module.Input((6,)),
            module.layers.Dense(8, activation="relu", name="hidden"),
            module.layers.EinsumDense("ab,bc->ac", 3, bias_axes="c", name="out"),
        ])

    theirs, ours = build(k), build(cornu)
    ours.set_weights([k.ops.convert_to_numpy(w) for w in theirs.get_weights()])
    theirs.quantize("float8")
    ours.quantize("float8")
    x = (RNG.standard_normal((32, 6)) * 2).astype("float32")
    y = RNG.standard_normal((32, 3)).astype("float32")
    theirs.compile(optimizer=optimizer, loss="mse")
    ours.compile(optimizer=optimizer, loss="mse")
    h_theirs = theirs.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    h_ours = ours.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"], rtol=1e-5)
    for w, kw in zip(ours.weights, theirs.weights):
        assert w.name == kw.name
        np.testing.assert_allclose(_np(w), k.ops.convert_to_numpy(kw), rtol=1e-5, atol=1e-6,
                                   err_msg=w.name)
    # The histories recorded the inputs' and gradients' maxima.
    assert float(ours.layers[0].inputs_amax_history.detach().max()) > 0
    assert float(ours.layers[1].outputs_grad_amax_history.detach().max()) > 0


_MIXED_LAYERS = [
    ("Dense", (), dict(units=5, activation="gelu"), (3, 10)),
    ("EinsumDense", ("abc,cde->abde", (3, 2, 4)), dict(bias_axes="de"), (2, 3, 7)),
    ("Embedding", (10, 6), dict(), (3, 4)),
]


# Embedding has no float8 mode (see test_embedding_refuses_float8_like_keras).
@pytest.mark.parametrize("mode,name,args,kwargs,shape", [
    (mode,) + case for mode in ("int8", "int4", "float8") for case in _MIXED_LAYERS
    if not (mode == "float8" and case[0] == "Embedding")])
def test_quantized_layers_under_mixed_bfloat16_match_keras(mode, name, args, kwargs, shape):
    k = _keras()
    theirs = getattr(k.layers, name)(*args, dtype="mixed_bfloat16", **kwargs)
    ours = getattr(layers, name)(*args, dtype="mixed_bfloat16", **kwargs)
    theirs.build(shape)
    ours.build(shape)
    ours.set_weights([k.ops.convert_to_numpy(w) for w in theirs.get_weights()])
    theirs.quantize(mode)
    ours.quantize(mode)
    assert ours.dtype_policy.name == theirs.dtype_policy.name
    assert ours.compute_dtype == "bfloat16" and ours.variable_dtype == "float32"
    _assert_same_weights(ours, theirs)
    x = (RNG.integers(0, 10, shape) if name == "Embedding"
         else (RNG.standard_normal(shape) * 2).astype("float32"))
    got, expected = ours(torch.tensor(x)), theirs(k.ops.convert_to_tensor(x))
    assert got.dtype == torch.bfloat16 == expected.dtype
    np.testing.assert_array_equal(got.detach().float().numpy(), expected.detach().float().numpy())


@pytest.mark.parametrize("mode", ["int8", "float8"])
def test_quantized_model_fits_the_same_with_jit_compile(mode):
    import copy

    model = cornu.Sequential([cornu.Input((6,)), layers.Dense(8, activation="relu"),
                              layers.EinsumDense("ab,bc->ac", 3, bias_axes="c")])
    model.quantize(mode)
    eager, compiled = copy.deepcopy(model), copy.deepcopy(model)
    x = RNG.standard_normal((32, 6)).astype("float32")
    y = RNG.standard_normal((32, 3)).astype("float32")
    eager.compile(optimizer="adam", loss="mse")
    compiled.compile(optimizer="adam", loss="mse", jit_compile=True)
    h_eager = eager.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0).history
    h_compiled = compiled.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0).history
    np.testing.assert_allclose(h_compiled["loss"], h_eager["loss"], rtol=1e-4)
    for a, b in zip(compiled.weights, eager.weights):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-4, atol=1e-4, err_msg=a.name)
