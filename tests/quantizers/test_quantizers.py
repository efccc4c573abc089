"""cornu.quantizers functions and configs against Keras 3's (torch backend) on the same inputs."""

import numpy as np
import pytest
import torch

from cornu import quantizers

RNG = np.random.default_rng(3)


def _keras():
    return pytest.importorskip("keras")


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _knp(x):
    return _keras().ops.convert_to_numpy(x)


@pytest.mark.parametrize("axis", [-1, 0, (0, 2)])
@pytest.mark.parametrize("value_range,dtype", [((-127, 127), "int8"), ((-8, 7), "int8"),
                                               ((-1000, 1000), "int16")])
@pytest.mark.parametrize("to_numpy", [False, True])
def test_abs_max_quantize_matches_keras(axis, value_range, dtype, to_numpy):
    k = _keras()
    x = RNG.standard_normal((3, 5, 4)).astype("float32") * 3
    x[0, 0, :] = 0.0  # an all-zero slice: the epsilon keeps the scale finite
    q, s = quantizers.abs_max_quantize(torch.tensor(x), axis, value_range, dtype,
                                       to_numpy=to_numpy)
    kq, ks = k.quantizers.abs_max_quantize(k.ops.convert_to_tensor(x), axis, value_range, dtype,
                                           to_numpy=to_numpy)
    assert str(q.dtype).split(".")[-1] == k.backend.standardize_dtype(kq.dtype)
    assert q.dtype == torch.int8 or dtype != "int8"
    np.testing.assert_array_equal(_np(q), _knp(kq))
    np.testing.assert_array_equal(_np(s), _knp(ks))
    assert s.dtype == torch.float32


def test_abs_max_quantizer_call_config_and_errors():
    k = _keras()
    x = RNG.standard_normal((6, 3)).astype("float32")
    ours = quantizers.AbsMaxQuantizer(axis=0, value_range=(-8, 7))
    theirs = k.quantizers.AbsMaxQuantizer(axis=0, value_range=(-8, 7))
    for call_axis in (None, 1):
        q, s = ours(torch.tensor(x), axis=call_axis)
        kq, ks = theirs(k.ops.convert_to_tensor(x), axis=call_axis)
        np.testing.assert_array_equal(_np(q), _knp(kq))
        np.testing.assert_array_equal(_np(s), _knp(ks))
    # The default axis is the last one.
    q, _ = quantizers.AbsMaxQuantizer()(torch.tensor(x))
    kq, _ = k.quantizers.AbsMaxQuantizer()(k.ops.convert_to_tensor(x))
    np.testing.assert_array_equal(_np(q), _knp(kq))
    assert ours.get_config() == theirs.get_config()
    assert quantizers.AbsMaxQuantizer().get_config() == k.quantizers.AbsMaxQuantizer().get_config()
    with pytest.raises(ValueError, match="within the interval"):
        quantizers.AbsMaxQuantizer(value_range=(-200, 127))
    with pytest.raises(NotImplementedError):
        quantizers.Quantizer().get_config()
    assert quantizers.Quantizer()(x) is x


def test_serialize_deserialize_get_round_trip_with_keras():
    k = _keras()
    ours = quantizers.AbsMaxQuantizer(axis=(0, 1), value_range=(-8, 7), epsilon=1e-3)
    config = quantizers.serialize(ours)
    theirs = k.quantizers.deserialize(config)
    assert isinstance(theirs, k.quantizers.AbsMaxQuantizer)
    assert theirs.get_config() == {**ours.get_config(), "axis": (0, 1)}
    back = quantizers.deserialize(k.quantizers.serialize(theirs))
    assert isinstance(back, quantizers.AbsMaxQuantizer)
    assert back.axis == (0, 1) and tuple(back.value_range) == (-8, 7) and back.epsilon == 1e-3
    assert quantizers.get(config).get_config() == back.get_config()
    assert quantizers.get(None) is None
    assert quantizers.get(ours) is ours
    got = quantizers.get("abs_max_quantizer", value_range=(-8, 7))
    assert isinstance(got, quantizers.AbsMaxQuantizer) and got.value_range == (-8, 7)
    assert got.axis is None
    with pytest.raises(ValueError, match="Could not interpret"):
        quantizers.get("no_such_quantizer")


