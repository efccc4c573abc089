"""`cornu.random`: distributions, seeds, SeedGenerator, and a VAE sampling layer in fit."""

import numpy as np
import pytest
import torch

import cornu
from cornu import layers, ops, random
from cornu.utils.rng_utils import set_random_seed

N = 40_000


def _stats(x):
    x = x.double()
    return float(x.mean()), float(x.std())


def test_normal_and_truncated_normal():
    mean, std = _stats(random.normal((N,), mean=2.0, stddev=3.0, seed=1))
    assert abs(mean - 2.0) < 0.06 and abs(std - 3.0) < 0.06
    t = random.truncated_normal((N,), mean=-1.0, stddev=2.0, seed=2)
    assert float(t.min()) >= -5.0 and float(t.max()) <= 3.0
    mean, std = _stats(t)
    # A normal cut at two standard deviations keeps 0.8796 of its standard deviation.
    assert abs(mean + 1.0) < 0.05 and abs(std - 2.0 * 0.8796) < 0.04
    assert random.normal((2, 3), dtype="float64").dtype == torch.float64
    assert random.normal((2, 3)).dtype == torch.float32


def test_uniform_and_randint():
    u = random.uniform((N,), minval=-2.0, maxval=4.0, seed=3)
    assert float(u.min()) >= -2.0 and float(u.max()) < 4.0
    mean, std = _stats(u)
    assert abs(mean - 1.0) < 0.05 and abs(std - 6.0 / 12 ** 0.5) < 0.05
    r = random.randint((N,), 3, 9, seed=4)
    assert r.dtype == torch.int32 and int(r.min()) == 3 and int(r.max()) == 8
    assert abs(float(r.double().mean()) - 5.5) < 0.05
    assert random.randint((2,), 0, 5, dtype="int64").dtype == torch.int64
    with pytest.raises(ValueError, match="floating point"):
        random.uniform((2,), dtype="int32")


def test_categorical_frequencies():
    logits = torch.log(torch.tensor([[0.2, 0.5, 0.3], [0.9, 0.05, 0.05]]))
    draws = random.categorical(logits, N, seed=5)
    assert tuple(draws.shape) == (2, N) and draws.dtype == torch.int32
    freq = torch.stack([(draws == k).double().mean(1) for k in range(3)], 1)
    np.testing.assert_allclose(freq.numpy(), [[0.2, 0.5, 0.3], [0.9, 0.05, 0.05]], atol=0.015)
    with pytest.raises(ValueError, match="2-D"):
        random.categorical(torch.zeros(3), 2)


def test_dropout_and_shuffle():
    x = torch.ones(N)
    y = random.dropout(x, 0.3, seed=6)
    assert abs(float((y == 0).double().mean()) - 0.3) < 0.015
    np.testing.assert_allclose(y[y != 0].numpy(), 1 / 0.7, rtol=1e-6)
    masked = random.dropout(torch.ones(4, 1000), 0.5, noise_shape=(None, 1), seed=7)
    assert all(len(set(row.tolist())) == 1 for row in masked)  # one mask entry per row
    x = torch.arange(24).reshape(4, 6)
    s = random.shuffle(x, axis=1, seed=8)
    assert sorted(s[0].tolist()) == list(range(6))
    assert torch.equal(s, x[:, s[0]])  # one permutation of the columns, for every row
    assert not torch.equal(s, x)
    np.testing.assert_array_equal(ops.dropout(np.ones(8, "float32"), 0.5, seed=9).numpy(),
                                  random.dropout(torch.ones(8), 0.5, seed=9).numpy())


def test_gamma_beta_binomial():
    g = random.gamma((N,), alpha=3.0, seed=10)
    mean, std = _stats(g)
    assert float(g.min()) > 0 and abs(mean - 3.0) < 0.06 and abs(std ** 2 - 3.0) < 0.15
    b = random.beta((N,), alpha=2.0, beta=5.0, seed=11)
    mean, std = _stats(b)
    assert float(b.min()) >= 0 and float(b.max()) <= 1
    assert abs(mean - 2 / 7) < 0.01 and abs(std ** 2 - 10 / (49 * 8)) < 0.003
    k = random.binomial((N,), counts=10, probabilities=0.3, seed=12)
    mean, std = _stats(k)
    assert k.dtype == torch.float32 and abs(mean - 3.0) < 0.05 and abs(std ** 2 - 2.1) < 0.1
    per_row = random.binomial((2, N), counts=np.array([[4.0], [20.0]]), probabilities=0.5)
    np.testing.assert_allclose(per_row.double().mean(1).numpy(), [2.0, 10.0], atol=0.1)
    assert random.gamma((3,), 2.0, dtype="float16").dtype == torch.float16


