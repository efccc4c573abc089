"""`cornu.datasets`: small data sets, loaded as NumPy arrays (mirrors `keras.datasets`).

Each loader reads a local `path=`, the `CORNU_DATASETS_DIR` mirror folder, the
cache (`~/.cornu/datasets`) or downloads the file, checked against a pinned hash.
"""

from cornu.datasets import (  # noqa: F401
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)
