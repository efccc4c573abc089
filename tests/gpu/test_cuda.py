"""cornu on a CUDA GPU: the same results as on the CPU, NumPy in and out, fused kernels.

Runs only where CUDA is present (CI has no GPU); the rest of the suite pins the CPU.
"""

import warnings

import numpy as np
import pytest
import torch

import cornu as keras
from cornu import layers

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.fixture(autouse=True)
def on_cuda():
    """cornu's default device is CUDA inside each test; exact float32 convolutions."""
    previous = keras.config.device()
    tf32 = torch.backends.cudnn.allow_tf32
    keras.config.set_device("cuda")
    torch.backends.cudnn.allow_tf32 = False
    yield
    keras.config.set_device(str(previous))
    torch.backends.cudnn.allow_tf32 = tf32
    keras.mixed_precision.set_global_policy("float32")


def _mlp():
    return keras.Sequential([keras.Input((20,)), layers.Dense(32, activation="relu"),
                             layers.Dense(4)])


def _cnn():
    return keras.Sequential([keras.Input((12, 12, 3)), layers.Conv2D(8, 3, activation="relu"),
                             layers.BatchNormalization(), layers.MaxPooling2D(),
                             layers.Flatten(), layers.Dense(4)])


def _lstm():
    return keras.Sequential([keras.Input((7, 5)), layers.LSTM(16, return_sequences=True),
                             layers.GRU(8), layers.Dense(4)])


def _masked_bidirectional():
    inputs = keras.Input((7,), dtype="int32")
    x = layers.Embedding(20, 6, mask_zero=True)(inputs)
    x = layers.Bidirectional(layers.LSTM(8))(x)
    return keras.Model(inputs, layers.Dense(4)(x))


def _data(model, n=64, seed=0):
    rng = np.random.default_rng(seed)
    shape = tuple(model.inputs[0].shape[1:])
    if model.inputs[0].dtype == "int32":
        x = rng.integers(1, 20, (n,) + shape)
        for row, length in enumerate(rng.integers(2, shape[0] + 1, n)):
            x[row, length:] = 0  # right padding: the fused cuDNN path
        x = x.astype("int32")
    else:
        x = rng.standard_normal((n,) + shape).astype("float32")
    return x, rng.integers(0, 4, n)


def test_numpy_inputs_go_to_the_layers_device_and_predict_returns_numpy():
    dense = layers.Dense(3)
    out = dense(np.ones((2, 5), "float32"))
    assert out.device.type == "cuda" and dense.kernel.device.type == "cuda"
    model = _mlp()
    assert all(w.device.type == "cuda" for w in model.weights)
    preds = model.predict(np.ones((5, 20), "float32"), verbose=0)
    assert isinstance(preds, np.ndarray) and preds.shape == (5, 4)


