import os

import numpy as np
import pytest
import torch

import cornu
from cornu import layers
from cornu.saving.safe_mode import safe_mode_scope
from cornu.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from layer_test_utils import run_layer_test

os.environ.setdefault("KERAS_BACKEND", "torch")


# ---------------------------------------------------------------- Masking

def test_masking():
    x = np.random.default_rng(0).standard_normal((2, 4, 3)).astype("float32")
    x[0, 1] = 0.0
    x[1, 3] = 0.0
    layer, out = run_layer_test(layers.Masking, {"mask_value": 0.0}, input_data=x,
                                expected_output_shape=(2, 4, 3), supports_masking=True)
    np.testing.assert_array_equal(out._keras_mask, [[1, 0, 1, 1], [1, 1, 1, 0]])
    keras = pytest.importorskip("keras")
    expected = keras.layers.Masking(mask_value=0.0)(x)
    np.testing.assert_array_equal(out.numpy(), keras.ops.convert_to_numpy(expected))
    np.testing.assert_array_equal(out._keras_mask.numpy(),
                                  keras.ops.convert_to_numpy(expected._keras_mask))


def test_masking_zeroes_masked_steps_and_mask_reaches_next_layer():
    x = torch.ones(2, 3, 2)
    x[0, 2] = -1.0
    out = layers.Masking(mask_value=-1.0)(x)
    assert torch.all(out[0, 2] == 0)
    nxt = layers.Activation("relu")(out)  # supports_masking: the mask is passed on
    np.testing.assert_array_equal(nxt._keras_mask, [[1, 1, 0], [1, 1, 1]])


# ---------------------------------------------------------------- Lambda

def test_lambda_named_function():
    run_layer_test(layers.Lambda, {"function": cornu.activations.relu}, input_shape=(2, 3),
                   expected_output_shape=(2, 3))
    layer = layers.Lambda(cornu.activations.relu)
    assert layer.get_config()["function"]["config"] == "relu"


def test_lambda_arguments_mask_training_and_output_shape():
    layer = layers.Lambda(lambda x, k: x[:, :k], arguments={"k": 2})
    assert tuple(layer(torch.ones(3, 5)).shape) == (3, 2)
    sym = layers.Lambda(lambda x: x.sum(-1), output_shape=(7,))(cornu.Input(shape=(4, 7)))
    assert tuple(sym.shape) == (None, 7)
    inferred = layers.Lambda(lambda x: x.reshape(x.shape[0], -1))(cornu.Input(shape=(4, 7)))
    assert tuple(inferred.shape) == (None, 28)
    fn = lambda x, training=None: x + (1.0 if training else 0.0)  # noqa: E731
    assert layers.Lambda(fn)(torch.zeros(1), training=True).item() == 1.0
    masked = layers.Lambda(lambda x: x, mask=lambda inputs, mask: inputs > 0)(torch.tensor([[1., -1.]]))
    np.testing.assert_array_equal(masked._keras_mask, [[True, False]])


def test_lambda_python_lambda_needs_unsafe_mode():
    offset = 3.0
    layer = layers.Lambda(lambda x: x * 2 + offset)
    config = serialize_keras_object(layer)
    assert config["config"]["function"]["class_name"] == "__lambda__"
    with pytest.raises(ValueError, match="safe_mode"):
        deserialize_keras_object(config)
    with pytest.raises(ValueError, match="safe_mode"):
        layers.Lambda.from_config(layer.get_config())
    revived = deserialize_keras_object(config, safe_mode=False)
    np.testing.assert_allclose(revived(torch.ones(2)).numpy(), [5.0, 5.0])
    with safe_mode_scope(False):
        assert layers.Lambda.from_config(layer.get_config())(torch.zeros(1)).item() == 3.0


def test_lambda_loads_keras_config():
    keras = pytest.importorskip("keras")
    config = keras.saving.serialize_keras_object(keras.layers.Lambda(lambda x: x + 1.0))
    revived = deserialize_keras_object(config, safe_mode=False)
    assert revived(torch.zeros(1)).item() == 1.0
    with pytest.raises(ValueError, match="safe_mode"):
        deserialize_keras_object(config)


# ---------------------------------------------------------------- EinsumDense

EINSUM_CASES = [
    ("ab,bc->ac", (4,), "c", (2, 3), (3, 4), (4,)),
    ("abc,cd->abd", (5, 4), "d", (2, 5, 3), (3, 4), (4,)),
    ("abc,cde->abde", (5, 2, 4), "de", (2, 5, 3), (3, 2, 4), (2, 4)),
    ("abc,cd->abd", (5, 4), "bd", (2, 5, 3), (3, 4), (5, 4)),
    ("...b,bc->...c", 4, "c", (2, 5, 3), (3, 4), (4,)),
    ("...b,bc->...c", 4, None, (2, 6, 5, 3), (3, 4), None),
    ("abc...,cd->abd...", (5, 4), "bd", (2, 5, 3, 6), (3, 4), (5, 4, 1)),
    ("abcd,cde->abe", (5, 4), "e", (2, 5, 3, 2), (3, 2, 4), (4,)),
]


@pytest.mark.parametrize("equation,out_shape,bias_axes,in_shape,kernel_shape,bias_shape",
                         EINSUM_CASES)
def test_einsum_dense(equation, out_shape, bias_axes, in_shape, kernel_shape, bias_shape):
    layer, out = run_layer_test(
        layers.EinsumDense, {"equation": equation, "output_shape": out_shape,
                             "bias_axes": bias_axes, "activation": "tanh"},
        input_shape=in_shape, expected_num_trainable_weights=1 + (bias_axes is not None))
    assert tuple(layer.kernel.shape) == kernel_shape
    assert (None if layer.bias is None else tuple(layer.bias.shape)) == bias_shape
    keras = pytest.importorskip("keras")
    k = keras.layers.EinsumDense(equation, out_shape, bias_axes=bias_axes, activation="tanh")
    x = np.random.default_rng(0).standard_normal(in_shape).astype("float32")
    k.build(x.shape)
    assert [tuple(w.shape) for w in k.weights] == [tuple(w.shape) for w in layer.weights]
    k.set_weights(layer.get_weights())
    np.testing.assert_allclose(layer(x).detach().numpy(), keras.ops.convert_to_numpy(k(x)),
                               rtol=1e-5, atol=1e-5)


def test_einsum_dense_errors_and_init_scale():
    with pytest.raises(ValueError, match="equation"):
        layers.EinsumDense("ab->b", 3).build((2, 3))
    with pytest.raises(ValueError, match="bias axis"):
        layers.EinsumDense("ab,bc->ac", 3, bias_axes="x").build((2, 3))
    with pytest.raises(ValueError, match="weight dim"):
        layers.EinsumDense("ab,bz->ab", 3).build((2, 3))
    # Glorot fans come from the contracted (in) and produced (out) kernel axes, as Keras.
    layer = layers.EinsumDense("abc,cde->abde", (5, 40, 50),
                               kernel_initializer=cornu.initializers.GlorotUniform(seed=0))
    layer.build((2, 5, 30))
    limit = np.sqrt(6.0 / (30 + 40 * 50))
    assert layer.kernel.abs().max().item() <= limit + 1e-6
    assert layer.kernel.abs().max().item() > 0.9 * limit
