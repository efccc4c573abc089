"""Fashion-MNIST: 60,000 training and 10,000 test grey 28x28 images of clothes, 10 classes."""

import os

from cornu.datasets._idx import read_images_and_labels
from cornu.datasets._source import KERAS_ORIGIN, fetch

FOLDERS = ("fashion-mnist", "fashion_mnist")
CACHE_SUBDIR = os.path.join("datasets", "fashion-mnist")
# sha256 of the published files (Keras pins none).
FILES = {
    "train-images-idx3-ubyte.gz":
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "train-labels-idx1-ubyte.gz":
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "t10k-images-idx3-ubyte.gz":
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "t10k-labels-idx1-ubyte.gz":
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}


def load_data():
    """Loads the Fashion-MNIST data set.

    Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal,
    6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot.

    Returns:
        Tuple of NumPy arrays `(x_train, y_train), (x_test, y_test)`: `x` of
        shape `(n, 28, 28)` and `y` of shape `(n,)`, both `uint8`.
    """
    paths = {name: fetch(name, KERAS_ORIGIN + name, digest, FOLDERS, cache_subdir=CACHE_SUBDIR,
                         accepts_path=False)
             for name, digest in FILES.items()}
    train = read_images_and_labels(paths["train-images-idx3-ubyte.gz"],
                                   paths["train-labels-idx1-ubyte.gz"])
    test = read_images_and_labels(paths["t10k-images-idx3-ubyte.gz"],
                                  paths["t10k-labels-idx1-ubyte.gz"])
    return train, test
