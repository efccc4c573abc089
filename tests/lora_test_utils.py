"""Checks of LoRA-enabled layers against Keras 3 (torch backend), shared by the LoRA tests.

A spec describes one layer: `make(lib, **kwargs)` builds it with `lib` being `keras` or
`cornu`, `shape` is one sample's input shape, `vocab` (for integer inputs) the index range.
"""

import numpy as np
import pytest
import torch

import cornu

RANK, ALPHA = 2, 3


def keras():
    return pytest.importorskip("keras")


def np_of(x):
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return keras().ops.convert_to_numpy(x)


def inputs(spec, batch=3, seed=0):
    rng = np.random.default_rng(seed)
    shape = (batch,) + tuple(spec["shape"])
    if spec.get("vocab"):
        return rng.integers(0, spec["vocab"], shape).astype("int32")
    return rng.standard_normal(shape).astype("float32")


def random_weights(layer_or_model, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(tuple(w.shape)).astype("float32") * 0.5
            for w in layer_or_model.weights]


def layer_pair(spec, **kwargs):
    """The Keras and the cornu layer, built on the same input, LoRA enabled by `enable_lora`
    (unless `lora_rank` is in kwargs), with the same random weights."""
    k = keras()
    x = inputs(spec)
    theirs = spec["make"](k, name="lora_layer", **kwargs)
    ours = spec["make"](cornu, name="lora_layer", **kwargs)
    theirs(x)
    ours(x)
    if "lora_rank" not in kwargs:
        theirs.enable_lora(RANK, lora_alpha=ALPHA)
        ours.enable_lora(RANK, lora_alpha=ALPHA)
    theirs.set_weights(random_weights(theirs))
    ours.set_weights(theirs.get_weights())
    return theirs, ours, x


def names_and_shapes(weights):
    return [(w.path, tuple(w.shape)) for w in weights]


def check_layer(spec):
    """Weights (names, shapes, order, trainability), the merged weight and the output."""
    theirs, ours, x = layer_pair(spec)
    assert ours.lora_enabled and ours.lora_rank == RANK and ours.lora_alpha == ALPHA
    for attr in ("weights", "trainable_weights", "non_trainable_weights"):
        assert names_and_shapes(getattr(ours, attr)) == names_and_shapes(getattr(theirs, attr))
    name = spec.get("weight", "kernel")
    np.testing.assert_allclose(np_of(getattr(ours, name)), np_of(getattr(theirs, name)),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np_of(getattr(ours, f"_{name}")),
                               np_of(getattr(theirs, f"_{name}")))
    np.testing.assert_allclose(np_of(ours(x)), np_of(theirs(x)), rtol=1e-5, atol=1e-5)
    # Through a model (the compiled/functional path) too.
    model = cornu.Sequential([cornu.Input(spec["shape"],
                                          dtype="int32" if spec.get("vocab") else "float32"),
                              ours])
    np.testing.assert_allclose(model.predict(x, verbose=0), np_of(theirs(x)), rtol=1e-5,
                               atol=1e-5)


def check_enable_keeps_output(spec):
    """With the default zero `b` factor, enabling LoRA does not change the output."""
    layer = spec["make"](cornu)
    x = inputs(spec)
    before = np_of(layer(x))
    layer.enable_lora(4)
    name = spec.get("weight", "kernel")
    a, b = getattr(layer, f"lora_{name}_a"), getattr(layer, f"lora_{name}_b")
    assert a.dtype == torch.float32 and b.dtype == torch.float32
    assert float(a.detach().abs().sum()) > 0 and float(b.detach().abs().sum()) == 0
    assert layer.lora_alpha == 4
    np.testing.assert_allclose(np_of(layer(x)), before, rtol=1e-6, atol=1e-6)


def model_of(lib, spec, **kwargs):
    dtype = "int32" if spec.get("vocab") else "float32"
    inp = lib.Input(spec["shape"], dtype=dtype)
    return lib.Model(inp, spec["make"](lib, name="lora_layer", **kwargs)(inp))


def check_fit(spec, steps=3, compare_loss=True):
    """A few SGD steps: the factors and the bias move as in Keras; the frozen weight stays."""
    k = keras()
    theirs, ours = model_of(k, spec), model_of(cornu, spec)
    # enable_lora, not lora_rank: Keras 3.15's Dense and Embedding drop `lora_alpha` there.
    for model in (theirs, ours):
        model.get_layer("lora_layer").enable_lora(RANK, lora_alpha=ALPHA)
    theirs.set_weights(random_weights(theirs))
    ours.set_weights(theirs.get_weights())
    x = inputs(spec, batch=4)
    y = np.random.default_rng(5).standard_normal(
        np_of(theirs(x)).shape).astype("float32")
    for model, lib in ((theirs, k), (ours, cornu)):
        model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
    name = spec.get("weight", "kernel")
    layer = ours.get_layer("lora_layer")
    frozen = np_of(getattr(layer, f"_{name}")).copy()
    factor = np_of(getattr(layer, f"lora_{name}_b")).copy()
    h_theirs = theirs.fit(x, y, epochs=steps, batch_size=4, shuffle=False, verbose=0)
    h_ours = ours.fit(x, y, epochs=steps, batch_size=4, shuffle=False, verbose=0)
    for got, expected in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(np_of(getattr(layer, f"_{name}")), frozen)
    assert not np.allclose(np_of(getattr(layer, f"lora_{name}_b")), factor)
    if compare_loss:
        np.testing.assert_allclose(h_ours.history["loss"], h_theirs.history["loss"],
                                   rtol=1e-5)


