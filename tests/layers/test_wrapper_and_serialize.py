"""`layers.Wrapper` for user wrappers, and `layers.serialize` / `deserialize` as in Keras."""

import numpy as np
import pytest
import torch

import cornu

keras = pytest.importorskip("keras")
X = np.random.default_rng(0).standard_normal((4, 5, 3)).astype("float32")


class Doubled(cornu.layers.Wrapper):
    """Calls the wrapped layer and doubles its output."""

    def call(self, inputs):
        return 2.0 * self.layer(inputs)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)


def test_a_user_wrapper_builds_trains_and_reloads(tmp_path):
    inner = cornu.layers.Dense(2)
    model = cornu.Sequential([cornu.Input((5, 3)), Doubled(inner, name="doubled")])
    assert inner.built and len(model.trainable_weights) == 2
    np.testing.assert_allclose(model.predict(X, verbose=0),
                               2.0 * np.asarray(inner(torch.from_numpy(X)).detach()), rtol=1e-6)
    model.compile("sgd", "mse")
    model.fit(X, np.ones((4, 5, 2), "float32"), epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = cornu.saving.load_model(tmp_path / "m.keras", custom_objects={"Doubled": Doubled})
    assert isinstance(loaded.layers[0].layer, cornu.layers.Dense)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_time_distributed_is_a_wrapper_and_rejects_non_layers():
    assert isinstance(cornu.layers.TimeDistributed(cornu.layers.Dense(2)), cornu.layers.Wrapper)
    with pytest.raises(ValueError, match=r"'bad' \(Doubled\) expects a Layer instance"):
        Doubled("dense", name="bad")


def test_serialize_matches_keras_and_deserialize_reads_keras_configs():
    ours = cornu.layers.serialize(cornu.layers.Dense(3, activation="relu", name="d"))
    theirs = keras.layers.serialize(keras.layers.Dense(3, activation="relu", name="d"))
    assert ours["module"] == theirs["module"] and ours["class_name"] == theirs["class_name"]
    for key in ("units", "activation", "use_bias", "name"):
        assert ours["config"][key] == theirs["config"][key]
    layer = cornu.layers.deserialize(theirs)
    assert isinstance(layer, cornu.layers.Dense) and layer.units == 3 and layer.name == "d"
    wrapped = cornu.layers.deserialize(keras.layers.serialize(
        keras.layers.TimeDistributed(keras.layers.Dense(4))))
    assert isinstance(wrapped, cornu.layers.TimeDistributed) and wrapped.layer.units == 4
    custom = cornu.layers.deserialize(cornu.layers.serialize(Doubled(cornu.layers.Dense(2))),
                                      custom_objects={"Doubled": Doubled})
    assert isinstance(custom, Doubled)
