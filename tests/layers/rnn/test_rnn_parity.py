"""Same weights, same inputs -> same outputs and states as Keras 3 (to 1e-5)."""

import os

import numpy as np
import pytest
import torch

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

import cornu  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 5, 4)).astype("float32")
MASKS = {
    "none": None,
    "right": np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], bool),
    "left": np.array([[1, 1, 1, 1, 1], [0, 0, 1, 1, 1], [0, 0, 0, 0, 1]], bool),
    "ragged": np.array([[1, 0, 1, 1, 0], [1, 1, 1, 0, 0], [0, 0, 0, 0, 0]], bool),
    "empty_row": np.array([[1, 1, 1, 1, 1], [0, 0, 0, 0, 0], [1, 1, 0, 0, 0]], bool),
}


def _flat(x):
    if isinstance(x, (list, tuple)):
        return [leaf for v in x for leaf in _flat(v)]
    return [np.asarray(x.detach().cpu().numpy() if hasattr(x, "detach") else x)]


def assert_same(keras_out, cornu_out):
    a, b = _flat(keras_out), _flat(cornu_out)
    assert len(a) == len(b), f"{len(a)} Keras outputs, {len(b)} cornu outputs"
    for p, q in zip(a, b):
        assert p.shape == q.shape
        np.testing.assert_allclose(q, p, rtol=1e-5, atol=1e-5)


def make_pair(keras_layer, cornu_layer, x=X):
    """Builds both layers, gives Keras's layer random weights and copies them to cornu's."""
    keras_layer(x)
    cornu_layer(x)
    weights = [RNG.standard_normal(w.shape).astype("float32") * 0.5
               for w in keras_layer.get_weights()]
    keras_layer.set_weights(weights)
    cornu_layer.set_weights(weights)
    return keras_layer, cornu_layer


def call(layer, x=X, mask=None, **kwargs):
    if mask is not None:
        kwargs["mask"] = mask if not isinstance(layer, torch.nn.Module) else torch.as_tensor(mask)
    return layer(x, **kwargs)


CONFIGS = [
    {},
    {"return_sequences": True},
    {"go_backwards": True, "return_sequences": True, "return_state": True},
    {"zero_output_for_mask": True, "return_sequences": True},
]


@pytest.mark.parametrize("name, extra", [("SimpleRNN", {}), ("SimpleRNN", {"activation": "relu"}),
                                         ("LSTM", {}), ("GRU", {}),
                                         ("GRU", {"reset_after": False})])
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(c) or "default")
@pytest.mark.parametrize("mask", ["none", "right", "left", "empty_row"])
def test_layer_parity(name, extra, config, mask):
    kwargs = {"units": 3, **extra, **config}
    k, c = make_pair(getattr(keras.layers, name)(**kwargs), getattr(cornu.layers, name)(**kwargs))
    assert_same(call(k, mask=MASKS[mask]), call(c, mask=MASKS[mask]))
    fusable = not (name == "GRU" and extra) and mask in ("none", "right", "empty_row")
    assert c.last_call_fused is fusable


@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("mask", ["none", "right", "left"])
def test_initial_state_parity(name, mask):
    n_states = 2 if name == "LSTM" else 1
    states = [RNG.standard_normal((3, 3)).astype("float32") for _ in range(n_states)]
    kwargs = {"units": 3, "return_sequences": True, "return_state": True}
    k, c = make_pair(getattr(keras.layers, name)(**kwargs), getattr(cornu.layers, name)(**kwargs))
    assert_same(call(k, mask=MASKS[mask], initial_state=states),
                call(c, mask=MASKS[mask], initial_state=[torch.as_tensor(s) for s in states]))


@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
def test_stateful_parity(name):
    kwargs = {"units": 3, "stateful": True, "return_sequences": True}
    k, c = make_pair(getattr(keras.layers, name)(**kwargs), getattr(cornu.layers, name)(**kwargs))
    k.reset_states()
    c.reset_states()
    for _ in range(2):
        assert_same(k(X), c(X))
    assert_same(k.states, c.states)
    k.reset_states()
    c.reset_states()
    assert_same(k(X[:, ::-1]), c(np.ascontiguousarray(X[:, ::-1])))


def test_cells_parity():
    for name in ["SimpleRNNCell", "LSTMCell", "GRUCell"]:
        k, c = getattr(keras.layers, name)(3), getattr(cornu.layers, name)(3)
        x = X[:, 0]
        states = [RNG.standard_normal((3, 3)).astype("float32")
                  for _ in range(2 if name == "LSTMCell" else 1)]
        k.build(x.shape)
        c.build(x.shape)
        weights = [RNG.standard_normal(w.shape).astype("float32") for w in k.get_weights()]
        k.set_weights(weights)
        c.set_weights(weights)
        assert_same(k(x, states), c(torch.as_tensor(x), [torch.as_tensor(s) for s in states]))


