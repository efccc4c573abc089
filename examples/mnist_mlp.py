"""The main example: the MNIST functional-API recipe, end to end.

Builds a 784-64-64-10 network with `Input` and `Dense`, prints its summary, trains it with a
progress bar, reports test accuracy, saves it to `out/mnist_model.keras`, reloads it and checks
the predictions agree, and, when Graphviz / matplotlib are installed, writes the model plot
and the training-history plot.

Data: MNIST from the cache, the `CORNU_DATASETS_DIR` mirror, or ../shared/data when present.
`CORNU_EXAMPLE_SAMPLES=N` trains on the first N samples only (CI uses it to stay quick).

    python examples/mnist_mlp.py
"""

import os

import numpy as np

import cornu as keras
from cornu import layers

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "out")


def load_mnist():
    shared = os.path.join(HERE, "..", "..", "shared", "data")
    if "CORNU_DATASETS_DIR" not in os.environ and os.path.isdir(shared):
        os.environ["CORNU_DATASETS_DIR"] = shared
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    limit = int(os.environ.get("CORNU_EXAMPLE_SAMPLES", 0)) or None
    x_train = x_train[:limit].reshape(-1, 784).astype("float32") / 255
    x_test = x_test[:limit].reshape(-1, 784).astype("float32") / 255
    return (x_train, y_train[:limit]), (x_test, y_test[:limit])


def main():
    keras.utils.set_random_seed(42)
    (x_train, y_train), (x_test, y_test) = load_mnist()

    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, name="predictions")(x)
    model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")
    model.summary()

    model.compile(optimizer=keras.optimizers.RMSprop(),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=64, epochs=2, validation_split=0.2)
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=2)
    print(f"Test loss: {test_loss:.4f} - test accuracy: {test_acc:.4f}")

    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "mnist_model.keras")
    model.save(path)
    reloaded = keras.models.load_model(path)
    np.testing.assert_allclose(reloaded.predict(x_test[:100], verbose=0),
                               model.predict(x_test[:100], verbose=0), rtol=1e-5, atol=1e-6)
    print(f"Saved to {os.path.relpath(path)}; the reloaded model predicts the same.")

    for what, make in (("model plot", lambda: keras.utils.plot_model(
            model, os.path.join(OUT, "mnist_model.png"), show_shapes=True)),
                       ("history plot", lambda: keras.utils.plot_history(
            history, os.path.join(OUT, "mnist_history.png")))):
        try:
            make()
            print(f"Wrote the {what} to {os.path.relpath(OUT)}/")
        except (ImportError, OSError, AttributeError) as e:
            print(f"Skipped the {what}: {e}")


if __name__ == "__main__":
    main()
