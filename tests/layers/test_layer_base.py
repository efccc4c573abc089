"""The Layer base: weights, freezing, names, training flag, masks, losses, configs, torch interop."""

import copy

import numpy as np
import pytest
import torch

import cornu as keras
from cornu import layers


class CustomDense(layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal",
                                 trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="random_normal", trainable=True)

    def call(self, inputs):
        return keras.ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {"units": self.units}


class MLP(keras.Model):
    def __init__(self, **kwargs):
        super(MLP, self).__init__(**kwargs)
        self.dense_1 = layers.Dense(64, activation="relu")
        self.dense_2 = layers.Dense(10)

    def call(self, inputs):
        return self.dense_2(self.dense_1(inputs))


class TrainingRecorder(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, inputs, training=None):
        self.seen.append(training)
        return inputs


def test_custom_layer_from_usage_and_from_config():
    inputs = keras.Input((4,))
    outputs = CustomDense(10)(inputs)
    model = keras.Model(inputs, outputs)
    assert [tuple(w.shape) for w in model.weights] == [(4, 10), (10,)]
    new_model = keras.Model.from_config(model.get_config(), custom_objects={"CustomDense": CustomDense})
    assert new_model.count_params() == model.count_params()
    new_model.set_weights(model.get_weights())
    x = np.random.rand(3, 4).astype("float32")
    np.testing.assert_allclose(new_model.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_attribute_names_become_state_dict_keys():
    layer = CustomDense(3)
    layer(np.ones((1, 2), "float32"))
    assert set(layer.state_dict()) == {"w", "b"}
    assert [w.path for w in layer.weights] == [f"{layer.name}/variable", f"{layer.name}/variable"]


def test_subclassed_model_tracks_layers_and_lists():
    mlp = MLP()
    _ = mlp(keras.ops.zeros((1, 32)))
    assert len(mlp.weights) == 4 and mlp.count_params() == 32 * 64 + 64 + 64 * 10 + 10
    assert [w.path for w in mlp.weights][0] == f"{mlp.name}/{mlp.dense_1.name}/kernel"

    class Blocks(keras.Model):
        def __init__(self):
            super().__init__()
            self.blocks = [layers.Dense(4), layers.Dense(5)]

        def call(self, x):
            for block in self.blocks:
                x = block(x)
            return x

    model = Blocks()
    assert tuple(model(np.ones((2, 3))).shape) == (2, 5)
    assert len(model.layers) == 2 and len(model.trainable_weights) == 4
    assert len(list(model.parameters())) == 4


def test_python_control_flow_in_call():
    class Loop(layers.Layer):
        def call(self, inputs):
            outputs = []
            for t in range(inputs.shape[1]):
                outputs.append(inputs[:, t] * (t + 1))
            return keras.ops.stack(outputs, axis=1)

    inputs = keras.Input(batch_shape=(16, 10, 5))
    x = layers.Dense(3)(inputs)
    out = Loop()(x)
    assert out.shape == (16, 10, 3)
    model = keras.Model(inputs, out)
    assert tuple(model(np.ones((16, 10, 5), "float32")).shape) == (16, 10, 3)


def test_freezing_moves_weights_and_stops_gradients():
    model = keras.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(2)])
    model.layers[0].trainable = False
    assert len(model.trainable_weights) == 2
    assert len(model.non_trainable_weights) == 2
    assert not model.layers[0].kernel.requires_grad
    model.layers[0].trainable = True
    assert len(model.trainable_weights) == 4 and model.layers[0].kernel.requires_grad


def test_set_weights_checks_count_and_shapes():
    layer = layers.Dense(3)
    layer.build((None, 4))
    with pytest.raises(ValueError, match="expected 2 weights"):
        layer.set_weights([np.zeros((4, 3))])
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(3, 3\)"):
        layer.set_weights([np.zeros((3, 3)), np.zeros(3)])


def test_count_params_on_unbuilt_layer_is_a_clear_error():
    with pytest.raises(ValueError, match="isn't built"):
        layers.Dense(3).count_params()


