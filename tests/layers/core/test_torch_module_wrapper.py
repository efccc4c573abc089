import numpy as np
import pytest
import torch

import cornu
from cornu import layers
from cornu.saving.object_registration import register_keras_serializable
from cornu.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from layer_test_utils import run_layer_test


@register_keras_serializable("cornu_tests")
class WrappedMLP(layers.TorchModuleWrapper):
    """A wrapper whose config rebuilds its module from plain arguments (safe to load)."""

    def __init__(self, features=3, units=4, **kwargs):
        kwargs.pop("module", None)
        module = torch.nn.Sequential(torch.nn.Linear(features, units), torch.nn.Tanh())
        super().__init__(module, **kwargs)
        self.features, self.units = features, units

    def get_config(self):
        config = layers.Layer.get_config(self)
        config.update({"features": self.features, "units": self.units})
        return config


def test_wrapper_layer_contract():
    layer, out = run_layer_test(WrappedMLP, {"features": 3, "units": 4}, input_shape=(2, 3),
                                expected_output_shape=(2, 4), expected_num_trainable_weights=2,
                                expected_num_non_trainable_weights=0)
    assert [tuple(w.shape) for w in layer.weights] == [(4, 3), (4,)]
    assert layer.count_params() == 16


def test_wrapper_train_eval_modes():
    layer = layers.TorchModuleWrapper(torch.nn.Dropout(0.5))
    x = torch.ones(1000)
    assert torch.equal(layer(x, training=False), x)
    assert not layer.module.training
    assert (layer(x, training=True) == 0).any()
    assert layer.module.training


def test_wrapper_lazy_module_is_materialized_on_build():
    layer = layers.TorchModuleWrapper(torch.nn.LazyLinear(5))
    assert not layer.built
    inputs = cornu.Input(shape=(7,))
    outputs = layer(inputs)
    assert tuple(outputs.shape) == (None, 5)
    assert [tuple(w.shape) for w in layer.weights] == [(5, 7), (5,)]


def test_wrapper_frozen():
    layer = layers.TorchModuleWrapper(torch.nn.Linear(3, 2))
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    assert not any(p.requires_grad for p in layer.module.parameters())
    layer.trainable = True
    assert all(p.requires_grad for p in layer.module.parameters())


def test_wrapper_config_needs_unsafe_mode():
    layer = layers.TorchModuleWrapper(torch.nn.Linear(3, 2), output_shape=(None, 2))
    config = serialize_keras_object(layer)
    with pytest.raises(ValueError, match="safe_mode"):
        deserialize_keras_object(config)
    revived = deserialize_keras_object(config, safe_mode=False)
    x = torch.randn(4, 3)
    np.testing.assert_allclose(revived(x).detach(), layer(x).detach(), rtol=1e-6)
    assert tuple(layer(cornu.Input(shape=(3,))).shape) == (None, 2)


def _functional_model():
    torch.manual_seed(0)
    inputs = cornu.Input(shape=(4,))
    hidden = layers.TorchModuleWrapper(torch.nn.Sequential(torch.nn.Linear(4, 8),
                                                           torch.nn.ReLU()))(inputs)
    outputs = layers.Dense(1)(hidden)
    return cornu.Model(inputs, outputs)


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype("float32")
    y = (x @ np.array([[1.0], [-2.0], [0.5], [3.0]], dtype="float32")).astype("float32")
    return x, y


def test_wrapper_in_functional_model_trained_by_hand():
    model = _functional_model()
    assert len(model.trainable_weights) == 4  # Linear weight/bias, Dense kernel/bias
    x, y = map(torch.as_tensor, _data())
    opt = torch.optim.SGD(model.trainable_weights, lr=0.05)
    wrapped = model.layers[1].module[0].weight
    before = wrapped.detach().clone()
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = ((model(x, training=True) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert not torch.equal(before, wrapped.detach())


def test_wrapper_in_functional_model_with_fit_and_summary():
    model = _functional_model()
    lines = []
    model.summary(print_fn=lines.append)
    assert "49" in "\n".join(lines)  # 4*8+8 + 8+1 parameters
    model.compile(optimizer=cornu.optimizers.SGD(0.05), loss="mse")
    x, y = _data()
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
