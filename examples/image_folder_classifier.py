"""Training on a folder of image files with `image_dataset_from_directory`.

Many data sets come as a folder per class (`flowers/roses/*.jpg`, ...). This example makes one
from Fashion-MNIST (a PNG file per image under `out/fashion_images/<class>/`), then reads it
back the Keras way: `image_dataset_from_directory` with a seeded 80/20 training/validation
split, class names taken from the folder names, pixels scaled with `dataset.map`, and a small
CNN trained on the batches. Needs Pillow (`pip install pillow`).

    python examples/image_folder_classifier.py
"""

import os
import shutil

import numpy as np

import cornu as keras
from cornu import layers

import example_data

CLASS_NAMES = ["t_shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker",
               "bag", "ankle_boot"]


def write_image_folder(folder, images, labels):
    """Saves each image as `folder/<class name>/<index>.png`."""
    from PIL import Image

    shutil.rmtree(folder, ignore_errors=True)
    for name in CLASS_NAMES:
        os.makedirs(os.path.join(folder, name))
    for i, (image, label) in enumerate(zip(images, labels)):
        Image.fromarray(image).save(os.path.join(folder, CLASS_NAMES[label], f"{i:05d}.png"))


def main():
    keras.utils.set_random_seed(9)
    example_data.use_local_mirror()
    (x_train, y_train), _ = keras.datasets.fashion_mnist.load_data()
    n = example_data.samples() or 3000
    folder = example_data.out_path("fashion_images")
    write_image_folder(folder, x_train[:n], y_train[:n])

    train_ds, val_ds = keras.utils.image_dataset_from_directory(
        folder, validation_split=0.2, subset="both", seed=1337, image_size=(28, 28),
        color_mode="grayscale", batch_size=32)
    print("Classes:", ", ".join(train_ds.class_names))
    for images, labels in train_ds.take(1):
        print(f"A batch: images {tuple(images.shape)} {images.dtype}, "
              f"labels {tuple(labels.shape)} {labels.dtype}")
    train_ds = train_ds.map(lambda x, y: (x / 255.0, y))
    val_ds = val_ds.map(lambda x, y: (x / 255.0, y))

    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(16, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dropout(0.3),
        layers.Dense(len(train_ds.class_names), activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(train_ds, validation_data=val_ds, epochs=example_data.epochs(5), verbose=2)
    _, acc = model.evaluate(val_ds, verbose=0)
    print(f"Validation accuracy: {acc:.4f}")

    images, labels = next(iter(val_ds))
    predicted = np.argmax(model.predict(images, verbose=0), axis=-1)
    print("First predictions:", ", ".join(f"{train_ds.class_names[p]} (true: "
                                          f"{train_ds.class_names[t]})"
                                          for p, t in zip(predicted[:3], labels[:3].tolist())))


if __name__ == "__main__":
    main()