def test_training_flag_reaches_nested_layers():
    recorder = TrainingRecorder()
    model = keras.Sequential([layers.Dense(2, input_shape=(3,)), recorder])
    model(np.ones((1, 3)), training=True)
    model(np.ones((1, 3)))
    assert recorder.seen[-2:] == [True, None]
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=1, verbose=0)
    assert recorder.seen[-1] is True
    model.predict(np.ones((4, 3)), verbose=0)
    assert recorder.seen[-1] is False


def test_embedding_mask_reaches_next_layer():
    class MaskReader(layers.Layer):
        def call(self, inputs, mask=None):
            self.mask = mask
            return inputs

    reader = MaskReader()
    inputs = keras.Input((4,), dtype="int64")
    x = layers.Embedding(10, 3, mask_zero=True)(inputs)
    model = keras.Model(inputs, reader(layers.Dense(2)(x)))
    model(np.array([[1, 2, 0, 0]]))
    np.testing.assert_array_equal(reader.mask.numpy(), [[True, True, False, False]])


def test_activity_regularizer_and_weight_regularizer_losses():
    layer = layers.Dense(2, kernel_regularizer=keras.regularizers.L2(0.1),
                         activity_regularizer=keras.regularizers.L1(0.01))
    x = torch.ones(4, 3)
    out = layer(x)
    expected_activity = 0.01 * out.abs().sum() / 4
    expected_kernel = 0.1 * (layer.kernel ** 2).sum()
    values = sorted(float(v.detach()) for v in layer.losses)
    np.testing.assert_allclose(values, sorted([float(expected_activity), float(expected_kernel)]),
                               rtol=1e-6)


def test_symbolic_shape_error_names_layer_and_shapes():
    a = keras.Input((3,))
    with pytest.raises(ValueError, match=r"add.*\(None, 3\).*\(None, 4\)"):
        layers.add([a, keras.Input((4,))])
    model_in = keras.Input((5,))
    with pytest.raises(ValueError, match="Graph disconnected"):
        keras.Model(keras.Input((5,)), layers.Dense(1)(model_in))


def test_functional_rejects_wrong_feature_count():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, layers.Dense(2)(inputs))
    with pytest.raises(ValueError, match=r"expected shape=\(None, 4\), found shape=\(2, 5\)"):
        model(np.ones((2, 5), "float32"))


def test_cornu_layer_in_plain_torch_code():
    dense = layers.Dense(3)
    net = torch.nn.Sequential(torch.nn.Linear(5, 4), dense, torch.nn.ReLU())
    out = net(torch.randn(2, 5))
    assert tuple(out.shape) == (2, 3)
    names = [n for n, _ in net.named_parameters()]
    assert "1.kernel" in names and "1.bias" in names
    clone = copy.deepcopy(net)
    torch.testing.assert_close(clone(torch.ones(1, 5)), net(torch.ones(1, 5)))
    net.load_state_dict(clone.state_dict())
    assert isinstance(dense.weights[0], keras.Variable)


def test_variable_surface():
    layer = layers.Dense(2)
    layer.build((None, 3))
    kernel = layer.weights[0]
    assert kernel.name == "kernel" and kernel.path == f"{layer.name}/kernel"
    assert tuple(kernel.shape) == (3, 2) and kernel.trainable
    kernel.assign(np.ones((3, 2)))
    np.testing.assert_array_equal(kernel.numpy(), np.ones((3, 2)))
    with pytest.raises(ValueError, match="shape"):
        kernel.assign(np.ones((2, 2)))
    out = torch.ones(1, 3) @ kernel
    assert type(out) is torch.Tensor


def test_auto_config_for_layers_without_get_config():
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

    layer = Scale(3.0, name="scale_me")
    config = layer.get_config()
    assert config["factor"] == 3.0 and config["name"] == "scale_me"
    assert Scale.from_config(config).factor == 3.0


def test_ops_on_symbolic_tensors_build_graph():
    inputs = keras.Input((3,))
    x = layers.Dense(3)(inputs)
    out = keras.ops.mean(x * 2.0 + inputs, axis=-1)
    model = keras.Model(inputs, out)
    data = np.random.rand(2, 3).astype("float32")
    dense = model.layers[1]
    expected = ((data @ dense.kernel.detach().numpy() + dense.bias.detach().numpy()) * 2 + data).mean(-1)
    np.testing.assert_allclose(model(data).detach().numpy(), expected, rtol=1e-5)
