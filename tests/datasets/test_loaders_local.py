"""Data set loaders on small synthetic files: download, cache, mirror, local path, safety."""

import io
import os
import pickle
import tarfile

import numpy as np
import pytest
from dataset_helpers import closed_port_url, sha256_of, write_idx, write_manifest

from cornu.datasets import (boston_housing, california_housing, cifar10, cifar100, fashion_mnist,
                            imdb, mnist, reuters)
from cornu.datasets._npz import load_npz
from cornu.utils.file_utils import DownloadError

RNG = np.random.default_rng(0)


def make_mnist_npz(path, n_train=6, n_test=4):
    arrays = {
        "x_train": RNG.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": RNG.integers(0, 10, n_train, dtype=np.uint8),
        "x_test": RNG.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": RNG.integers(0, 10, n_test, dtype=np.uint8),
    }
    np.savez(path, **arrays)
    return arrays


def ragged(lists):
    array = np.empty(len(lists), dtype=object)
    for i, item in enumerate(lists):
        array[i] = item
    return array


def check_mnist(result, arrays):
    (x_train, y_train), (x_test, y_test) = result
    for got, name in ((x_train, "x_train"), (y_train, "y_train"), (x_test, "x_test"),
                      (y_test, "y_test")):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, arrays[name])


# --- download, cache, offline -------------------------------------------------------------

def test_download_then_cache(server, home, monkeypatch):
    arrays = make_mnist_npz(server.folder / "mnist.npz")
    monkeypatch.setattr(mnist, "KERAS_ORIGIN", server.url)
    monkeypatch.setattr(mnist, "FILE_HASH", sha256_of(server.folder / "mnist.npz"))
    check_mnist(mnist.load_data(), arrays)
    assert os.listdir(home / "datasets") == ["mnist.npz"]
    server.stop()
    check_mnist(mnist.load_data(), arrays)  # from the cache, offline


def test_corrupted_download_leaves_nothing(server, home, monkeypatch):
    make_mnist_npz(server.folder / "boston_housing.npz")
    monkeypatch.setattr(boston_housing, "KERAS_ORIGIN", server.url)
    with pytest.raises(ValueError, match="boston_housing.npz.*Expected sha256 hash f553886a.*received"):
        boston_housing.load_data()
    assert os.listdir(home / "datasets") == []


def test_offline_error_says_how_to_provide_the_file(home, monkeypatch):
    url = closed_port_url()
    monkeypatch.setattr(imdb, "KERAS_ORIGIN", url)
    with pytest.raises(DownloadError) as info:
        imdb.load_data()
    message = str(info.value)
    assert url + "imdb.npz" in message
    assert "CORNU_DATASETS_DIR" in message and "path=" in message


# --- mirror folder and local paths --------------------------------------------------------

def test_mirror_subfolder_with_manifest(tmp_path, home, monkeypatch):
    mirror = tmp_path / "mirror"
    (mirror / "mnist").mkdir(parents=True)
    arrays = make_mnist_npz(mirror / "mnist" / "mnist.npz")
    write_manifest(mirror, ["mnist/mnist.npz"])
    monkeypatch.setenv("CORNU_DATASETS_DIR", str(mirror))
    check_mnist(mnist.load_data(), arrays)
    assert not (home / "datasets" / "mnist.npz").exists()  # the mirror is used in place

    (mirror / "SHA256SUMS").write_text("0" * 64 + "  mnist/mnist.npz\n")
    with pytest.raises(ValueError, match="mnist.npz.*expected sha256 0{64}.*received"):
        mnist.load_data()


def test_mirror_top_level_without_manifest(tmp_path, home, monkeypatch):
    x = RNG.random((50, 13))
    y = RNG.random(50)
    np.savez(tmp_path / "boston_housing.npz", x=x, y=y)
    monkeypatch.setenv("CORNU_DATASETS_DIR", str(tmp_path))
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data(test_split=0.2, seed=1)
    assert x_train.shape == (40, 13) and x_test.shape == (10, 13) and y_test.shape == (10,)
    order = np.arange(50)
    np.random.RandomState(1).shuffle(order)
    np.testing.assert_array_equal(x_train, x[order[:40]])
    np.testing.assert_array_equal(y_test, y[order[40:]])


def test_explicit_path(tmp_path, home):
    arrays = make_mnist_npz(tmp_path / "my_mnist.npz")
    check_mnist(mnist.load_data(path=str(tmp_path / "my_mnist.npz")), arrays)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        mnist.load_data(path=str(tmp_path / "missing" / "mnist.npz"))


def write_mnist_idx(folder, arrays, compress=True):
    suffix = ".gz" if compress else ""
    write_idx(folder / f"train-images-idx3-ubyte{suffix}", arrays["x_train"], compress)
    write_idx(folder / f"train-labels-idx1-ubyte{suffix}", arrays["y_train"], compress)
    write_idx(folder / f"t10k-images-idx3-ubyte{suffix}", arrays["x_test"], compress)
    write_idx(folder / f"t10k-labels-idx1-ubyte{suffix}", arrays["y_test"], compress)


