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
