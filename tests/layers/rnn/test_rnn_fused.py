"""The fused torch kernels run when they should, and agree with the step loop."""

import numpy as np
import pytest
import torch

import cornu as keras
from cornu import layers
from cornu.layers.rnn import fused

RNG = np.random.default_rng(1)
X = torch.as_tensor(RNG.standard_normal((3, 6, 4)).astype("float32"))
RIGHT = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0], [1, 0, 0, 0, 0, 0]], dtype=bool)
LEFT = torch.tensor([[1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1], [0, 1, 0, 1, 0, 1]], dtype=bool)
OPS = {"SimpleRNN": "rnn_tanh", "LSTM": "lstm", "GRU": "gru"}


@pytest.fixture
def op_calls(monkeypatch):
    """Counts the calls of each fused torch op."""
    calls = {name: 0 for name in fused._OPS}
    for name, op in list(fused._OPS.items()):
        def counted(*args, _op=op, _name=name):
            calls[_name] += 1
            return _op(*args)
        monkeypatch.setitem(fused._OPS, name, counted)
    return calls


@pytest.mark.parametrize("name", list(OPS))
def test_fused_kernel_runs_in_standard_configuration(name, op_calls):
    layer = getattr(layers, name)(5, return_sequences=True)
    layer(X)
    layer(X, mask=RIGHT)
    assert op_calls[OPS[name]] == 2 and layer.last_call_fused
    layer(X, mask=LEFT)
    assert op_calls[OPS[name]] == 2 and not layer.last_call_fused


@pytest.mark.parametrize("kwargs", [{"unroll": True}, {"use_cudnn": False},
                                    {"activation": "relu"}, {"recurrent_activation": "tanh"}])
def test_step_loop_when_kernel_does_not_apply(kwargs, op_calls):
    layer = layers.LSTM(5, **kwargs)
    layer(X)
    assert op_calls["lstm"] == 0 and layer.last_call_fused is False


def test_recurrent_dropout_uses_loop_only_in_training(op_calls):
    layer = layers.GRU(5, recurrent_dropout=0.3, dropout=0.3, seed=2)
    layer(X, training=True)
    assert not layer.last_call_fused
    layer(X, training=False)
    assert layer.last_call_fused and op_calls["gru"] == 1


def test_input_dropout_on_fused_path():
    layer = layers.LSTM(5, dropout=0.5, seed=3)
    clean = layer(X)
    dropped = layer(X, training=True)
    assert layer.last_call_fused
    assert not torch.allclose(clean, dropped)
    torch.testing.assert_close(layer(X, training=False), clean)


def _pair(name, **kwargs):
    fast = getattr(layers, name)(5, **kwargs)
    fast(X)
    slow = getattr(layers, name)(5, unroll=True, **kwargs)
    slow(X)
    weights = [RNG.standard_normal(w.shape).astype("float32") * 0.5 for w in fast.get_weights()]
    fast.set_weights(weights)
    slow.set_weights(weights)
    return fast, slow


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("mask", [None, RIGHT], ids=["no_mask", "right_padded"])
@pytest.mark.parametrize("config", [{}, {"go_backwards": True},
                                    {"zero_output_for_mask": True}],
                         ids=["forward", "backwards", "zero_output"])
def test_fused_and_loop_agree_with_gradients(name, mask, config):
    fast, slow = _pair(name, return_sequences=True, return_state=True, **config)
    results = []
    for layer in (fast, slow):
        x = X.clone().requires_grad_()
        outputs = layer(x, mask=mask)
        loss = sum((o * torch.linspace(-1, 1, o.shape[-1])).sum() for o in outputs)
        grads = torch.autograd.grad(loss, [x] + layer.trainable_weights)
        results.append((outputs, grads))
    assert fast.last_call_fused and not slow.last_call_fused
    for a, b in zip(results[0][0] + results[0][1], results[1][0] + results[1][1]):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_right_padded_lengths():
    assert fused.right_padded_lengths(RIGHT).tolist() == [6, 4, 1]
    assert fused.right_padded_lengths(LEFT) is None
    empty = torch.zeros(2, 3, dtype=bool)
    assert fused.right_padded_lengths(empty).tolist() == [0, 0]


def test_symbolic_unknown_time_and_batch():
    inputs = keras.Input((None, 4))
    out = layers.Bidirectional(layers.GRU(3, return_sequences=True))(inputs)
    assert tuple(out.shape) == (None, None, 6)
    model = keras.Model(inputs, layers.LSTM(2)(out))
    assert tuple(model(X).shape) == (3, 2)


