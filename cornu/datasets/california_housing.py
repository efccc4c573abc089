"""California housing prices: 20,640 districts, 8 features, median house value in $."""

from cornu.datasets._source import KERAS_ORIGIN, fetch
from cornu.datasets._tabular import check_test_split, load_xy, shuffle_and_split

FILE_HASH = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"
FOLDERS = ("california_housing", "california-housing")


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """Loads the California housing regression data set.

    Args:
        version: `"large"` (all 20,640 rows) or `"small"` (the first 600 rows).
        path: the file's name in the cache and the mirror, or the path of a
            local `california_housing.npz`.
        test_split: fraction of the data used as test set.
        seed: seed of the shuffle before the split.

    Returns:
        Tuple of NumPy arrays `(x_train, y_train), (x_test, y_test)`: `x` of
        shape `(n, 8)` and `y` of shape `(n,)`, floats.
    """
    check_test_split(test_split)
    if version not in ("large", "small"):
        raise ValueError("Argument `version` must be one of 'small', 'large'. "
                         f"Received: version={version!r}")
    origin = KERAS_ORIGIN + "california_housing.npz"
    x, y = load_xy(fetch("california_housing.npz", origin, FILE_HASH, FOLDERS, path))
    if version == "small":
        x, y = x[:600], y[:600]
    return shuffle_and_split(x, y, test_split, seed)
