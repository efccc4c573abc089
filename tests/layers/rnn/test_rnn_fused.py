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
