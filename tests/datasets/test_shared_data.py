"""Loaders on the real data mirror (`../shared/data`), through `CORNU_DATASETS_DIR`.

The mirror holds MNIST, Fashion-MNIST, IMDB, Reuters and Boston housing, with a
`SHA256SUMS` manifest. These tests skip when the folder is absent.
"""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from cornu.datasets import boston_housing, fashion_mnist, imdb, mnist, reuters

SHARED = Path(os.environ.get("CORNU_TEST_DATA",
                             Path(__file__).resolve().parents[2].parent / "shared" / "data"))

pytestmark = pytest.mark.skipif(not (SHARED / "SHA256SUMS").is_file(),
                                reason=f"real data mirror not found at {SHARED} "
                                       "(set CORNU_TEST_DATA to a folder holding it)")


@pytest.fixture(autouse=True, scope="module")
def mirror(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CORNU_DATASETS_DIR", str(SHARED))
        patch.setenv("CORNU_HOME", str(tmp_path_factory.mktemp("cornu_home")))
        yield SHARED


def need(folder):
    if not (SHARED / folder).is_dir():
        pytest.skip(f"{folder} is not in the mirror {SHARED}")


def check_images(result, n_train, n_test):
    (x_train, y_train), (x_test, y_test) = result
    assert x_train.shape == (n_train, 28, 28) and x_test.shape == (n_test, 28, 28)
    assert y_train.shape == (n_train,) and y_test.shape == (n_test,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
    assert set(np.unique(y_train).tolist()) == set(range(10))


def test_mnist_npz_and_idx_agree(tmp_path):
    need("mnist")
    result = mnist.load_data()
    check_images(result, 60000, 10000)
    idx_only = tmp_path / "idx"
    idx_only.mkdir()
    for name in os.listdir(SHARED / "mnist"):
        if "idx" in name:
            os.symlink(SHARED / "mnist" / name, idx_only / name)
    from_idx = mnist.load_data(path=str(idx_only))
    for (a, b), (c, d) in zip(result, from_idx):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


def test_fashion_mnist():
    need("fashion-mnist")
    check_images(fashion_mnist.load_data(), 60000, 10000)


def test_boston_housing():
    need("boston_housing")
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data()
    assert x_train.shape == (404, 13) and x_test.shape == (102, 13)
    assert y_train.shape == (404,) and y_test.shape == (102,)
    assert x_train.dtype == y_train.dtype == np.float64


def check_sequences(x, y, num_words=None, maxlen=None):
    assert x.ndim == 1 and x.dtype == object and y.shape == x.shape and y.dtype == np.int64
    assert all(isinstance(s, list) for s in x[:100])
    assert x[0][0] == 1  # start_char
    if num_words:
        assert max(max(s) for s in x) < num_words
    if maxlen:
        assert max(len(s) for s in x) < maxlen


def test_imdb_with_options():
    need("imdb")
    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=10000, maxlen=200)
    check_sequences(x_train, y_train, 10000, 200)
    check_sequences(x_test, y_test, 10000, 200)
    assert 10000 < len(x_train) < 25000 and set(y_train.tolist()) == {0, 1}
    word_index = imdb.get_word_index()
    assert len(word_index) == 88584 and word_index["the"] == 1


def test_reuters():
    need("reuters")
    (x_train, y_train), (x_test, y_test) = reuters.load_data()
    assert x_train.shape == (8982,) and x_test.shape == (2246,)
    check_sequences(x_train, y_train)
    assert set(np.concatenate([y_train, y_test]).tolist()) == set(range(46))
    (x_train, y_train), _ = reuters.load_data(num_words=1000, maxlen=100, test_split=0.1)
    check_sequences(x_train, y_train, 1000, 100)
    assert len(reuters.get_word_index()) == 30979
    names = json.loads((SHARED / "reuters" / "reuters_label_names.json").read_text())
    assert list(reuters.get_label_names()) == names
