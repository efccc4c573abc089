"""LoRA of `Dense`, `EinsumDense` and `Embedding` against Keras 3 (torch backend)."""

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch

import cornu
from cornu import layers
from lora_test_utils import (
    check_config,
    check_enable_keeps_output,
    check_errors,
    check_fit,
    check_layer,
    check_saving,
    inputs,
    keras,
    np_of,
)

SPECS = {
    "dense": dict(make=lambda lib, **kw: lib.layers.Dense(4, **kw), shape=(5,)),
    "dense_3d": dict(make=lambda lib, **kw: lib.layers.Dense(3, activation="tanh", **kw),
                     shape=(2, 5)),
    "dense_no_bias": dict(make=lambda lib, **kw: lib.layers.Dense(4, use_bias=False, **kw),
                          shape=(6,)),
    # The factors take the kernel's regularizer (the frozen kernel's adds nothing in fit).
    "dense_l2": dict(make=lambda lib, **kw: lib.layers.Dense(4, kernel_regularizer="l2", **kw),
                     shape=(5,)),
    "einsum": dict(make=lambda lib, **kw: lib.layers.EinsumDense(
        "abc,cde->abde", (3, 4, 5), bias_axes="de", **kw), shape=(3, 6)),
    "einsum_ellipsis": dict(make=lambda lib, **kw: lib.layers.EinsumDense(
        "...b,bc->...c", 4, bias_axes="c", activation="relu", **kw), shape=(2, 6)),
    "embedding": dict(make=lambda lib, **kw: lib.layers.Embedding(7, 4, **kw), shape=(5,),
                      vocab=7, weight="embeddings"),
}
IDS = list(SPECS)


@pytest.mark.parametrize("family", IDS)
def test_weights_and_outputs_match_keras(family):
    check_layer(SPECS[family])


@pytest.mark.parametrize("family", IDS)
def test_enabling_keeps_the_output(family):
    check_enable_keeps_output(SPECS[family])


@pytest.mark.parametrize("family", IDS)
def test_fit_matches_keras(family):
    # dense_l2's weights match; its reported loss is checked below.
    check_fit(SPECS[family], compare_loss=family != "dense_l2")


def test_fit_loss_with_a_regularized_frozen_kernel_matches_keras():
    check_fit(SPECS["dense_l2"])


@pytest.mark.parametrize("family", IDS)
def test_config_matches_keras(family):
    check_config(SPECS[family])


@pytest.mark.parametrize("family", ["dense", "einsum", "embedding"])
def test_keras_files_load_both_ways(family, tmp_path):
    check_saving(SPECS[family], tmp_path)


@pytest.mark.parametrize("family", ["dense", "einsum"])
def test_errors_match_keras(family):
    check_errors(SPECS[family], dict(kernel_constraint="non_neg"),
                 "Lora is incompatible with kernel constraints")


def test_embedding_errors_match_keras():
    check_errors(SPECS["embedding"], dict(embeddings_constraint="non_neg"),
                 "Lora is incompatible with embedding constraints")


@pytest.mark.parametrize("family", ["dense", "embedding"])
def test_lora_alpha_of_the_constructor_is_kept(family):
    # Keras's docs: `lora_alpha` scales the update by `lora_alpha / lora_rank`. Keras 3.15's
    # Dense and Embedding `build` call `enable_lora(self.lora_rank)` without it, so a layer
    # made with `lora_alpha` (or from a config holding it) gets a scale of 1 there; cornu keeps
    # it, as Keras's EinsumDense and convolutions do.
    spec = SPECS[family]
    layer = spec["make"](cornu, lora_rank=2, lora_alpha=6)
    x = inputs(spec)
    layer(x)
    assert layer.lora_alpha == 6 and layer.get_config()["lora_alpha"] == 6
    rng = np.random.default_rng(3)
    layer.set_weights([rng.standard_normal(tuple(w.shape)).astype("float32")
                       for w in layer.weights])
    name = spec.get("weight", "kernel")
    base = np_of(getattr(layer, f"_{name}"))
    a, b = np_of(getattr(layer, f"lora_{name}_a")), np_of(getattr(layer, f"lora_{name}_b"))
    merged = base + 3.0 * (a @ b)
    np.testing.assert_allclose(np_of(getattr(layer, name)), merged, rtol=1e-5, atol=1e-5)
    if family == "dense":
        expected = x @ merged + np_of(layer.bias)
    else:
        expected = merged[x]
    np.testing.assert_allclose(np_of(layer(x)), expected, rtol=1e-5, atol=1e-5)


