"""CIFAR-10: 50,000 training and 10,000 test colour 32x32 images, 10 classes."""

import os

import numpy as np

from cornu.datasets.cifar import batches_folder, load_batch, to_image_format

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
FOLDERS = ("cifar10", "cifar-10")


def load_data():
    """Loads the CIFAR-10 data set.

    Labels: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog,
    7 horse, 8 ship, 9 truck.

    Returns:
        Tuple of NumPy arrays `(x_train, y_train), (x_test, y_test)`: `uint8`
        images of shape `(n, 32, 32, 3)` (`(n, 3, 32, 32)` with the
        `channels_first` image data format) and `uint8` labels of shape `(n, 1)`.
    """
    folder = batches_folder("cifar-10-batches-py-target", "cifar-10-python.tar.gz", ORIGIN,
                            FILE_HASH, "cifar-10-batches-py", FOLDERS)
    xs, ys = [], []
    for i in range(1, 6):
        data, labels = load_batch(os.path.join(folder, f"data_batch_{i}"))
        xs.append(data)
        ys.append(np.asarray(labels, dtype="uint8"))
    x_train = np.concatenate(xs).astype("uint8")
    y_train = np.concatenate(ys).reshape(-1, 1)
    x_test, y_test = load_batch(os.path.join(folder, "test_batch"))
    x_test = np.asarray(x_test, dtype="uint8")
    y_test = np.asarray(y_test, dtype="uint8").reshape(-1, 1)
    return (to_image_format(x_train), y_train), (to_image_format(x_test), y_test)
