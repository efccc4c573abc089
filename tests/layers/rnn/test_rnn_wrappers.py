"""Bidirectional and TimeDistributed through `run_layer_test`, masks and errors."""

import numpy as np
import pytest
import torch

import cornu as keras
from cornu import layers
from layer_test_utils import run_layer_test

B, T, D = 2, 4, 3


@pytest.mark.parametrize("merge_mode, shape", [("concat", (B, T, 8)), ("sum", (B, T, 4)),
                                               ("mul", (B, T, 4)), ("ave", (B, T, 4))])
def test_bidirectional(merge_mode, shape):
    layer, _ = run_layer_test(
        layers.Bidirectional, {"layer": layers.LSTM(4, return_sequences=True),
                               "merge_mode": merge_mode},
        input_shape=(B, T, D), expected_output_shape=shape, expected_num_trainable_weights=6,
        supports_masking=True)
    assert layer.forward_layer.name.startswith("forward_lstm")
    assert layer.backward_layer.go_backwards and not layer.forward_layer.go_backwards


def test_bidirectional_no_merge_with_states():
    run_layer_test(layers.Bidirectional,
                   {"layer": layers.GRU(4, return_state=True), "merge_mode": None},
                   input_shape=(B, T, D), expected_output_shape=[(B, 4)] * 4)


def test_bidirectional_backward_layer_config_round_trip():
    layer, _ = run_layer_test(
        layers.Bidirectional, {"layer": layers.LSTM(4),
                               "backward_layer": layers.SimpleRNN(4, go_backwards=True)},
        input_shape=(B, T, D), expected_output_shape=(B, 8))
    assert isinstance(layer.backward_layer, layers.SimpleRNN)


def test_bidirectional_initial_state_and_weights_arg():
    lstm = layers.LSTM(2, return_sequences=True)
    first = layers.Bidirectional(lstm)
    x = np.random.default_rng(0).standard_normal((B, T, D)).astype("float32")
    out = first(x)
    second = layers.Bidirectional(layers.LSTM(2, return_sequences=True),
                                  weights=first.get_weights())
    np.testing.assert_allclose(second(x).detach().numpy(), out.detach().numpy(), atol=1e-6)
    states = [torch.zeros(B, 2)] * 4
    np.testing.assert_allclose(first(x, initial_state=states).detach().numpy(),
                               out.detach().numpy(), atol=1e-6)


def test_bidirectional_stateful_reset():
    layer = layers.Bidirectional(layers.GRU(2, stateful=True))
    x = np.ones((B, T, D), "float32")
    first = layer(x)
    assert len(layer.states) == 2
    layer.reset_states()
    np.testing.assert_allclose(layer(x).detach().numpy(), first.detach().numpy(), atol=1e-6)
    with pytest.raises(AttributeError):
        layers.Bidirectional(layers.GRU(2)).reset_states()


def test_bidirectional_errors():
    with pytest.raises(ValueError, match="merge_mode"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match="RNN layer"):
        layers.Bidirectional(layers.Dense(2))
    with pytest.raises(ValueError, match="go_backwards"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2))
    with pytest.raises(ValueError, match="return_sequences"):
        layers.Bidirectional(layers.LSTM(2),
                             backward_layer=layers.LSTM(2, go_backwards=True,
                                                        return_sequences=True))


def test_bidirectional_mask_propagates():
    ids = np.array([[1, 2, 0, 0], [3, 4, 5, 6]])
    emb = layers.Embedding(10, 3, mask_zero=True)
    out = layers.Bidirectional(layers.LSTM(2, return_sequences=True))(emb(ids))
    assert out._keras_mask.tolist() == (ids != 0).tolist()
    np.testing.assert_array_equal(out[0, 2:].detach().numpy(), 0.0)


def test_time_distributed_dense():
    layer, out = run_layer_test(layers.TimeDistributed, {"layer": layers.Dense(5)},
                                input_shape=(B, T, D), expected_output_shape=(B, T, 5),
                                expected_num_trainable_weights=2, supports_masking=True)
    assert layer.weights[0].path == f"{layer.name}/{layer.layer.name}/kernel"
    x = torch.randn(B, T, D)
    expected = x @ layer.layer.kernel + layer.layer.bias
    np.testing.assert_allclose(layer(x).detach().numpy(), expected.detach().numpy(), atol=1e-6)


def test_time_distributed_nested_layers():
    run_layer_test(layers.TimeDistributed, {"layer": layers.Flatten()}, input_shape=(B, T, 2, 3),
                   expected_output_shape=(B, T, 6))
    run_layer_test(layers.TimeDistributed, {"layer": layers.LSTM(2)}, input_shape=(B, T, 3, D),
                   expected_output_shape=(B, T, 2))
    run_layer_test(layers.TimeDistributed, {"layer": layers.Dropout(0.5)},
                   input_shape=(B, T, D), expected_output_shape=(B, T, D))


class MaskRecorder(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = None

    def call(self, inputs, mask=None):
        self.seen = mask
        return inputs * 2


def test_time_distributed_masks():
    ids = np.array([[1, 2, 0, 0], [3, 4, 5, 0]])
    inner = MaskRecorder()
    out = layers.TimeDistributed(inner)(layers.Embedding(10, 3, mask_zero=True)(ids))
    assert inner.seen.shape == (B * T,)
    assert inner.seen.tolist() == (ids != 0).reshape(-1).tolist()
    assert out._keras_mask.tolist() == (ids != 0).tolist()
    with pytest.raises(ValueError, match="mask"):
        layers.TimeDistributed(inner)(torch.ones(B, T, D), mask=torch.ones(B, T + 1, dtype=bool))


def test_time_distributed_errors():
    with pytest.raises(ValueError, match="Layer instance"):
        layers.TimeDistributed(lambda x: x)
    with pytest.raises(ValueError, match="at least 3"):
        layers.TimeDistributed(layers.Dense(2))(np.zeros((2, 3), "float32"))


def test_functional_model_with_initial_state():
    inputs = keras.Input((T, D))
    h0, c0 = keras.Input((4,)), keras.Input((4,))
    seq, h, c = layers.LSTM(4, return_sequences=True, return_state=True)(
        inputs, initial_state=[h0, c0])
    out = layers.TimeDistributed(layers.Dense(1))(seq)
    model = keras.Model([inputs, h0, c0], [out, h, c])
    rng = np.random.default_rng(0)
    x, hv, cv = (rng.standard_normal(s).astype("float32") for s in [(B, T, D), (B, 4), (B, 4)])
    y, h_out, c_out = model([x, hv, cv])
    assert tuple(y.shape) == (B, T, 1) and tuple(h_out.shape) == (B, 4)
    lstm = model.layers[3] if isinstance(model.layers[3], layers.LSTM) else [
        l for l in model.layers if isinstance(l, layers.LSTM)][0]
    direct = lstm(torch.as_tensor(x), initial_state=[torch.as_tensor(hv), torch.as_tensor(cv)])
    np.testing.assert_allclose(h_out.detach().numpy(), direct[1].detach().numpy(), atol=1e-6)
