"""ConvLSTM1D/2D/3D: `run_layer_test` and parity with Keras."""

import os

import numpy as np
import pytest
import torch

from cornu import layers
from layer_test_utils import run_layer_test

os.environ.setdefault("KERAS_BACKEND", "torch")
RNG = np.random.default_rng(0)


@pytest.mark.parametrize("cls, input_shape, kwargs, output_shape", [
    (layers.ConvLSTM1D, (2, 3, 7, 2), {"padding": "same"}, (2, 7, 4)),
    (layers.ConvLSTM2D, (2, 3, 2, 6, 6), {"data_format": "channels_first", "strides": 2,
                                          "padding": "same"}, (2, 4, 3, 3)),
    (layers.ConvLSTM3D, (1, 2, 4, 4, 4, 1), {"padding": "same", "dropout": 0.2,
                                             "recurrent_dropout": 0.2}, (1, 4, 4, 4, 4)),
])
def test_conv_lstm_layers(cls, input_shape, kwargs, output_shape):
    layer, _ = run_layer_test(cls, {"filters": 4, "kernel_size": 3, **kwargs},
                              input_shape=input_shape, expected_output_shape=output_shape,
                              expected_num_trainable_weights=3, supports_masking=True)
    assert layer.name.startswith(f"conv_lstm{layer.rank}d")


def test_conv_lstm_return_state_shapes():
    run_layer_test(layers.ConvLSTM2D, {"filters": 2, "kernel_size": 3, "return_state": True},
                   input_shape=(2, 3, 5, 5, 1), expected_output_shape=[(2, 3, 3, 2)] * 3)


def test_conv_lstm_errors():
    with pytest.raises(ValueError, match="kernel_size"):
        layers.ConvLSTM2D(2, (3, 3, 3))
    with pytest.raises(ValueError, match="strides"):
        layers.ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="rank 5"):
        layers.ConvLSTM2D(2, 3)(np.zeros((2, 3, 4, 4), "float32"))


@pytest.mark.parametrize("rank, shape, kwargs", [
    (1, (2, 3, 7, 3), {"padding": "same", "strides": 2, "return_state": True}),
    (2, (2, 3, 7, 6, 3), {"dilation_rate": 2, "return_sequences": True, "go_backwards": True}),
    (3, (2, 2, 4, 5, 3, 2), {"padding": "same", "data_format": "channels_first",
                             "return_state": True}),
])
def test_conv_lstm_parity(rank, shape, kwargs):
    keras = pytest.importorskip("keras")
    name = f"ConvLSTM{rank}D"
    x = RNG.standard_normal(shape).astype("float32")
    mask = np.ones(shape[:2], bool)
    mask[1, 1:] = False
    k = getattr(keras.layers, name)(2, 3, **kwargs)
    c = getattr(layers, name)(2, 3, **kwargs)
    k(x)
    c(x)
    weights = [RNG.standard_normal(w.shape).astype("float32") * 0.3 for w in k.get_weights()]
    k.set_weights(weights)
    c.set_weights(weights)
    assert [tuple(w.shape) for w in c.weights] == [w.shape for w in weights]
    for m in (None, mask):
        expected = k(x, mask=m) if m is not None else k(x)
        got = c(x, mask=torch.as_tensor(m)) if m is not None else c(x)
        expected = expected if isinstance(expected, (list, tuple)) else [expected]
        got = got if isinstance(got, (list, tuple)) else [got]
        assert len(expected) == len(got)
        for e, g in zip(expected, got):
            np.testing.assert_allclose(g.detach().numpy(), e.detach().numpy(), rtol=1e-5,
                                       atol=1e-5)


def test_conv_lstm_initial_state():
    layer = layers.ConvLSTM1D(2, 3, padding="same", return_state=True)
    x = torch.as_tensor(RNG.standard_normal((2, 3, 5, 1)).astype("float32"))
    _, h, c = layer(x)
    _, h2, c2 = layer(x, initial_state=[torch.zeros_like(h), torch.zeros_like(c)])
    torch.testing.assert_close(h, h2)
    _, h3, _ = layer(x, initial_state=[h, c])
    assert not torch.allclose(h, h3)