@pytest.mark.parametrize("cls_name,kwargs", [
    ("Int8QuantizationConfig", {}),
    ("Int8QuantizationConfig", {"activation_quantizer": None}),
    ("Int4QuantizationConfig", {}),
    ("Int4QuantizationConfig", {"block_size": None,
                                "weight_quantizer": ("AbsMaxQuantizer",
                                                     {"axis": 0, "value_range": (-8, 7)})}),
    ("Float8QuantizationConfig", {}),
])
def test_configs_match_keras(cls_name, kwargs):
    k = _keras()

    def make(module):
        args = dict(kwargs)
        if "weight_quantizer" in args:
            name, qkw = args["weight_quantizer"]
            args["weight_quantizer"] = getattr(module, name)(**qkw)
        return getattr(module, cls_name)(**args)

    ours, theirs = make(quantizers), make(k.quantizers)
    assert ours.mode == theirs.mode
    ours_config = quantizers.serialize(ours)
    theirs_config = k.quantizers.serialize(theirs)
    assert ours_config["class_name"] == theirs_config["class_name"]
    assert ours_config["module"] == theirs_config["module"]
    assert _lists(ours_config) == _lists(theirs_config)
    # Each library reads the other's config.
    assert type(quantizers.deserialize(theirs_config)).__name__ == cls_name
    assert type(k.quantizers.deserialize(ours_config)).__name__ == cls_name
    assert _lists(quantizers.serialize(quantizers.deserialize(theirs_config))) == _lists(
        theirs_config)


def _lists(value):
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    return value


def test_config_validation_errors():
    with pytest.raises(ValueError, match="output_dtype='int8'"):
        quantizers.Int8QuantizationConfig(
            weight_quantizer=quantizers.AbsMaxQuantizer(output_dtype="int16"))
    with pytest.raises(ValueError, match="block_size"):
        quantizers.Int4QuantizationConfig(block_size=0)
    with pytest.raises(ValueError, match="does not support custom quantizers"):
        quantizers.Int4QuantizationConfig(weight_quantizer=quantizers.AbsMaxQuantizer(
            value_range=(-8, 7)))
    with pytest.raises(ValueError, match="value_range=\\(-8, 7\\)"):
        quantizers.Int4QuantizationConfig(weight_quantizer=quantizers.AbsMaxQuantizer(),
                                          block_size=None)
    with pytest.raises(NotImplementedError):
        quantizers.QuantizationConfig().mode
    assert quantizers.Int8QuantizationConfig().activation_quantizer.get_config() == \
        quantizers.AbsMaxQuantizer().get_config()
    assert quantizers.Int4QuantizationConfig().activation_quantizer is None


@pytest.mark.parametrize("shape,axis", [((3, 2), 0), ((2, 3), 1), ((4, 5, 3), -1), ((5, 4, 2), 1)])
@pytest.mark.parametrize("dtype", ["int8", "uint8"])
def test_pack_unpack_int4_match_keras(shape, axis, dtype):
    k = _keras()
    lo, hi = (-8, 7) if dtype == "int8" else (0, 15)
    x = RNG.integers(lo, hi + 1, shape).astype(dtype)
    packed, packed_shape, n = quantizers.pack_int4(torch.tensor(x), axis=axis, dtype=dtype)
    kpacked, kshape, kn = k.quantizers.pack_int4(k.ops.convert_to_tensor(x), axis=axis,
                                                 dtype=dtype)
    np.testing.assert_array_equal(_np(packed), _knp(kpacked))
    assert packed_shape == tuple(kshape) and n == kn
    assert str(packed.dtype).split(".")[-1] == dtype
    unpacked = quantizers.unpack_int4(packed, n, axis=axis, dtype=dtype)
    np.testing.assert_array_equal(_np(unpacked), x)
    np.testing.assert_array_equal(
        _np(unpacked), _knp(k.quantizers.unpack_int4(kpacked, kn, axis=axis, dtype=dtype)))


def test_pack_int4_errors():
    with pytest.raises(TypeError, match="Expected int8 tensor"):
        quantizers.pack_int4(torch.zeros(2, 2, dtype=torch.int32))
    with pytest.raises(ValueError, match="'int8' or 'uint8'"):
        quantizers.pack_int4(torch.zeros(2, 2, dtype=torch.int8), dtype="int16")
    with pytest.raises(TypeError, match="int8 or uint8"):
        quantizers.unpack_int4(torch.zeros(2, 2), 4)


