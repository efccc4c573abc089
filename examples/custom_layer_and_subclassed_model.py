"""A custom layer and a subclassed model on MNIST, saved and loaded back.

`Linear` creates its weights in `build` with `add_weight` and says how to rebuild itself in
`get_config`; `MLP` is a subclassed `Model` with its own `call`. Both are registered, so the
`.keras` file loads without `custom_objects`.

    python examples/custom_layer_and_subclassed_model.py
"""

import numpy as np

import cornu as keras
from cornu import layers, ops

import example_data


@keras.saving.register_keras_serializable(package="examples")
class Linear(layers.Layer):
    """`y = x @ w + b`, with `units` outputs."""

    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="glorot_uniform", trainable=True, name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True,
                                 name="b")

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@keras.saving.register_keras_serializable(package="examples")
class MLP(keras.Model):
    """Two `Linear` layers with dropout between them while training."""

    def __init__(self, hidden=64, classes=10, **kwargs):
        super().__init__(**kwargs)
        self.hidden, self.classes = hidden, classes
        self.linear_1 = Linear(hidden)
        self.dropout = layers.Dropout(0.2)
        self.linear_2 = Linear(classes)

    def call(self, inputs, training=False):
        x = ops.relu(self.linear_1(inputs))
        if training:  # any Python control flow works here
            x = self.dropout(x, training=training)
        return self.linear_2(x)

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden, "classes": self.classes}


def main():
    keras.utils.set_random_seed(7)
    example_data.use_local_mirror()
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    n = example_data.samples()
    x_train = x_train[:n].reshape(-1, 784).astype("float32") / 255
    x_test = x_test[:n].reshape(-1, 784).astype("float32") / 255
    y_train, y_test = y_train[:n], y_test[:n]

    model = MLP()
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=64, epochs=example_data.epochs(2))
    model.summary()
    _, acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test accuracy: {acc:.4f}")

    path = example_data.out_path("custom_mlp.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    same = np.allclose(restored.predict(x_test[:32], verbose=0),
                       model.predict(x_test[:32], verbose=0), atol=1e-6)
    print(f"Reloaded {type(restored).__name__} from {path}; same predictions: {same}")


if __name__ == "__main__":
    main()
