"""Training converges on real data (../shared/data): the MNIST and Fashion-MNIST recipes."""

import os

import pytest

import cornu as keras
from cornu import layers

SHARED = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data"))
pytestmark = pytest.mark.skipif(not os.path.isdir(SHARED),
                                reason=f"real data sets not available at {SHARED}")


@pytest.fixture(autouse=True)
def mirror(monkeypatch):
    monkeypatch.setenv("CORNU_DATASETS_DIR", SHARED)
    keras.utils.set_random_seed(0)


def test_mnist_functional_recipe_reaches_95_percent():
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train = x_train.reshape(60000, 784).astype("float32") / 255
    x_test = x_test.reshape(10000, 784).astype("float32") / 255
    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu")(inputs)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(10)(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer=keras.optimizers.RMSprop(),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=64, epochs=2, validation_split=0.2, verbose=0)
    assert history.history["val_accuracy"][-1] >= 0.94
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= 0.95


def test_fashion_mnist_mlp_reaches_85_percent():
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    x_train, x_test = x_train / 255.0, x_test / 255.0
    model = keras.Sequential([layers.Flatten(input_shape=(28, 28)),
                              layers.Dense(100, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=5, verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy >= 0.85
