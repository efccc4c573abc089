"""Fashion-MNIST with a Sequential MLP and a callback that stops at 90% training accuracy.

    python examples/fashion_mnist_mlp.py
"""

import cornu as keras
from cornu import layers

import example_data


class StopAtAccuracy(keras.callbacks.Callback):
    """Stops training once the epoch's training accuracy reaches `target`."""

    def __init__(self, target=0.9):
        super().__init__()
        self.target = target

    def on_epoch_end(self, epoch, logs=None):
        if logs["accuracy"] >= self.target:
            print(f"\nReached {self.target:.0%} accuracy, so stopping training.")
            self.model.stop_training = True


def main():
    keras.utils.set_random_seed(1)
    example_data.use_local_mirror()
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    n = example_data.samples()
    x_train, y_train = x_train[:n] / 255.0, y_train[:n]
    x_test, y_test = x_test[:n] / 255.0, y_test[:n]

    model = keras.Sequential([
        keras.Input((28, 28)),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=example_data.epochs(20),
                        callbacks=[StopAtAccuracy(0.9)], verbose=2)
    print(f"Trained for {len(history.history['loss'])} epoch(s).")
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test accuracy: {test_acc:.4f}")


if __name__ == "__main__":
    main()