def test_float_layers_keep_a_plain_kernel_attribute():
    # The fast path reads `kernel` as a parameter; only LoRA-enabled instances get a property.
    dense = layers.Dense(4)
    dense(np.zeros((2, 3), "float32"))
    assert type(dense) is layers.Dense and "kernel" not in vars(layers.Dense)
    assert dense._fast and dense.kernel is dense._parameters["kernel"]
    other = layers.Dense(4)
    other(np.zeros((2, 3), "float32"))
    other.enable_lora(2)
    assert type(dense) is layers.Dense and type(other) is not layers.Dense
    assert isinstance(other, layers.Dense) and type(other).__name__ == "Dense"
    assert other._fast
    # A frozen kernel gets no gradient; the factors do.
    x = torch.randn(2, 3)
    with torch.no_grad():
        other.lora_kernel_b.normal_()
    other(x).sum().backward()
    assert other._kernel.grad is None
    assert other.lora_kernel_a.grad is not None and other.lora_kernel_b.grad is not None
    assert list(other.state_dict()) == ["kernel", "bias", "lora_kernel_a", "lora_kernel_b"]


def test_copy_and_pickle_keep_lora():
    layer = layers.Dense(4)
    x = torch.randn(2, 3)
    layer(x)
    layer.enable_lora(2, lora_alpha=5)
    with torch.no_grad():
        layer.lora_kernel_b.normal_()
    for clone in (copy.deepcopy(layer), pickle.loads(pickle.dumps(layer))):
        assert type(clone) is type(layer) and clone.lora_enabled and clone.lora_alpha == 5
        torch.testing.assert_close(clone(x), layer(x))
        assert [w.path for w in clone.trainable_weights] == [
            w.path for w in layer.trainable_weights]


def test_clone_and_training_after_enabling():
    k = keras()
    x = inputs(SPECS["dense"], batch=8)
    y = np.random.default_rng(2).standard_normal((8, 2)).astype("float32")
    models = {}
    for lib in (k, cornu):
        model = lib.Sequential([lib.Input((5,)), lib.layers.Dense(4, name="lora_layer"),
                                lib.layers.Dense(2, name="head")])
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
        models[lib.__name__] = model
    theirs, ours = models["keras"], models["cornu"]
    ours.set_weights(theirs.get_weights())
    for model in (theirs, ours):
        model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
        model.get_layer("lora_layer").enable_lora(2)
    theirs.set_weights([w + 0.1 for w in theirs.get_weights()])
    ours.set_weights(theirs.get_weights())
    for model, lib in ((theirs, k), (ours, cornu)):
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
        model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    for got, expected in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    clone = cornu.models.clone_model(ours)
    keras_clone = k.models.clone_model(theirs)
    assert clone.get_layer("lora_layer").lora_enabled
    assert ([(w.name, tuple(w.shape)) for w in clone.trainable_weights]
            == [(w.name, tuple(w.shape)) for w in keras_clone.trainable_weights])
    clone.set_weights(ours.get_weights())
    np.testing.assert_allclose(clone.predict(x, verbose=0), ours.predict(x, verbose=0),
                               rtol=1e-6)


def test_invalid_rank():
    layer = layers.Dense(4)
    layer(inputs(SPECS["dense"]))
    for rank in (0, -1, 1.5, None):
        with pytest.raises(ValueError, match=f"`rank` must be a positive integer. "
                                             f"Received: rank={rank!r}"):
            layer.enable_lora(rank)
    assert not layer.lora_enabled and type(layer) is layers.Dense


def test_registered_subclass_keeps_its_name_and_call():
    @cornu.saving.register_keras_serializable(package="lora_test")
    class ScaledDense(layers.Dense):
        def call(self, inputs):
            return 2.0 * super().call(inputs)

    layer = ScaledDense(4)
    x = torch.as_tensor(inputs(SPECS["dense"]))
    layer(x)
    layer.enable_lora(2)
    with torch.no_grad():
        layer.lora_kernel_b.normal_()
    assert isinstance(layer, ScaledDense) and type(layer).__name__ == "ScaledDense"
    torch.testing.assert_close(layer(x), 2.0 * (x @ layer.kernel + layer.bias))
    serialized = cornu.saving.serialize_keras_object(layer)
    assert serialized["registered_name"] == "lora_test>ScaledDense"
    clone = cornu.saving.deserialize_keras_object(serialized)
    assert isinstance(clone, ScaledDense) and clone.lora_enabled and clone.lora_rank == 2
    clone.set_weights(layer.get_weights())
    torch.testing.assert_close(clone(x), layer(x))


def test_lora_and_float8_quantization_refuse_each_other():
    # int8 / int4 LoRA (QLoRA) is tested against Keras in tests/quantizers/test_quantized_lora.py.
    x = inputs(SPECS["dense"])
    quantized = layers.Dense(4, dtype="float8_from_float32")
    quantized(x)
    with pytest.raises(NotImplementedError, match="LoRA on a quantized layer of mode 'float8'"):
        quantized.enable_lora(2)
    adapted = layers.Dense(4, lora_rank=2)
    adapted(x)
    with pytest.raises(NotImplementedError, match="LoRA enabled"):
        adapted.quantize("float8")
    model = cornu.Sequential([cornu.Input((5,)), layers.Dense(4, lora_rank=2), layers.Dense(2)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.quantize("float8")
    assert any("LoRA enabled" in str(w.message) for w in caught)
    assert model.layers[0].quantization_mode is None
    assert model.layers[1].quantization_mode == "float8"
