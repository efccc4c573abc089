"""Customizing what `fit()` does: Keras's `train_step` recipe for PyTorch, on MNIST.

`CustomModel` is built like a Functional model (`CustomModel(inputs, outputs)`) and overrides
`train_step` and `test_step`: a forward pass, `loss.backward()`, the optimizer applied to the
gradients in `v.value.grad`, and its own loss and accuracy trackers listed in `metrics` so
that `fit` resets them at each epoch. `fit`, `evaluate`, callbacks and the progress bar work
as usual on top of it.

    python examples/custom_train_step.py
"""

import torch

import cornu as keras
from cornu import layers

import example_data


class CustomModel(keras.Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.accuracy = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
        self.loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.loss_fn(y, y_pred)
        loss.backward()
        trainable_weights = [v for v in self.trainable_weights]
        gradients = [v.value.grad for v in trainable_weights]
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_weights)
        self.loss_tracker.update_state(loss)
        self.accuracy.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        self.loss_tracker.update_state(self.loss_fn(y, y_pred))
        self.accuracy.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    @property
    def metrics(self):
        return [self.loss_tracker, self.accuracy]


def main():
    keras.utils.set_random_seed(10)
    example_data.use_local_mirror()
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    n = example_data.samples()
    x_train = x_train[:n].reshape(-1, 784).astype("float32") / 255
    x_test = x_test[:n].reshape(-1, 784).astype("float32") / 255
    y_train, y_test = y_train[:n], y_test[:n]

    inputs = keras.Input(shape=(784,))
    x = layers.Dense(128, activation="relu")(inputs)
    outputs = layers.Dense(10)(x)
    model = CustomModel(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    history = model.fit(x_train, y_train, batch_size=64, epochs=example_data.epochs(3),
                        validation_split=0.1, verbose=2)
    print("Logged:", ", ".join(sorted(history.history)))
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test loss: {loss:.4f} - test accuracy: {acc:.4f}")


if __name__ == "__main__":
    main()
