"""Boston housing prices: 506 houses, 13 features, median value in k$."""

from cornu.datasets._source import KERAS_ORIGIN, fetch
from cornu.datasets._tabular import check_test_split, load_xy, shuffle_and_split

FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"
FOLDERS = ("boston_housing", "boston-housing")


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """Loads the Boston housing regression data set.

    Args:
        path: the file's name in the cache and the mirror, or the path of a
            local `boston_housing.npz`.
        test_split: fraction of the data used as test set.
        seed: seed of the shuffle before the split.

    Returns:
        Tuple of NumPy arrays `(x_train, y_train), (x_test, y_test)`: `x` of
        shape `(n, 13)` and `y` of shape `(n,)`, both `float64`.
    """
    check_test_split(test_split)
    origin = KERAS_ORIGIN + "boston_housing.npz"
    x, y = load_xy(fetch("boston_housing.npz", origin, FILE_HASH, FOLDERS, path))
    return shuffle_and_split(x, y, test_split, seed)
