"""The toy ResNet of Keras's Functional API guide, for CIFAR-10-shaped images.

Residual links are `layers.add`s of a block's input and output. CIFAR-10 is used when it is
cached (or in a `CORNU_DATASETS_DIR` mirror); otherwise, as on machines with no internet,
random images of CIFAR-10's shape stand in, which shows the model and the training loop but
not a useful accuracy. `CORNU_EXAMPLE_RANDOM_DATA=1` skips CIFAR-10 (no download attempt).

    python examples/toy_resnet.py
"""

import os

import numpy as np

import cornu as keras
from cornu import layers

import example_data


def build_model():
    inputs = keras.Input(shape=(32, 32, 3), name="img")
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    block_1_output = layers.MaxPooling2D(3)(x)

    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_1_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_2_output = layers.add([x, block_1_output])

    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_2_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_3_output = layers.add([x, block_2_output])

    x = layers.Conv2D(64, 3, activation="relu")(block_3_output)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(10)(x)
    return keras.Model(inputs, outputs, name="toy_resnet")


def load_data(n):
    example_data.use_local_mirror()
    try:
        if os.environ.get("CORNU_EXAMPLE_RANDOM_DATA"):
            raise ValueError("CORNU_EXAMPLE_RANDOM_DATA is set")
        (x_train, y_train), _ = keras.datasets.cifar10.load_data()
        print("Using CIFAR-10.")
        return x_train[:n].astype("float32") / 255.0, y_train[:n]
    except (OSError, ValueError) as e:
        print(f"CIFAR-10 is not available here ({type(e).__name__}); using random images.")
        rng = np.random.default_rng(0)
        n = n or 1000
        return rng.random((n, 32, 32, 3), dtype=np.float32), rng.integers(0, 10, (n, 1))


def main():
    keras.utils.set_random_seed(5)
    model = build_model()
    model.summary()
    x_train, y_train = load_data(example_data.samples() or 1000)
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["acc"])
    model.fit(x_train, y_train, batch_size=64, epochs=example_data.epochs(1),
              validation_split=0.2)


if __name__ == "__main__":
    main()
