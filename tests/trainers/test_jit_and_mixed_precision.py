"""`jit_compile=True` (torch.compile) and mixed precision policies."""

import h5py
import numpy as np
import pytest
import torch
import zipfile

import cornu as keras
from cornu import layers


def _model():
    return keras.Sequential([keras.Input((12,)), layers.Dense(16, activation="relu"),
                             layers.Dropout(0.0), layers.Dense(3)])


def _data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((150, 12)).astype("float32"), rng.integers(0, 3, 150)


def test_jit_compile_matches_eager_and_does_not_recompile_each_epoch():
    x, y = _data()
    eager, jit = _model(), _model()
    jit.set_weights(eager.get_weights())
    for model, flag in ((eager, False), (jit, True)):
        model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"], jit_compile=flag)
    torch._dynamo.reset()
    h_eager = eager.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    h_jit = jit.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    frames_after_two = torch._dynamo.utils.counters["stats"]["unique_graphs"]
    jit.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)  # 150 = 4*32 + 22
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] == frames_after_two
    eager.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(jit.get_weights(), eager.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h_jit.history["loss"], h_eager.history["loss"], rtol=1e-4)
    np.testing.assert_allclose(jit.predict(x, verbose=0), eager.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-5)


@pytest.fixture
def policy():
    yield keras.mixed_precision.set_global_policy
    keras.mixed_precision.set_global_policy(None)


def test_mixed_bfloat16_trains_and_saves_float32_variables(policy, tmp_path):
    policy("mixed_bfloat16")
    x, y = _data()
    model = _model()
    assert model.layers[0].compute_dtype == "bfloat16" and model.layers[0].dtype == "float32"
    assert model(x[:2]).dtype == torch.bfloat16
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, epochs=4, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert {w.dtype for w in model.weights} == {torch.float32}
    path = tmp_path / "mixed.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive, archive.open("model.weights.h5") as f:
        with h5py.File(f, "r") as h5:
            dtypes = set()
            h5.visititems(lambda name, obj: dtypes.add(obj.dtype) if isinstance(obj, h5py.Dataset) else None)
    assert np.dtype("float32") in dtypes and np.dtype("float16") not in dtypes


def test_mixed_float16_wraps_the_optimizer_in_loss_scaling(policy):
    policy("mixed_float16")
    x, y = _data()
    model = _model()
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    history = model.fit(x, y, epochs=3, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_every_jit_compiled_model_gets_its_own_compiled_steps():
    x, y = _data()
    x, y = x[:128], y[:128]  # whole batches only: no recompilation for a short last one
    torch._dynamo.reset()
    torch._dynamo.utils.counters.clear()
    # torch.compile allows `recompile_limit` graphs per code object; with 1, a second model
    # sharing the first one's step code would fall back to eager mode.
    with torch._dynamo.config.patch(recompile_limit=1):
        for _ in range(3):
            model = _model()
            model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                          jit_compile=True)
            model.fit(x, y, batch_size=32, epochs=1, verbose=0)
            model.predict(x, batch_size=32, verbose=0)
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] == 6  # train + predict, x3


def test_jit_compile_with_fused_recurrent_layers_matches_eager():
    def rnn_model():
        return keras.Sequential([keras.Input((6, 4)), layers.LSTM(8, return_sequences=True),
                                 layers.SimpleRNN(5, return_sequences=True), layers.GRU(6),
                                 layers.Dense(3)])

    rng = np.random.default_rng(1)
    x = rng.standard_normal((40, 6, 4)).astype("float32")
    y = rng.integers(0, 3, 40)
    eager, jit = rnn_model(), rnn_model()
    jit.set_weights(eager.get_weights())
    for model, flag in ((eager, False), (jit, True)):
        model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      jit_compile=flag)
        model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    assert all(layer.last_call_fused for layer in jit.layers[:3])
    for a, b in zip(jit.get_weights(), eager.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(jit.predict(x, verbose=0), eager.predict(x, verbose=0),
                               rtol=1e-4, atol=1e-5)


def _mixed_model_with_float32_head(lib):
    lib.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        inputs = lib.Input((12,))
        hidden = lib.layers.Dense(16, activation="relu")(inputs)
        return lib.Model(inputs, lib.layers.Dense(3, dtype="float32")(hidden))
    finally:
        lib.mixed_precision.set_global_policy("float32")


def test_float32_head_of_a_mixed_model_computes_in_float32_like_keras():
    import keras as keras_ref
    x, _ = _data()
    theirs, ours = _mixed_model_with_float32_head(keras_ref), _mixed_model_with_float32_head(keras)
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    expected = theirs.predict(x, verbose=0)
    result = ours.predict(x, verbose=0)
    assert result.dtype == expected.dtype == np.float32
    assert ours(x).dtype == torch.float32
    # The head multiplies bfloat16 activations in float32: both libraries agree to float32
    # rounding, where a bfloat16 head would differ by about 1e-2.
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-5)
    # Called on its own inside an autocast region, a float32 layer leaves it too.
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert ours.layers[-1](torch.randn(4, 16)).dtype == torch.float32


def test_bfloat16_outputs_and_weights_convert_to_numpy_like_keras():
    import keras as keras_ref
    x, _ = _data()
    outputs = {}
    for lib in (keras_ref, keras):
        layer = lib.layers.Dense(3, dtype="bfloat16")
        layer.build((None, 12))
        if lib is keras:
            layer.set_weights(outputs["weights"])
        else:
            outputs["weights"] = layer.get_weights()
        outputs[lib.__name__] = (lib.ops.convert_to_numpy(layer(x)), layer.get_weights())
    (theirs, their_weights), (ours, our_weights) = outputs["keras"], outputs["cornu"]
    assert ours.dtype == theirs.dtype and str(ours.dtype) == "bfloat16"
    assert [w.dtype for w in our_weights] == [w.dtype for w in their_weights]
    for a, b in zip(our_weights, their_weights):
        np.testing.assert_array_equal(a.astype("float32"), b.astype("float32"))
    np.testing.assert_allclose(ours.astype("float32"), theirs.astype("float32"), rtol=2e-2,
                               atol=2e-2)