def test_gradients_flow_to_initial_state():
    layer = layers.LSTM(5)
    h0 = torch.zeros(3, 5, requires_grad=True)
    c0 = torch.zeros(3, 5, requires_grad=True)
    layer(X, initial_state=[h0, c0]).sum().backward()
    assert h0.grad is not None and c0.grad is not None and layer.last_call_fused


@pytest.mark.parametrize("kwargs", [{}, {"reset_after": False}])
def test_mixed_precision_policy(kwargs):
    layer = layers.GRU(5, dtype="mixed_bfloat16", return_sequences=True, return_state=True,
                       **kwargs)
    outputs = layer(X, mask=RIGHT)
    assert all(o.dtype == torch.bfloat16 for o in outputs)
    assert layer.cell.kernel.dtype == torch.float32
    assert layer.last_call_fused is not bool(kwargs)


def _follow_each_other(tensors):
    ends = [t.data_ptr() + t.numel() * t.element_size() for t in tensors[:-1]]
    return (all(t.is_contiguous() for t in tensors)
            and [t.data_ptr() for t in tensors[1:]] == ends
            and len({t.untyped_storage().data_ptr() for t in tensors}) == 1)


@pytest.fixture
def op_weights(monkeypatch):
    """The weight lists the fused ops receive."""
    seen = []
    for name, op in list(fused._OPS.items()):
        def recorded(inputs, hx, params, *args, _op=op):
            seen.append(params)
            return _op(inputs, hx, params, *args)
        monkeypatch.setitem(fused._OPS, name, recorded)
    return seen


@pytest.mark.parametrize("name", ["LSTM", "SimpleRNN"])
@pytest.mark.parametrize("use_bias", [True, False])
def test_weights_live_in_one_buffer_the_op_reads_without_copies(name, use_bias, op_weights):
    layer = getattr(layers, name)(5, use_bias=use_bias)
    layer.build((3, 6, 4))
    cell = layer.cell
    variables = [v for v in (cell.kernel, cell.recurrent_kernel, cell.bias) if v is not None]
    expected = [cell.kernel.t(), cell.recurrent_kernel.t()] + ([cell.bias] if use_bias else [])
    assert _follow_each_other(expected)
    layer(X)
    given = op_weights[-1]
    assert len(given) == (4 if use_bias else 2)
    assert [w.data_ptr() for w in given[:len(expected)]] == [w.data_ptr() for w in expected]
    assert _follow_each_other(given)
    if use_bias:
        assert torch.count_nonzero(given[3]) == 0
    assert [tuple(v.shape) for v in variables] == [tuple(w.shape) for w in layer.get_weights()]
    assert all(w.flags["C_CONTIGUOUS"] for w in layer.get_weights())


def _lstm_model(use_cudnn):
    keras.utils.set_random_seed(4)
    model = keras.Sequential([keras.Input((6, 4)), layers.LSTM(5, use_cudnn=use_cudnn,
                                                               kernel_constraint="max_norm"),
                              layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    return model


def test_training_in_one_buffer_matches_the_step_loop_and_survives_storage_moves():
    y = X.sum((1, 2))[:, None] * 0.1
    fused_model, loop_model = _lstm_model("auto"), _lstm_model(False)
    loop_model.set_weights(fused_model.get_weights())
    fused_model.fit(X, y, batch_size=3, epochs=2, shuffle=False, verbose=0)
    cell = fused_model.layers[0].cell
    kernel = cell.kernel
    # What `.to(device)` does to a Parameter: same object, data in a storage of its own.
    kernel.data = kernel.data.clone()
    fused_model.fit(X, y, batch_size=3, epochs=2, shuffle=False, verbose=0)
    assert fused_model.layers[0].last_call_fused and cell.kernel is kernel
    assert _follow_each_other([cell.kernel.t(), cell.recurrent_kernel.t(), cell.bias])
    assert torch.count_nonzero(cell.__dict__["_zero_recurrent_bias"]) == 0
    loop_model.fit(X, y, batch_size=3, epochs=4, shuffle=False, verbose=0)
    assert loop_model.layers[0].last_call_fused is False
    for got, want in zip(fused_model.get_weights(), loop_model.get_weights()):
        np.testing.assert_allclose(got, want, atol=1e-5)
    assert "_zero_recurrent_bias" not in str(fused_model.state_dict().keys())