def test_integer_seeds_are_stateless_and_match_keras():
    a = random.normal((5,), seed=42)
    assert torch.equal(a, random.normal((5,), seed=42))
    assert not torch.equal(a, random.normal((5,), seed=43))
    keras = pytest.importorskip("keras")
    # Keras's torch backend seeds a torch generator with the integer: same numbers.
    for fn, args in (("normal", ((3, 4),)), ("uniform", ((6,),)), ("randint", ((5,), 0, 9))):
        ours = getattr(random, fn)(*args, seed=1234)
        theirs = keras.ops.convert_to_numpy(getattr(keras.random, fn)(*args, seed=1234))
        np.testing.assert_array_equal(ours.numpy(), theirs)
    with pytest.raises(ValueError, match="seed"):
        random.normal((2,), seed="x")


def test_seed_generator_advances_and_replays():
    gen = random.SeedGenerator(7)
    first, second = random.normal((4,), seed=gen), random.normal((4,), seed=gen)
    assert not torch.equal(first, second)
    assert gen.state.tolist() == [7, 2]
    replay = random.SeedGenerator(7)
    assert torch.equal(random.normal((4,), seed=replay), first)
    assert torch.equal(random.normal((4,), seed=replay), second)
    assert not torch.equal(random.normal((4,), seed=random.SeedGenerator(8)), first)
    assert cornu.random.SeedGenerator.from_config(gen.get_config()).get_config() == {
        "seed": 7, "name": gen.name}
    set_random_seed(99)
    a, x = random.SeedGenerator(), random.uniform((3,))
    set_random_seed(99)
    b, y = random.SeedGenerator(), random.uniform((3,))
    assert torch.equal(x, y)  # seed=None draws from torch's global generator
    assert torch.equal(random.normal((3,), seed=a), random.normal((3,), seed=b))
    with pytest.raises(ValueError, match="integer"):
        random.SeedGenerator(1.5)


@cornu.saving.register_keras_serializable(package="cornu_tests")
class Sampling(layers.Layer):
    """Draws z from N(z_mean, exp(z_log_var)), as the VAE example of Keras."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = cornu.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch, dim = ops.shape(z_mean)[0], ops.shape(z_mean)[1]
        epsilon = cornu.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


def _vae():
    inputs = cornu.Input((6,))
    h = layers.Dense(8, activation="relu")(inputs)
    z_mean = layers.Dense(2, name="z_mean")(h)
    z_log_var = layers.Dense(2, name="z_log_var")(h)
    z = Sampling(name="sampling")([z_mean, z_log_var])
    outputs = layers.Dense(6)(z)
    return cornu.Model(inputs, outputs)


def test_sampling_layer_in_functional_model_fits_and_reloads(tmp_path):
    set_random_seed(0)
    model = _vae()
    sampler = model.get_layer("sampling")
    assert tuple(model.output.shape) == (None, 6)
    assert sampler.seed_generator.state.tolist()[1] == 0  # shape inference draws nothing
    x = np.random.default_rng(0).random((64, 6)).astype("float32")
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, x, batch_size=16, epochs=3, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert sampler.seed_generator.state.tolist()[1] == 12  # one draw per training step
    a, b = model.predict(x, verbose=0), model.predict(x, verbose=0)
    assert not np.allclose(a, b)  # new noise on every call
    path = tmp_path / "vae.keras"
    model.save(path)
    loaded = cornu.models.load_model(path)
    encoder = cornu.Model(model.input, model.get_layer("z_mean").output)
    loaded_encoder = cornu.Model(loaded.input, loaded.get_layer("z_mean").output)
    np.testing.assert_allclose(loaded_encoder.predict(x, verbose=0),
                               encoder.predict(x, verbose=0), rtol=1e-6)
    loaded.compile(optimizer="adam", loss="mse")
    loaded.fit(x, x, batch_size=32, epochs=1, verbose=0)


def test_random_ops_follow_the_layer_call_device():
    """Inside a layer call, shape-only random ops create their tensor on the inputs' device
    (shape inference runs on "meta": nothing is drawn)."""
    layer = Sampling()
    out = layer([torch.zeros(3, 2, device="meta"), torch.zeros(3, 2, device="meta")])
    assert out.device.type == "meta" and layer.seed_generator.state.tolist()[1] == 0
    out = layer([torch.zeros(3, 2), torch.zeros(3, 2)])
    assert out.device.type == "cpu" and layer.seed_generator.state.tolist()[1] == 1
    assert random.normal((2,)).device == cornu.config.device()
