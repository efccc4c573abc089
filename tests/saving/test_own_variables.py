"""`Layer.save_own_variables` / `load_own_variables`: the defaults, overrides that call
`super()`, and files exchanged with Keras through them."""

import keras
import numpy as np
import pytest

import cornu


def _counting_layer(K):
    """A layer that keeps a call counter outside its variables and saves it by hand."""

    @K.saving.register_keras_serializable(package="own_variables_tests", name="Counting")
    class Counting(K.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2), initializer="random_normal")
            self.calls = 0

        def call(self, x):
            self.calls += 1
            return K.ops.matmul(x, self.w)

        def save_own_variables(self, store):
            super().save_own_variables(store)
            store["calls"] = np.array(self.calls)

        def load_own_variables(self, store):
            self.calls = int(np.asarray(store["calls"]))
            super().load_own_variables({"0": store["0"]})

    return Counting


COUNTING = {keras: _counting_layer(keras), cornu: _counting_layer(cornu)}


def _model(K):
    return K.Sequential([K.Input((3,)), COUNTING[K](name="counting")])


@pytest.mark.parametrize("writer, reader", [(cornu, cornu), (cornu, keras), (keras, cornu)])
def test_overridden_own_variables_travel_between_libraries(tmp_path, writer, reader):
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    source = _model(writer)
    source.get_layer("counting").calls = 7
    path = str(tmp_path / "model.keras")
    source.save(path)

    loaded = reader.saving.load_model(path)
    assert loaded.get_layer("counting").calls == 7
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)),
                               np.asarray(source.predict(x, verbose=0)), atol=1e-6)


def test_default_own_variables_write_keras_order_and_check_shapes():
    layer = cornu.layers.BatchNormalization()
    layer.build((None, 4))
    store = {}
    layer.save_own_variables(store)
    keras_layer = keras.layers.BatchNormalization()
    keras_layer.build((None, 4))
    keras_store = {}
    keras_layer.save_own_variables(keras_store)
    assert list(store) == list(keras_store) == ["0", "1", "2", "3"]
    assert [tuple(v.shape) for v in store.values()] == [
        tuple(v.shape) for v in keras_store.values()]

    values = {k: np.full(tuple(v.shape), float(k) + 1, "float32") for k, v in store.items()}
    layer.load_own_variables(values)
    np.testing.assert_array_equal(layer.get_weights()[3], values["3"])

    with pytest.raises(ValueError, match="batch_normalization.*expected 4 variables, but "
                                         "received 1"):
        layer.load_own_variables({"0": values["0"]})
    with pytest.raises(ValueError, match=r"variable 0 has shape \(4,\).*shape \(5,\)"):
        layer.load_own_variables({**values, "0": np.ones(5, "float32")})


def test_add_metric_is_refused_like_keras():
    with pytest.raises(NotImplementedError, match="add_metric"):
        cornu.layers.Dense(2).add_metric(1.0)


def test_input_dtype_is_the_compute_dtype():
    layer = cornu.layers.Dense(2, dtype="mixed_bfloat16")
    assert layer.input_dtype == keras.layers.Dense(2, dtype="mixed_bfloat16").input_dtype