def test_mnist_from_idx_files(tmp_path, home, monkeypatch):
    arrays = make_mnist_npz(tmp_path / "unused.npz")
    mirror = tmp_path / "mirror"
    (mirror / "mnist").mkdir(parents=True)
    write_mnist_idx(mirror / "mnist", arrays)
    monkeypatch.setenv("CORNU_DATASETS_DIR", str(mirror))
    result = mnist.load_data()
    check_mnist(result, arrays)
    assert result[0][0].flags.writeable

    raw = tmp_path / "raw"
    raw.mkdir()
    write_mnist_idx(raw, arrays, compress=False)
    check_mnist(mnist.load_data(path=str(raw)), arrays)

    (raw / "t10k-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x03" + b"\x00" * 12)
    with pytest.raises(ValueError, match="magic 0x00000803, expected 0x00000801"):
        mnist.load_data(path=str(raw))
    (raw / "t10k-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x09abc")
    with pytest.raises(ValueError, match="holds 3 bytes"):
        mnist.load_data(path=str(raw))


def test_fashion_mnist_from_mirror(tmp_path, home, monkeypatch):
    arrays = make_mnist_npz(tmp_path / "unused.npz", n_train=5, n_test=3)
    folder = tmp_path / "mirror" / "fashion-mnist"
    folder.mkdir(parents=True)
    write_mnist_idx(folder, arrays)
    monkeypatch.setenv("CORNU_DATASETS_DIR", str(tmp_path / "mirror"))
    check_mnist(fashion_mnist.load_data(), arrays)


# --- text data sets -----------------------------------------------------------------------

SEQS = [[1, 2, 3], [4, 5], [6, 7, 8, 9, 10], [11], [2, 2, 2, 2]]


def test_imdb_processing(tmp_path, home):
    path = tmp_path / "imdb.npz"
    np.savez(path, x_train=ragged(SEQS), y_train=np.array([0, 1, 0, 1, 1]),
             x_test=ragged(SEQS[:3]), y_test=np.array([1, 0, 1]))
    (x_train, y_train), (x_test, y_test) = imdb.load_data(path=str(path), seed=0)
    assert x_train.shape == (5,) and x_train.dtype == object and y_train.dtype == np.int64
    order = np.arange(5)
    rng = np.random.RandomState(0)
    rng.shuffle(order)
    expected = [[1] + [w + 3 for w in SEQS[i]] for i in order]
    top = max(max(s) for s in expected)  # as in Keras, the largest index becomes out of vocabulary
    assert x_train.tolist() == [[w if w < top else 2 for w in s] for s in expected]

    (x_train, _), (x_test, _) = imdb.load_data(path=str(path), num_words=7, maxlen=5,
                                               index_from=0, start_char=None, oov_char=None)
    assert all(len(s) < 5 and all(w < 7 for w in s) for s in list(x_train) + list(x_test))

    with pytest.raises(ValueError, match="maxlen=1"):
        imdb.load_data(path=str(path), maxlen=1)
    with pytest.raises(TypeError, match="bogus"):
        imdb.load_data(path=str(path), bogus=1)
    with pytest.raises(ValueError, match="num_words"):
        imdb.load_data(path=str(path), num_words=-5)


def test_text_loaders_match_keras(tmp_path, home, monkeypatch):
    pytest.importorskip("keras")
    from keras.src.datasets import imdb as keras_imdb
    from keras.src.datasets import reuters as keras_reuters

    np.savez(tmp_path / "imdb.npz", x_train=ragged(SEQS), y_train=np.arange(5),
             x_test=ragged(SEQS[::-1]), y_test=np.arange(5))
    np.savez(tmp_path / "reuters.npz", x=ragged(SEQS * 3), y=np.arange(15))
    monkeypatch.setattr(keras_imdb, "get_file", lambda *a, **k: str(tmp_path / "imdb.npz"))
    monkeypatch.setattr(keras_reuters, "get_file", lambda *a, **k: str(tmp_path / "reuters.npz"))
    options = [{}, {"num_words": 8, "skip_top": 4}, {"maxlen": 4, "seed": 7},
               {"oov_char": None, "num_words": 9, "start_char": None}]
    for kwargs in options:
        for ours, theirs, path in ((imdb, keras_imdb, "imdb.npz"),
                                   (reuters, keras_reuters, "reuters.npz")):
            got = ours.load_data(path=str(tmp_path / path), **kwargs)
            want = theirs.load_data(**kwargs)
            for (gx, gy), (wx, wy) in zip(got, want):
                assert [list(s) for s in gx] == [list(s) for s in wx]
                np.testing.assert_array_equal(gy, wy)
                assert gy.dtype == wy.dtype