def test_stacked_cells_parity():
    k = keras.layers.RNN([keras.layers.LSTMCell(3), keras.layers.GRUCell(2)],
                         return_sequences=True, return_state=True)
    c = cornu.layers.RNN([cornu.layers.LSTMCell(3), cornu.layers.GRUCell(2)],
                         return_sequences=True, return_state=True)
    k, c = make_pair(k, c)
    assert_same(call(k, mask=MASKS["left"]), call(c, mask=MASKS["left"]))


def _minimal_cell(base):
    class MinimalCell(base.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = [units, units]

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.recurrent = self.add_weight(shape=(self.units, self.units), name="recurrent")

        def call(self, inputs, states):
            h = base.ops.tanh(base.ops.matmul(inputs, self.kernel)
                              + base.ops.matmul(states[0], self.recurrent))
            return h, [h, states[1] + h]

    return MinimalCell


def test_custom_cell_parity():
    k = keras.layers.RNN(_minimal_cell(keras)(3), return_sequences=True, return_state=True)
    c = cornu.layers.RNN(_minimal_cell(cornu)(3), return_sequences=True, return_state=True)
    k, c = make_pair(k, c)
    assert_same(call(k, mask=MASKS["ragged"]), call(c, mask=MASKS["ragged"]))
    assert c.last_call_fused is False


def test_embedding_mask_parity():
    ids = np.array([[3, 1, 4, 0, 0], [1, 5, 9, 2, 6], [5, 0, 0, 0, 0]])
    def model(base):
        return base.Sequential([base.layers.Embedding(10, 4, mask_zero=True),
                                base.layers.LSTM(3, return_sequences=True),
                                base.layers.GRU(2)])
    k, c = model(keras), model(cornu)
    k(ids)
    c(ids)
    c.set_weights(k.get_weights())
    assert_same(k(ids), c(ids))
    assert c.layers[1].last_call_fused and c.layers[2].last_call_fused


@pytest.mark.parametrize("merge_mode, mask", [
    ("concat", "right"), ("sum", "right"), ("mul", "right"), ("ave", "right"), (None, "right"),
    ("concat", "none"), ("concat", "left"), (None, "left")])
@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_bidirectional_parity(merge_mode, name, mask):
    def make(base):
        return base.layers.Bidirectional(
            getattr(base.layers, name)(3, return_sequences=True, return_state=True),
            merge_mode=merge_mode)
    k, c = make_pair(make(keras), make(cornu))
    assert_same(call(k, mask=MASKS[mask]), call(c, mask=MASKS[mask]))


def test_bidirectional_backward_layer_and_last_output():
    def make(base):
        return base.layers.Bidirectional(
            base.layers.LSTM(3), merge_mode="sum",
            backward_layer=base.layers.GRU(3, go_backwards=True))
    k, c = make_pair(make(keras), make(cornu))
    assert_same(call(k, mask=MASKS["right"]), call(c, mask=MASKS["right"]))
    assert [w.shape for w in c.get_weights()] == [tuple(w.shape) for w in k.get_weights()]


def test_time_distributed_dense_parity():
    k, c = make_pair(keras.layers.TimeDistributed(keras.layers.Dense(2, activation="tanh")),
                     cornu.layers.TimeDistributed(cornu.layers.Dense(2, activation="tanh")))
    assert_same(k(X), c(X))


def test_time_distributed_other_layers_parity():
    x = RNG.standard_normal((2, 3, 4, 5)).astype("float32")
    for make in (lambda base: base.layers.Flatten(),
                 lambda base: base.layers.Activation("softmax"),
                 lambda base: base.layers.LSTM(3, return_sequences=True),
                 lambda base: base.layers.Bidirectional(base.layers.GRU(2))):
        k = keras.layers.TimeDistributed(make(keras))
        c = cornu.layers.TimeDistributed(make(cornu))
        if k(x) is not None and k.get_weights():
            make_pair(k, c, x)
        assert_same(k(x), c(x))


def test_masking_layer_parity():
    x = X.copy()
    x[1, 3:] = 0.0  # right padding -> fused kernel
    x[2, :2] = 0.0  # left padding -> step loop
    for rows, fused_expected in (([0, 1], True), ([0, 1, 2], False)):
        def model(base):
            return base.Sequential([base.layers.Masking(0.0),
                                    base.layers.GRU(3, return_sequences=True),
                                    base.layers.LSTM(2)])
        k, c = model(keras), model(cornu)
        data = np.ascontiguousarray(x[rows])
        k(data)
        c(data)
        c.set_weights(k.get_weights())
        assert_same(k(data), c(data))
        assert c.layers[1].last_call_fused is fused_expected
