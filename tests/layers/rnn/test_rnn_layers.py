"""Every recurrent layer through `run_layer_test`, plus argument errors."""

import numpy as np
import pytest
import torch

import cornu as keras
from cornu import layers
from layer_test_utils import run_layer_test

B, T, D, U = 2, 4, 3, 5


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
@pytest.mark.parametrize("kwargs, shapes", [
    ({}, [(B, U)]),
    ({"return_sequences": True}, [(B, T, U)]),
    ({"go_backwards": True, "return_sequences": True}, [(B, T, U)]),
    ({"unroll": True}, [(B, U)]),
    ({"use_bias": False, "dropout": 0.2, "recurrent_dropout": 0.2, "seed": 1}, [(B, U)]),
])
def test_recurrent_layers(cls, kwargs, shapes):
    run_layer_test(cls, {"units": U, **kwargs}, input_shape=(B, T, D),
                   expected_output_shape=shapes[0], supports_masking=True,
                   expected_num_trainable_weights=2 if kwargs.get("use_bias") is False else 3,
                   expected_num_non_trainable_weights=0)


@pytest.mark.parametrize("cls, n_states", [(layers.SimpleRNN, 1), (layers.LSTM, 2),
                                           (layers.GRU, 1)])
def test_return_state(cls, n_states):
    run_layer_test(cls, {"units": U, "return_state": True, "return_sequences": True},
                   input_shape=(B, T, D), expected_output_shape=[(B, T, U)] + [(B, U)] * n_states)


def test_gru_reset_before():
    layer, _ = run_layer_test(layers.GRU, {"units": U, "reset_after": False},
                              input_shape=(B, T, D), expected_output_shape=(B, U))
    assert tuple(layer.cell.bias.shape) == (3 * U,)
    assert layer.last_call_fused is False


def test_custom_activations_fall_back():
    layer, _ = run_layer_test(layers.LSTM, {"units": U, "activation": "relu",
                                            "recurrent_activation": "hard_sigmoid"},
                              input_shape=(B, T, D), expected_output_shape=(B, U))
    assert layer.last_call_fused is False


@pytest.mark.parametrize("cell_cls", [layers.SimpleRNNCell, layers.LSTMCell, layers.GRUCell])
def test_rnn_with_builtin_cell(cell_cls):
    run_layer_test(layers.RNN, {"cell": cell_cls(U), "return_sequences": True},
                   input_shape=(B, T, D), expected_output_shape=(B, T, U))


def test_rnn_with_stacked_cells():
    cells = [layers.LSTMCell(4), layers.GRUCell(U)]
    layer, _ = run_layer_test(layers.RNN, {"cell": cells}, input_shape=(B, T, D),
                              expected_output_shape=(B, U), expected_num_trainable_weights=6)
    assert isinstance(layer.cell, layers.StackedRNNCells)
    assert [tuple(w.shape) for w in layer.weights] == [(D, 16), (4, 16), (16,), (4, 15), (U, 15),
                                                       (2, 15)]


def test_stacked_rnn_cells_states():
    layer = layers.RNN([layers.LSTMCell(4), layers.SimpleRNNCell(U)], return_state=True)
    out, lstm_states, rnn_state = layer(np.ones((B, T, D), "float32"))
    assert tuple(out.shape) == (B, U)
    assert [tuple(s.shape) for s in lstm_states] == [(B, 4), (B, 4)]
    assert tuple(rnn_state.shape) == (B, U)
    sym = layer(keras.Input((T, D)))
    assert tuple(sym[0].shape) == (None, U) and len(sym) == 3


@keras.saving.register_keras_serializable(package="rnn_tests")
class MinimalCell(layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        h = inputs @ self.kernel + states[0] @ self.recurrent_kernel
        return h, [h]


def test_rnn_with_user_cell():
    layer, _ = run_layer_test(layers.RNN, {"cell": MinimalCell(U), "return_sequences": True},
                              input_shape=(B, T, D), expected_output_shape=(B, T, U),
                              expected_num_trainable_weights=2)
    assert layer.last_call_fused is False


def test_weights_names_and_shapes():
    for cls, shapes in [(layers.SimpleRNN, [(D, U), (U, U), (U,)]),
                        (layers.LSTM, [(D, 4 * U), (U, 4 * U), (4 * U,)]),
                        (layers.GRU, [(D, 3 * U), (U, 3 * U), (2, 3 * U)])]:
        layer = cls(U, name="rec")
        layer(np.zeros((B, T, D), "float32"))
        assert [tuple(w.shape) for w in layer.weights] == shapes
        cell = layer.cell.name
        assert [w.path for w in layer.weights] == [f"rec/{cell}/kernel",
                                                   f"rec/{cell}/recurrent_kernel",
                                                   f"rec/{cell}/bias"]


def test_lstm_unit_forget_bias():
    layer = layers.LSTM(U)
    layer(np.zeros((B, T, D), "float32"))
    expected = np.concatenate([np.zeros(U), np.ones(U), np.zeros(2 * U)])
    np.testing.assert_array_equal(layer.cell.bias.detach().numpy(), expected)


def test_regularizers_add_losses():
    layer = layers.LSTM(U, kernel_regularizer="l2", recurrent_regularizer="l1",
                        bias_regularizer="l2", activity_regularizer="l2")
    layer(np.ones((B, T, D), "float32"))
    assert len(layer.losses) == 4


def test_stateful_layer():
    layer = layers.GRU(U, stateful=True)
    x = np.random.default_rng(0).standard_normal((B, T, D)).astype("float32")
    first = layer(x)
    assert layer.states is not None and len(layer.weights) == 3
    second = layer(x)
    assert not np.allclose(first.detach().numpy(), second.detach().numpy())
    layer.reset_states()
    np.testing.assert_allclose(layer(x).detach().numpy(), first.detach().numpy(), atol=1e-6)
    with pytest.raises(ValueError, match="batch size"):
        layer(x[:1])


def test_bad_arguments():
    with pytest.raises(ValueError, match="units"):
        layers.LSTM(0)
    with pytest.raises(ValueError, match="use_cudnn"):
        layers.GRU(3, use_cudnn="yes")
    with pytest.raises(ValueError, match="state_size"):
        layers.RNN(layers.Dense(3))
    with pytest.raises(ValueError, match=r"\(batch, time, features\)"):
        layers.LSTM(3)(np.zeros((2, 3), "float32"))
    layer = layers.LSTM(3)
    with pytest.raises(ValueError, match="initial_state"):
        layer(np.zeros((2, 4, 3), "float32"), initial_state=[torch.zeros(2, 3)])
    with pytest.raises(ValueError, match="mask"):
        layer(np.zeros((2, 4, 3), "float32"), mask=torch.ones(2, 5, dtype=torch.bool))
    with pytest.raises(ValueError, match="use_cudnn=True"):
        layers.LSTM(3, unroll=True, use_cudnn=True)(np.zeros((2, 4, 3), "float32"))


def test_mask_from_embedding():
    ids = np.array([[1, 2, 3, 0], [4, 5, 0, 0]])
    model = keras.Sequential([layers.Embedding(10, 3, mask_zero=True),
                              layers.LSTM(U, return_sequences=True)])
    out = model(ids)
    lstm = model.layers[-1]
    assert lstm.last_call_fused is True
    assert out._keras_mask.tolist() == (ids != 0).tolist()
    # masked steps repeat the last valid output
    np.testing.assert_allclose(out[1, 2].detach().numpy(), out[1, 1].detach().numpy())