def test_reuters_split_and_names(tmp_path, home):
    path = tmp_path / "reuters.npz"
    np.savez(path, x=ragged(SEQS * 2), y=np.arange(10))
    (x_train, y_train), (x_test, y_test) = reuters.load_data(path=str(path), test_split=0.3)
    assert len(x_train) == 7 and len(x_test) == 3 and y_train.dtype == np.int64
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(10))
    names = reuters.get_label_names()
    assert len(names) == 46 and names[3] == "earn"
    with pytest.raises(ValueError, match="test_split"):
        reuters.load_data(path=str(path), test_split=1.0)


def test_word_index_from_mirror(tmp_path, home, monkeypatch):
    (tmp_path / "imdb").mkdir()
    (tmp_path / "imdb" / "imdb_word_index.json").write_text('{"the": 1, "and": 2}')
    monkeypatch.setenv("CORNU_DATASETS_DIR", str(tmp_path))
    assert imdb.get_word_index() == {"the": 1, "and": 2}


# --- restricted unpickler -----------------------------------------------------------------

class Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_malicious_npz_is_refused_without_running_it(tmp_path, home):
    marker = tmp_path / "pwned"
    path = tmp_path / "imdb.npz"
    np.savez(path, x_train=ragged([Exploit(marker)]), y_train=np.zeros(1),
             x_test=ragged([[1]]), y_test=np.zeros(1))
    with pytest.raises(pickle.UnpicklingError, match="Refusing to load `(posix|os|nt).system`"):
        load_npz(path)
    with pytest.raises(pickle.UnpicklingError):
        imdb.load_data(path=str(path))
    assert not marker.exists()


def test_restricted_unpickler_reads_plain_object_arrays(tmp_path):
    path = tmp_path / "ok.npz"
    np.savez(path, x=ragged([[1, 2], [3]]), y=np.arange(2))
    arrays = load_npz(path)
    assert arrays["x"].tolist() == [[1, 2], [3]] and arrays["y"].tolist() == [0, 1]


# --- CIFAR archives -----------------------------------------------------------------------

def cifar_archive(path, inner, batches):
    with tarfile.open(path, "w:gz") as tar:
        for name, batch in batches.items():
            data = pickle.dumps(batch, protocol=3)
            info = tarfile.TarInfo(f"{inner}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def cifar_batch(n, **labels):
    batch = {b"data": RNG.integers(0, 256, (n, 3072), dtype=np.uint8)}
    batch.update({k.encode(): v for k, v in labels.items()})
    return batch


def test_cifar10_download_and_extract(server, home, monkeypatch):
    batches = {f"data_batch_{i}": cifar_batch(2, labels=[i, 9 - i]) for i in range(1, 6)}
    batches["test_batch"] = cifar_batch(3, labels=[0, 1, 2])
    archive = server.folder / "cifar-10-python.tar.gz"
    cifar_archive(archive, "cifar-10-batches-py", batches)
    monkeypatch.setattr(cifar10, "ORIGIN", server.url + "cifar-10-python.tar.gz")
    monkeypatch.setattr(cifar10, "FILE_HASH", sha256_of(archive))
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (10, 1) and y_train.dtype == np.uint8
    assert x_test.shape == (3, 32, 32, 3) and y_test.tolist() == [[0], [1], [2]]
    first = batches["data_batch_1"][b"data"][0].reshape(3, 32, 32).transpose(1, 2, 0)
    np.testing.assert_array_equal(x_train[0], first)
    assert (home / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py").is_dir()


def test_cifar100_from_mirror_archive(tmp_path, home, monkeypatch):
    mirror = tmp_path / "mirror"
    (mirror / "cifar100").mkdir(parents=True)
    batches = {"train": cifar_batch(4, fine_labels=[1, 2, 3, 99], coarse_labels=[0, 1, 2, 19]),
               "test": cifar_batch(2, fine_labels=[5, 6], coarse_labels=[3, 4])}
    cifar_archive(mirror / "cifar100" / "cifar-100-python.tar.gz", "cifar-100-python", batches)
    monkeypatch.setenv("CORNU_DATASETS_DIR", str(mirror))
    (x_train, y_train), (x_test, y_test) = cifar100.load_data(label_mode="coarse")
    assert x_train.shape == (4, 32, 32, 3) and y_train.tolist() == [[0], [1], [2], [19]]
    assert y_test.dtype == np.int64 and y_test.shape == (2, 1)
    assert cifar100.load_data()[0][1].ravel().tolist() == [1, 2, 3, 99]
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data(label_mode="medium")


# --- california housing -------------------------------------------------------------------

def test_california_housing_versions(tmp_path, home):
    path = tmp_path / "california_housing.npz"
    np.savez(path, x=RNG.random((1000, 8), dtype=np.float32), y=RNG.random(1000, dtype=np.float32))
    (x_train, _), (x_test, y_test) = california_housing.load_data(path=str(path))
    assert x_train.shape == (800, 8) and x_test.shape == (200, 8) and y_test.shape == (200,)
    (x_train, _), (x_test, _) = california_housing.load_data(version="small", path=str(path))
    assert x_train.shape == (480, 8) and x_test.shape == (120, 8)
    with pytest.raises(ValueError, match="version"):
        california_housing.load_data(version="medium", path=str(path))