@pytest.mark.parametrize("build", [_mlp, _cnn, _lstm, _masked_bidirectional])
def test_fit_on_cuda_equals_fit_on_cpu(build):
    keras.utils.set_random_seed(0)
    keras.config.set_device("cpu")
    cpu_model = build()
    keras.config.set_device("cuda")
    gpu_model = build()
    gpu_model.set_weights(cpu_model.get_weights())
    x, y = _data(cpu_model)
    results = []
    for model in (cpu_model, gpu_model):
        model.compile(keras.optimizers.Adam(1e-2),
                      keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        history = model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
        results.append((history.history["loss"], model.get_weights(),
                        model.predict(x, verbose=0), model.evaluate(x, y, verbose=0)))
    (cpu_loss, cpu_w, cpu_pred, cpu_eval), (gpu_loss, gpu_w, gpu_pred, gpu_eval) = results
    np.testing.assert_allclose(gpu_loss, cpu_loss, rtol=1e-4)
    for a, b in zip(gpu_w, cpu_w):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(gpu_pred, cpu_pred, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(gpu_eval, cpu_eval, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("name", ["LSTM", "GRU", "SimpleRNN"])
def test_fused_recurrent_layers_on_cuda_match_keras(name):
    keras_ref = pytest.importorskip("keras")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 6, 5)).astype("float32")
    mask = np.ones((4, 6), bool)
    mask[1, 4:] = False
    kwargs = dict(units=7, return_sequences=True, return_state=True)
    theirs = getattr(keras_ref.layers, name)(**kwargs)
    ours = getattr(layers, name)(**kwargs)
    theirs.build(x.shape)
    ours.build(x.shape)
    ours.set_weights(theirs.get_weights())
    expected = theirs(x, mask=torch.as_tensor(mask))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        received = ours(torch.as_tensor(x, device="cuda"),
                        mask=torch.as_tensor(mask, device="cuda"))
    # The weights reach cuDNN packed in one buffer, so it does not copy them again.
    assert not [w for w in caught if "contiguous chunk" in str(w.message)]
    for a, b in zip(received, expected):
        np.testing.assert_allclose(a.detach().cpu().numpy(),
                                   keras_ref.ops.convert_to_numpy(b), rtol=1e-5, atol=1e-5)


def test_jit_compile_on_cuda_equals_eager():
    keras.utils.set_random_seed(0)
    eager, compiled = _cnn(), _cnn()
    compiled.set_weights(eager.get_weights())
    x, y = _data(eager, n=70)
    for model, jit in ((eager, False), (compiled, True)):
        model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      jit_compile=jit)
        model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(compiled.get_weights(), eager.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_on_cuda_trains_float32_variables(policy, tmp_path):
    keras.utils.set_random_seed(0)
    keras.mixed_precision.set_global_policy(policy)
    model = _cnn()
    keras.mixed_precision.set_global_policy("float32")
    x, y = _data(model, n=128)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    if policy == "mixed_float16":
        assert isinstance(model.optimizer, keras.mixed_precision.LossScaleOptimizer)
    out = model(x[:2])
    assert out.dtype == (torch.bfloat16 if policy == "mixed_bfloat16" else torch.float16)
    history = model.fit(x, y, batch_size=32, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert all(np.isfinite(h) for h in history.history["loss"])
    assert all(w.dtype == torch.float32 for w in model.weights)
    model.save(tmp_path / "m.keras")
    keras.config.set_device("cpu")
    restored = keras.models.load_model(tmp_path / "m.keras")
    for a, b in zip(restored.get_weights(), model.get_weights()):
        assert a.dtype == np.float32
        np.testing.assert_array_equal(a, b)


def test_saved_on_cuda_loads_on_cpu_with_the_same_predictions(tmp_path):
    model = _masked_bidirectional()
    x, y = _data(model)
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    model.save(tmp_path / "m.h5")
    keras.config.set_device("cpu")
    for name in ("m.keras", "m.h5"):
        restored = keras.models.load_model(tmp_path / name)
        assert all(w.device.type == "cpu" for w in restored.weights)
        np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0),
                                   rtol=1e-5, atol=1e-5)


class _CustomDense(layers.Layer):
    """USAGE.md's custom layer: `x @ w + b` (the bias add has no meta-tensor path)."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal")
        self.b = self.add_weight(shape=(self.units,), initializer="random_normal")

    def call(self, inputs):
        return keras.ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_custom_layer_in_functional_and_reloaded_subclassed_models(tmp_path):
    inputs = keras.Input((5,))
    model = keras.Model(inputs, _CustomDense(3)(inputs))
    assert model.output.shape == (None, 3) and model.weights[0].device.type == "cuda"

    class Wrapper(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = _CustomDense(3)

        def call(self, x):
            return self.dense(x)

    wrapper = Wrapper()
    wrapper.build((None, 5))
    x = np.ones((2, 5), "float32")
    assert wrapper.predict(x, verbose=0).shape == (2, 3)
    path = str(tmp_path / "wrapper.keras")
    wrapper.save(path)
    reloaded = keras.models.load_model(
        path, custom_objects={"Wrapper": Wrapper, "_CustomDense": _CustomDense})
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), wrapper.predict(x, verbose=0),
                               rtol=1e-6, atol=1e-6)
