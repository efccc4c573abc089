"""`cornu.remat` and `cornu.RematScope`: the same gradients as without rematerialization,
and evidence that the rematerialized computation runs again in the backward pass."""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import pytest
import torch

import cornu


class Counting(cornu.layers.Layer):
    """Dense-like layer that counts how often its `call` runs."""

    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.calls = 0

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")

    def call(self, x):
        if x.device.type != "meta":  # not shape inference
            self.calls += 1
        return torch.tanh(x @ self.kernel) * torch.sigmoid(x @ self.kernel)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def _grads(model, x):
    x = x.clone().requires_grad_(True)
    model.zero_grad(set_to_none=True)
    out = model(x)
    (out ** 2).sum().backward()
    return out.detach(), x.grad, [w.grad.clone() for w in model.trainable_weights]


def _build(names=("a", "b"), model_name=None):
    inputs = cornu.Input((6,), name=f"in_{names[0]}")
    h = Counting(8, name=names[0])(inputs)
    h = cornu.layers.Dropout(0.3, name=f"drop_{names[0]}")(h)
    out = Counting(3, name=names[1])(h)
    return cornu.Model(inputs, out, name=model_name)


def _copy_weights(dst, src):
    dst.set_weights(src.get_weights())


def test_remat_function_recomputes_and_matches_gradients():
    calls = []

    def f(x, w):
        calls.append(1)
        return torch.sin(x @ w).exp().sum(-1)

    x = torch.randn(5, 4, requires_grad=True)
    w = torch.randn(4, 3, requires_grad=True)
    ref = f(x, w)
    gx, gw = torch.autograd.grad(ref.sum(), (x, w))
    calls.clear()
    out = cornu.remat(f)(x, w)
    assert len(calls) == 1
    rx, rw = torch.autograd.grad(out.sum(), (x, w))
    assert len(calls) == 2  # recomputed in backward
    torch.testing.assert_close(out, ref)
    torch.testing.assert_close(rx, gx)
    torch.testing.assert_close(rw, gw)


def test_full_scope_recomputes_layer_calls_with_equal_gradients():
    x = torch.randn(7, 6)
    ref = _build()
    with cornu.RematScope(mode="full"):
        model = _build(("a2", "b2"))
    _copy_weights(model, ref)
    counters = [l for l in model.layers if isinstance(l, Counting)]
    for layer in counters + ref.layers:
        layer.calls = 0  # symbolic construction ran `call` on meta tensors
    torch.manual_seed(1)
    ro, rgx, rgw = _grads(ref, x)
    torch.manual_seed(1)
    mo, mgx, mgw = _grads(model, x)
    torch.testing.assert_close(mo, ro)
    torch.testing.assert_close(mgx, rgx)
    for a, b in zip(mgw, rgw):
        torch.testing.assert_close(a, b)
    # One forward call, at least one recomputation (the model and each layer are wrapped).
    assert all(c.calls >= 2 for c in counters)
    assert all(c.calls == 1 for c in ref.layers if isinstance(c, Counting))


def test_dropout_training_replayed_in_recompute():
    # A rematerialized block with Dropout in training mode: the replay sees training=True
    # and the same random draws, so the gradients equal the plain run's.
    x = torch.randn(32, 6)
    ref = _build()
    with cornu.RematScope(mode="full"):
        model = _build(("c", "d"))
    _copy_weights(model, ref)

    def grads(m):
        xx = x.clone().requires_grad_(True)
        torch.manual_seed(3)
        out = m(xx, training=True)
        out.sum().backward()
        return out.detach(), xx.grad

    ro, rg = grads(ref)
    mo, mg = grads(model)
    torch.testing.assert_close(mo, ro)
    torch.testing.assert_close(mg, rg)
    assert not torch.equal(ro, ref(x, training=False))  # dropout did act


def test_scope_applies_at_creation_not_call():
    outside = Counting(4)
    outside(torch.randn(2, 3))
    with cornu.RematScope(mode="full"):
        inside = Counting(4)
        x = torch.randn(2, 3, requires_grad=True)
        outside.calls = 0
        outside(x).sum().backward()
        assert outside.calls == 1
    assert outside._fast  # the fast path stays on for layers made outside a scope
    x = torch.randn(2, 3, requires_grad=True)
    inside(x).sum().backward()
    assert inside.calls == 2
    assert not inside._fast


def test_list_of_layers_mode():
    with cornu.RematScope(mode="list_of_layers", layer_names=["picked"]):
        picked = Counting(4, name="picked")
        other = Counting(4, name="other")
    x = torch.randn(3, 5, requires_grad=True)
    other(picked(x)).sum().backward()
    assert picked.calls == 2
    assert other.calls == 1


