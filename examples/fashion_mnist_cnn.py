"""Fashion-MNIST with a small CNN: Conv2D, MaxPooling2D and Dropout.

    python examples/fashion_mnist_cnn.py
"""

import numpy as np

import cornu as keras
from cornu import layers

import example_data


def main():
    keras.utils.set_random_seed(2)
    example_data.use_local_mirror()
    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    n = example_data.samples()
    x_train = np.expand_dims(x_train[:n], -1).astype("float32") / 255
    x_test = np.expand_dims(x_test[:n], -1).astype("float32") / 255
    y_train = keras.utils.to_categorical(y_train[:n], 10)
    y_test = keras.utils.to_categorical(y_test[:n], 10)

    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    model.summary()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=128, epochs=example_data.epochs(5),
              validation_split=0.1)
    score = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test loss: {score[0]:.4f}")
    print(f"Test accuracy: {score[1]:.4f}")


if __name__ == "__main__":
    main()