def check_config(spec):
    """`get_config` carries `lora_rank` / `lora_alpha` as Keras's does, and a layer made from
    it (or from Keras's) is built with LoRA enabled."""
    theirs, ours, x = layer_pair(spec)
    config, keras_config = ours.get_config(), theirs.get_config()
    for key in ("lora_rank", "lora_alpha"):
        assert config[key] == keras_config[key]
    plain = spec["make"](cornu)
    assert "lora_rank" not in plain.get_config() and "lora_alpha" not in plain.get_config()
    for source in (config, keras_config):
        clone = type(ours).from_config(source)
        assert clone.lora_rank == RANK and not clone.lora_enabled
        clone(x)
        assert clone.lora_enabled and clone.lora_alpha == ALPHA
        assert names_and_shapes(clone.weights) == names_and_shapes(ours.weights)
        clone.set_weights(ours.get_weights())
        np.testing.assert_allclose(np_of(clone(x)), np_of(ours(x)), rtol=1e-6, atol=1e-6)
    serialized = cornu.saving.serialize_keras_object(ours)
    assert serialized["class_name"] == type(theirs).__name__
    assert serialized["module"] == "keras.layers"


def check_saving(spec, tmp_path):
    """`.keras` files of each library load in the other with the same predictions; the file
    holds the merged weight where an un-LoRA'd layer holds its weight."""
    k = keras()
    x = inputs(spec)
    name = spec.get("weight", "kernel")
    for saver, loader in ((k, cornu), (cornu, k)):
        model = model_of(saver, spec, lora_rank=RANK, lora_alpha=ALPHA)
        model.set_weights(random_weights(model, seed=7))
        expected = np_of(model.predict(x, verbose=0))
        path = str(tmp_path / f"{saver.__name__}_lora.keras")
        model.save(path)
        loaded = loader.saving.load_model(path)
        np.testing.assert_allclose(np_of(loaded.predict(x, verbose=0)), expected, rtol=1e-5,
                                   atol=1e-5)
        layer = loaded.get_layer("lora_layer")
        assert layer.lora_enabled
        # Loading puts the merged weight in the frozen slot and zeroes the factors.
        np.testing.assert_allclose(np_of(getattr(layer, f"_{name}")),
                                   np_of(getattr(model.get_layer("lora_layer"), name)),
                                   rtol=1e-6, atol=1e-6)
        assert not np_of(getattr(layer, f"lora_{name}_a")).any()
        assert not np_of(getattr(layer, f"lora_{name}_b")).any()
        # The weights file reads as that of the layer without LoRA.
        weights_path = str(tmp_path / f"{saver.__name__}_lora.weights.h5")
        model.save_weights(weights_path)
        plain = model_of(loader, spec)
        plain.load_weights(weights_path)
        np.testing.assert_allclose(np_of(plain.predict(x, verbose=0)), expected, rtol=1e-5,
                                   atol=1e-5)
        # Legacy `.h5` files hold the layer's weights as they are (factors included). No
        # `lora_alpha` here: Keras 3.15's Dense and Embedding drop it when built from a config.
        model = model_of(saver, spec, lora_rank=RANK)
        model.set_weights(random_weights(model, seed=8))
        expected = np_of(model.predict(x, verbose=0))
        h5_path = str(tmp_path / f"{saver.__name__}_lora.h5")
        model.save(h5_path)
        legacy = loader.saving.load_model(h5_path, compile=False)
        assert legacy.get_layer("lora_layer").lora_enabled
        np.testing.assert_allclose(np_of(legacy.predict(x, verbose=0)), expected, rtol=1e-5,
                                   atol=1e-5)


def check_errors(spec, constraint_kwargs, constraint_message):
    """Keras's errors, with Keras's messages."""
    k = keras()
    x = inputs(spec)
    for lib in (k, cornu):
        layer = spec["make"](lib)
        with pytest.raises(ValueError, match="Cannot enable lora on a layer that isn't yet "
                                             "built"):
            layer.enable_lora(2)
        layer(x)
        layer.enable_lora(2)
        with pytest.raises(ValueError, match="lora is already enabled. This can only be done "
                                             "once per layer"):
            layer.enable_lora(2)
        constrained = spec["make"](lib, **constraint_kwargs)
        constrained(x)
        with pytest.raises(ValueError, match=constraint_message):
            constrained.enable_lora(2)
        with pytest.raises(ValueError, match=constraint_message):
            spec["make"](lib, lora_rank=2, **constraint_kwargs)(x)
