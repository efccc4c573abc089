"""CIFAR-100: 50,000 training and 10,000 test colour 32x32 images, 100 classes (20 coarse)."""

import os

import numpy as np

from cornu.datasets.cifar import batches_folder, load_batch, to_image_format

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"
FOLDERS = ("cifar100", "cifar-100")


def load_data(label_mode="fine"):
    """Loads the CIFAR-100 data set.

    Args:
        label_mode: `"fine"` (100 classes) or `"coarse"` (20 super-classes).

    Returns:
        Tuple of NumPy arrays `(x_train, y_train), (x_test, y_test)`: `uint8`
        images of shape `(n, 32, 32, 3)` (`(n, 3, 32, 32)` with the
        `channels_first` image data format) and `int64` labels of shape `(n, 1)`.
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError('`label_mode` must be one of `"fine"`, `"coarse"`. '
                         f"Received: label_mode={label_mode!r}.")
    folder = batches_folder("cifar-100-python-target", "cifar-100-python.tar.gz", ORIGIN,
                            FILE_HASH, "cifar-100-python", FOLDERS)
    key = f"{label_mode}_labels"
    x_train, y_train = load_batch(os.path.join(folder, "train"), label_key=key)
    x_test, y_test = load_batch(os.path.join(folder, "test"), label_key=key)
    y_train = np.reshape(np.asarray(y_train, dtype="int64"), (-1, 1))
    y_test = np.reshape(np.asarray(y_test, dtype="int64"), (-1, 1))
    return (to_image_format(x_train), y_train), (to_image_format(x_test), y_test)