@pytest.mark.parametrize("dtype", ["float8_e4m3fn", "float8_e5m2"])
def test_quantize_and_dequantize_matches_keras(dtype):
    k = _keras()
    x = (RNG.standard_normal((4, 7)) * 300).astype("float32")
    for scale in (1.0, 0.37, 4.0):
        got = quantizers.quantize_and_dequantize(torch.tensor(x), torch.tensor(scale), dtype,
                                                 "float32")
        expected = k.quantizers.quantize_and_dequantize(k.ops.convert_to_tensor(x),
                                                        k.ops.convert_to_tensor(scale), dtype,
                                                        "float32")
        np.testing.assert_array_equal(_np(got), _knp(expected))


def test_float8_scale_and_amax_history_match_keras():
    k = _keras()
    amax = np.array([0.0, 3.5, np.inf, 1e-3, 448.0], dtype="float32")
    scale = np.array([2.0, 0.5, 1.5, 1.0, 3.0], dtype="float32")
    for margin in (0, 2):
        got = quantizers.compute_float8_scale(torch.tensor(amax), torch.tensor(scale), 448.0,
                                              margin)
        expected = k.quantizers.compute_float8_scale(k.ops.convert_to_tensor(amax),
                                                     k.ops.convert_to_tensor(scale),
                                                     k.ops.convert_to_tensor(448.0), margin)
        np.testing.assert_array_equal(_np(got), _knp(expected))
    history = RNG.random(6).astype("float32")
    x = RNG.standard_normal((3, 4)).astype("float32")
    got = quantizers.compute_float8_amax_history(torch.tensor(x), torch.tensor(history))
    expected = k.quantizers.compute_float8_amax_history(k.ops.convert_to_tensor(x),
                                                        k.ops.convert_to_tensor(history))
    np.testing.assert_array_equal(_np(got), _knp(expected))


@pytest.mark.parametrize("num_bits,narrow_range", [(8, False), (8, True), (4, False)])
@pytest.mark.parametrize("per_channel", [False, True])
def test_fake_quant_values_and_gradients_match_keras(num_bits, narrow_range, per_channel):
    k = _keras()
    x = (RNG.standard_normal((5, 3)) * 2).astype("float32")
    if per_channel:
        lo, hi, axis = np.array([-1.0, -0.3, -2.5], "float32"), np.array([1.2, 2.0, 0.7],
                                                                          "float32"), -1
    else:
        lo, hi, axis = np.float32(-1.1), np.float32(0.9), None
    up = RNG.standard_normal((5, 3)).astype("float32")

    xt, lot, hit = (torch.tensor(v, requires_grad=True) for v in (x, lo, hi))
    out = quantizers.fake_quant_with_min_max_vars(xt, lot, hit, num_bits, narrow_range, axis)
    (out * torch.tensor(up)).sum().backward()

    kx, klo, khi = (torch.tensor(v, requires_grad=True) for v in (x, lo, hi))
    kout = k.quantizers.fake_quant_with_min_max_vars(kx, klo, khi, num_bits, narrow_range, axis)
    (kout * torch.tensor(up)).sum().backward()

    np.testing.assert_array_equal(_np(out), _np(kout))
    for ours, theirs in ((xt, kx), (lot, klo), (hit, khi)):
        np.testing.assert_allclose(_np(ours.grad), _np(theirs.grad), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("shape,block_size", [((37, 5), 4), ((37, 5), 16), ((8, 3), 128),
                                              ((12, 4), 3)])
@pytest.mark.parametrize("to_numpy", [False, True])
def test_grouped_quantize_and_dequantize_match_keras(shape, block_size, to_numpy):
    k = _keras()
    from keras.src.quantizers.quantizers import dequantize_with_sz_map as k_dequantize

    from cornu.quantizers.quantizers import dequantize_with_sz_map
    x = (RNG.standard_normal(shape) * 2 + 0.5).astype("float32")
    ours = quantizers.abs_max_quantize_grouped_with_zero_point(torch.tensor(x), block_size,
                                                               to_numpy=to_numpy)
    theirs = k.quantizers.abs_max_quantize_grouped_with_zero_point(
        k.ops.convert_to_tensor(x), block_size, to_numpy=to_numpy)
    for a, b in zip(ours, theirs):
        assert str(a.dtype).split(".")[-1] == k.backend.standardize_dtype(b.dtype)
        np.testing.assert_array_equal(_np(a), _knp(b))
    g_idx = np.floor_divide(np.arange(shape[0], dtype="float32"), block_size)
    np.testing.assert_array_equal(
        _np(dequantize_with_sz_map(*ours, torch.tensor(g_idx), group_axis=0)),
        _knp(k_dequantize(*theirs, k.ops.convert_to_tensor(g_idx), group_axis=0)))
