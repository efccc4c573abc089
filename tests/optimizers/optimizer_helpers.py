"""Shared helpers of the optimizer tests that compare cornu with Keras 3 (torch backend)."""

import os

import numpy as np
import pytest
import torch

os.environ.setdefault("KERAS_BACKEND", "torch")
import keras  # noqa: E402

import cornu  # noqa: E402
from cornu.backend.variable import Variable  # noqa: E402

# "dense/kernel" (2D) takes the Muon step; the rest take the AdamW step, each for a
# different reason: 1D, 3D, an embedding path, a tall 2D matrix excluded by name.
SHAPES = [(4, 3), (3,), (2, 2, 5), (6, 2), (3, 5), (5, 2)]
NAMES = ["dense_kernel", "dense_bias", "conv_kernel", "token_embedding", "wide", "head_kernel"]
STEPS = 12


def data(seed=0, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype("float32") for s in shapes]
    grads = [[rng.standard_normal(s).astype("float32") for s in shapes] for _ in range(STEPS)]
    return init, grads


def run_keras(name, kwargs, init, grads):
    opt = getattr(keras.optimizers, name)(**kwargs)
    variables = [keras.Variable(v, name=n) for v, n in zip(init, NAMES)]
    for step_grads in grads:
        opt.apply_gradients([(torch.tensor(g), v) for g, v in zip(step_grads, variables)])
    return [np.array(v.numpy()) for v in variables], opt


def run_cornu(name, kwargs, init, grads):
    opt = getattr(cornu.optimizers, name)(**kwargs)
    variables = [Variable(torch.tensor(v), name=n) for v, n in zip(init, NAMES)]
    for step_grads in grads:
        for v, g in zip(variables, step_grads):
            v.grad = torch.tensor(g)
        opt.step(variables)
    return [v.detach().numpy() for v in variables], opt


def check_state(opt, keras_opt):
    assert int(opt.iterations) == int(keras_opt.iterations)
    assert [v.name for v in opt.variables] == [v.name for v in keras_opt.variables]
    for mine, theirs in zip(opt.variables, keras_opt.variables):
        theirs = np.array(theirs.numpy()).astype("float64")
        scale = max(1.0, float(np.abs(theirs).max(initial=0.0)))
        np.testing.assert_allclose(mine.numpy().astype("float64"), theirs,
                                   rtol=1e-5, atol=1e-6 * scale)


def schedule_kwargs(lib, kwargs):
    """`kwargs` with a `("ScheduleName", {...})` learning rate made into `lib`'s schedule."""
    kwargs = dict(kwargs)
    if isinstance(kwargs.get("learning_rate"), tuple):
        schedule, args = kwargs["learning_rate"]
        kwargs["learning_rate"] = getattr(lib.optimizers.schedules, schedule)(**args)
    return kwargs


def check_config(name, kwargs):
    """cornu's config equals Keras's, a Keras config loads in cornu, and names resolve."""
    keras_config = getattr(keras.optimizers, name)(**kwargs).get_config()
    config = getattr(cornu.optimizers, name)(**kwargs).get_config()
    keras_config.pop("name"), config.pop("name")
    assert config.keys() == keras_config.keys()
    for key, value in keras_config.items():
        if isinstance(value, float):
            assert config[key] == pytest.approx(value, rel=1e-6), key
        else:
            assert config[key] == value, key
    restored = getattr(cornu.optimizers, name).from_config(keras_config).get_config()
    restored.pop("name")
    assert restored == config
    assert type(cornu.optimizers.get(name.lower())) is getattr(cornu.optimizers, name)
    assert type(cornu.optimizers.deserialize(
        keras.optimizers.serialize(getattr(keras.optimizers, name)(**kwargs)))) is getattr(
        cornu.optimizers, name)


def _model(K):
    return K.Sequential([K.Input((6,), dtype="int32"), K.layers.Embedding(10, 3),
                         K.layers.Flatten(), K.layers.Dense(4, activation="relu"),
                         K.layers.Dense(2, name="head")])


def _trained(K, optimizer):
    rng = np.random.default_rng(7)
    x = rng.integers(0, 10, (16, 6)).astype("int32")
    y = rng.standard_normal((16, 2)).astype("float32")
    model = _model(K)
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    return model, x


def _check_same(source, target, x):
    np.testing.assert_allclose(source.predict(x, verbose=0), target.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)
    for a, b in zip(source.get_weights(), target.get_weights()):
        np.testing.assert_array_equal(a, b)
    vs, vt = source.optimizer.variables, target.optimizer.variables
    assert len(vs) == len(vt) > 2
    for a, b in zip(vs, vt):
        np.testing.assert_array_equal(np.asarray(a.numpy()), np.asarray(b.numpy()))
    assert type(target.optimizer).__name__ == type(source.optimizer).__name__


def check_file_round_trip(tmp_path, keras_optimizer, cornu_optimizer):
    """A model trained with the optimizer saves in Keras and loads in cornu, and back."""
    model, x = _trained(keras, keras_optimizer)
    model.save(tmp_path / "k.keras")
    loaded = cornu.models.load_model(tmp_path / "k.keras")
    _check_same(model, loaded, x)
    assert loaded.optimizer.get_config().keys() == model.optimizer.get_config().keys()

    model, x = _trained(cornu, cornu_optimizer)
    model.save(tmp_path / "c.keras")
    loaded = keras.saving.load_model(tmp_path / "c.keras")
    _check_same(model, loaded, x)


def check_fit_matches_keras(keras_optimizer, cornu_optimizer, epochs=3, batch_size=4):
    """`fit` from the same weights on the same batches ends with the same weights."""
    rng = np.random.default_rng(8)
    x = rng.integers(0, 10, (16, 6)).astype("int32")
    y = rng.standard_normal((16, 2)).astype("float32")
    keras_model, model = _model(keras), _model(cornu)
    model.set_weights(keras_model.get_weights())
    for m, opt in ((keras_model, keras_optimizer), (model, cornu_optimizer)):
        m.compile(optimizer=opt, loss="mse")
        m.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), keras_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0),
                               keras_model.evaluate(x, y, verbose=0), rtol=1e-5)
    return keras_model, model