def test_larger_than_mode():
    with cornu.RematScope(mode="larger_than", output_size_threshold=50):
        big = Counting(20)
        small = Counting(2)
    x = torch.randn(4, 5, requires_grad=True)  # outputs: 4*20=80 > 50, 4*2=8
    big(x).sum().backward()
    small(x).sum().backward()
    assert big.calls == 2
    assert small.calls == 1


def test_activations_mode_rematerializes_activation_only():
    seen = []

    def act(t):
        seen.append(1)
        return torch.nn.functional.gelu(t) * t

    with cornu.RematScope(mode="activations"):
        dense = cornu.layers.Dense(5, activation=act)
        plain = Counting(3)
    ref = cornu.layers.Dense(5, activation=act)
    x = torch.randn(4, 3)
    ref.build((None, 3))
    dense.build((None, 3))
    dense.set_weights(ref.get_weights())
    x1 = x.clone().requires_grad_(True)
    ref(x1).sum().backward()
    assert len(seen) == 1
    seen.clear()
    x2 = x.clone().requires_grad_(True)
    dense(x2).sum().backward()
    assert len(seen) == 2
    torch.testing.assert_close(x2.grad, x1.grad)
    assert dense.activation is act  # restored after the call
    xp = torch.randn(2, 3, requires_grad=True)
    plain(xp).sum().backward()
    assert plain.calls == 1  # no activation: nothing rematerialized


def test_none_mode_and_nested_scopes():
    with cornu.RematScope(mode="full"):
        with cornu.RematScope(mode=None):
            off = Counting(3)
        on = Counting(3)
    x = torch.randn(2, 3, requires_grad=True)
    on(off(x)).sum().backward()
    assert off.calls == 1 and on.calls == 2
    assert cornu.backend.remat.get_current_remat_mode() is None


def test_losses_not_added_twice_during_recompute():
    with cornu.RematScope(mode="full"):
        inputs = cornu.Input((4,))
        h = cornu.layers.Dense(6, activity_regularizer="l2")(inputs)
        model = cornu.Model(inputs, cornu.layers.Dense(2)(h))
    x = torch.randn(5, 4)
    out = model(x)
    n = len(model.losses)
    assert n == 1
    out.sum().backward()
    assert len(model.losses) == n


def test_invalid_mode_error():
    with pytest.raises(ValueError, match="Invalid mode 'bad'"):
        cornu.RematScope(mode="bad")
    with pytest.raises(TypeError, match="callable"):
        cornu.remat(3)


def test_config_and_save_unaffected(tmp_path):
    with cornu.RematScope(mode="full"):
        model = _build(("e", "f"), model_name="m")
    plain = _build(("e", "f"), model_name="m")
    assert model.get_config() == plain.get_config()
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = cornu.saving.load_model(path, custom_objects={"Counting": Counting})
    x = torch.randn(3, 6)
    torch.testing.assert_close(loaded(x), model(x))


def test_matches_keras_remat_scope():
    import keras

    x = np.random.RandomState(0).randn(6, 5).astype("float32")
    with keras.RematScope(mode="full"):
        kd1 = keras.layers.Dense(7, activation="relu")
        kd2 = keras.layers.Dense(2)
    with cornu.RematScope(mode="full"):
        cd1 = cornu.layers.Dense(7, activation="relu")
        cd2 = cornu.layers.Dense(2)
    kd1.build((None, 5)); kd2.build((None, 7)); cd1.build((None, 5)); cd2.build((None, 7))
    cd1.set_weights(kd1.get_weights()); cd2.set_weights(kd2.get_weights())
    kx = torch.tensor(x, requires_grad=True)
    (kd2(kd1(kx)) ** 2).sum().backward()
    cx = torch.tensor(x, requires_grad=True)
    (cd2(cd1(cx)) ** 2).sum().backward()
    np.testing.assert_allclose(cx.grad.numpy(), kx.grad.cpu().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(cd1.kernel.grad.numpy(), kd1.kernel.value.grad.cpu().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_fit_with_rematerialized_model_matches_plain_fit():
    x = np.random.RandomState(1).randn(32, 6).astype("float32")
    y = np.random.RandomState(2).randn(32, 2).astype("float32")

    def make(scope_mode, tag):
        with cornu.RematScope(mode=scope_mode):
            inputs = cornu.Input((6,), name=f"fin_{tag}")
            h = cornu.layers.Dense(16, activation="relu", name=f"fd1_{tag}")(inputs)
            out = Counting(2, name=f"fd2_{tag}")(h)
            return cornu.Model(inputs, out)

    plain = make(None, "p")
    remat_model = make("full", "r")
    remat_model.set_weights(plain.get_weights())
    for m in (plain, remat_model):
        m.layers[-1].calls = 0
        m.compile(optimizer="sgd", loss="mse")
        m.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(remat_model.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert plain.layers[-1].calls == 8  # 4 batches, 2 epochs
    assert remat_model.layers[-1].calls >= 16  # each forward replayed in backward
