"""One call that checks a layer the way every layer must work.

`run_layer_test(cls, init_kwargs, input_shape=...)` checks: eager build and call, the
symbolic output shape against the eager one, weight counts, the config round trip (same
config, same outputs with the same weights), the weights round trip, and a gradient step
that reaches every trainable weight.
"""

import numpy as np
import torch

import cornu as keras
from cornu.saving.serialization_lib import deserialize_keras_object, serialize_keras_object


def _make_input(shape, dtype, rng):
    if dtype.startswith("int"):
        return rng.integers(0, 10, size=shape).astype(dtype)
    if dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    return rng.standard_normal(size=shape).astype(dtype)


def _to_numpy(x):
    if isinstance(x, (list, tuple)):
        return [_to_numpy(v) for v in x]
    if isinstance(x, dict):
        return {k: _to_numpy(v) for k, v in x.items()}
    return x.detach().cpu().numpy()


def _flat(x):
    if isinstance(x, (list, tuple)):
        return [leaf for v in x for leaf in _flat(v)]
    if isinstance(x, dict):
        return [leaf for v in x.values() for leaf in _flat(v)]
    return [x]


def _call(layer, data, **kwargs):
    """Calls `layer` on one input, a list, or (a dict) keyword inputs such as query/value."""
    if isinstance(data, dict):
        return layer(**data, **kwargs)
    return layer(data, **kwargs)


def run_layer_test(layer_cls, init_kwargs=None, input_shape=None, input_dtype="float32",
                   input_data=None, call_kwargs=None, expected_output_shape=None,
                   expected_num_trainable_weights=None, expected_num_non_trainable_weights=None,
                   expected_num_losses=None, supports_masking=None, run_training_check=True,
                   run_symbolic_check=True, seed=0):
    """Builds `layer_cls(**init_kwargs)` and checks it; returns the layer and its eager output.

    Args:
        layer_cls: the layer class.
        init_kwargs: constructor arguments.
        input_shape: full input shape (batch dim included), a list of shapes, or a dict of
            shapes by call argument (`{"query": ..., "value": ...}`).
        input_dtype: dtype of generated inputs.
        input_data: explicit input array(s) instead of generated ones.
        call_kwargs: extra keyword arguments for the call.
        expected_output_shape: the eager output shape (or list of shapes).
        expected_num_trainable_weights: number of trainable weights after build.
        expected_num_non_trainable_weights: number of non-trainable weights after build.
        expected_num_losses: number of losses after a call.
        supports_masking: expected value of `layer.supports_masking`.
        run_training_check: take one gradient step and check every trainable weight moves.
        run_symbolic_check: call the layer on `keras.Input`s and compare shapes.
    """
    init_kwargs = dict(init_kwargs or {})
    call_kwargs = dict(call_kwargs or {})
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    if input_data is None:
        if input_shape is None:
            raise ValueError("Give `input_shape` or `input_data`.")
        if isinstance(input_shape, dict):
            input_data = {k: _make_input(s, input_dtype, rng) for k, s in input_shape.items()}
        elif isinstance(input_shape, list):
            input_data = [_make_input(s, input_dtype, rng) for s in input_shape]
        else:
            input_data = _make_input(input_shape, input_dtype, rng)

    # Eager build and call.
    layer = layer_cls(**init_kwargs)
    if supports_masking is not None:
        assert layer.supports_masking == supports_masking, "supports_masking differs"
    output = _call(layer, input_data, **call_kwargs)
    assert layer.built, f"{layer_cls.__name__} is not built after its first call"
    out_np = _to_numpy(output)
    shapes = [tuple(o.shape) for o in _flat(out_np)]
    if expected_output_shape is not None:
        expected = expected_output_shape if isinstance(expected_output_shape, list) else [
            expected_output_shape]
        assert shapes == [tuple(s) for s in expected], f"output shapes {shapes} != {expected}"
    if expected_num_trainable_weights is not None:
        assert len(layer.trainable_weights) == expected_num_trainable_weights, (
            f"{len(layer.trainable_weights)} trainable weights, expected "
            f"{expected_num_trainable_weights}")
    if expected_num_non_trainable_weights is not None:
        assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights, (
            f"{len(layer.non_trainable_weights)} non-trainable weights, expected "
            f"{expected_num_non_trainable_weights}")
    if expected_num_losses is not None:
        assert len(layer.losses) == expected_num_losses
    for w in layer.weights:
        assert w.path, "every weight has a path"

    # Symbolic call: same output shapes, with the batch dim unknown.
    if run_symbolic_check:
        data = (list(input_data.values()) if isinstance(input_data, dict)
                else input_data if isinstance(input_data, list) else [input_data])
        sym_inputs = [keras.Input(batch_shape=(None,) + tuple(np.shape(d))[1:],
                                  dtype=str(np.asarray(d).dtype)) for d in data]
        sym_layer = layer_cls(**init_kwargs)
        if isinstance(input_data, dict):
            sym_out = sym_layer(**dict(zip(input_data, sym_inputs)), **call_kwargs)
        else:
            sym_out = sym_layer(sym_inputs if isinstance(input_data, list) else sym_inputs[0],
                                **call_kwargs)
        sym_shapes = [tuple(t.shape) for t in _flat(sym_out)]
        assert len(sym_shapes) == len(shapes), "symbolic and eager outputs differ in number"
        for sym, real in zip(sym_shapes, shapes):
            assert len(sym) == len(real), f"symbolic rank {sym} != eager {real}"
            for s, r in zip(sym[1:], real[1:]):
                assert s is None or s == r, f"symbolic shape {sym} != eager shape {real}"
        assert len(sym_layer.weights) == len(layer.weights)

    # Config round trip: same config, and the same outputs once given the same weights.
    config = layer.get_config()
    clone = layer_cls.from_config(config)
    assert clone.get_config() == config, "config changes in a round trip"
    revived = deserialize_keras_object(serialize_keras_object(layer))
    assert type(revived) is layer_cls
    clone_out = _call(clone, input_data, **call_kwargs)
    clone.set_weights(layer.get_weights())
    clone_out = _call(clone, input_data, **call_kwargs)
    if not call_kwargs.get("training"):
        for a, b in zip(_flat(out_np), _flat(_to_numpy(clone_out))):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)

    # Weights round trip in Keras's shapes and order.
    weights = layer.get_weights()
    assert [w.shape for w in weights] == [tuple(v.shape) for v in layer.weights]

    # One gradient step reaches every trainable weight.
    if run_training_check and layer.trainable_weights:
        for w in layer.trainable_weights:
            w.grad = None
        out = _call(layer, input_data, training=True, **{k: v for k, v in call_kwargs.items()
                                                   if k != "training"})
        loss = sum((o.float() ** 2).mean() for o in _flat(out) if o.is_floating_point())
        loss.backward()
        for w in layer.trainable_weights:
            assert w.grad is not None, f"no gradient reaches {w.path}"
            assert torch.isfinite(w.grad).all(), f"non-finite gradient for {w.path}"
    return layer, output
