"""Transfer learning by freezing layers: MNIST features reused for Fashion-MNIST.

A small convolutional base is trained on MNIST digits, frozen (`trainable = False`), and a new
head is trained on top of it for Fashion-MNIST; then the base is unfrozen and the whole
model is fine-tuned with a low learning rate.

    python examples/transfer_learning.py
"""

import numpy as np

import cornu as keras
from cornu import layers

import example_data


def images(loader, n):
    (x_train, y_train), (x_test, y_test) = loader.load_data()
    prep = lambda x: x[:n, :, :, None].astype("float32") / 255  # noqa: E731
    return (prep(x_train), y_train[:n]), (prep(x_test), y_test[:n])


def main():
    keras.utils.set_random_seed(8)
    example_data.use_local_mirror()
    n = example_data.samples()
    (digits, digit_labels), _ = images(keras.datasets.mnist, n)
    (clothes, clothes_labels), (clothes_test, clothes_test_labels) = images(
        keras.datasets.fashion_mnist, n)

    base = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dense(64, activation="relu"),
    ], name="base")
    pretrain = keras.Sequential([base, layers.Dense(10)], name="pretrain")
    pretrain.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                     metrics=["accuracy"])
    print("Pre-training the base on MNIST digits")
    pretrain.fit(digits, digit_labels, batch_size=128, epochs=example_data.epochs(1), verbose=2)

    base.trainable = False
    inputs = keras.Input((28, 28, 1))
    x = base(inputs, training=False)
    outputs = layers.Dense(10)(layers.Dropout(0.2)(x))
    model = keras.Model(inputs, outputs, name="transfer")
    model.summary(show_trainable=True)
    frozen = [w.numpy().copy() for w in base.weights]
    model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    print(f"Training the new head: {len(model.trainable_weights)} trainable weights")
    model.fit(clothes, clothes_labels, batch_size=128, epochs=example_data.epochs(2), verbose=2)
    unchanged = all(np.array_equal(a, w.numpy()) for a, w in zip(frozen, base.weights))
    print(f"Frozen base unchanged by training: {unchanged}")

    base.trainable = True
    model.compile(keras.optimizers.Adam(1e-5),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    print(f"Fine-tuning everything: {len(model.trainable_weights)} trainable weights")
    model.fit(clothes, clothes_labels, batch_size=128, epochs=example_data.epochs(1), verbose=2)
    _, acc = model.evaluate(clothes_test, clothes_test_labels, verbose=0)
    print(f"Test accuracy: {acc:.4f}")


if __name__ == "__main__":
    main()
