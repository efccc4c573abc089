import functools
import hashlib
import http.server
import io
import os
import socket
import tarfile
import threading
import zipfile

import pytest

from cornu.utils.file_utils import (DownloadError, cornu_home, extract_archive, get_file,
                                    hash_file, validate_file)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class LocalServer:
    """Serves a folder over HTTP on 127.0.0.1 from a background thread."""

    def __init__(self, folder):
        handler = functools.partial(QuietHandler, directory=str(folder))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.timeout = 5
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def stop(self):
        if self.thread.is_alive():
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join(timeout=5)


@pytest.fixture
def server(tmp_path):
    folder = tmp_path / "served"
    folder.mkdir()
    srv = LocalServer(folder)
    srv.folder = folder
    yield srv
    srv.stop()


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


def closed_port_url(name):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def test_download_is_cached_and_verified(server, cache, capsys):
    data = os.urandom(5000)
    (server.folder / "data.bin").write_bytes(data)
    path = get_file("data.bin", origin=server.url + "data.bin", file_hash=sha256(data),
                    cache_dir=cache)
    assert path == str(cache / "datasets" / "data.bin")
    assert open(path, "rb").read() == data
    assert os.listdir(cache / "datasets") == ["data.bin"]  # no partial file left
    assert "Downloading data from" in capsys.readouterr().out
    server.stop()  # now offline: the verified cached copy is used
    assert get_file("data.bin", origin=server.url + "data.bin", file_hash=sha256(data),
                    cache_dir=cache) == path


def test_md5_hash_and_fname_from_origin(server, cache):
    data = b"hello md5"
    (server.folder / "note.txt").write_bytes(data)
    path = get_file(origin=server.url + "note.txt", md5_hash=hashlib.md5(data).hexdigest(),
                    cache_dir=cache, cache_subdir="sub")
    assert path == str(cache / "sub" / "note.txt")
    assert validate_file(path, hashlib.md5(data).hexdigest())
    assert hash_file(path) == sha256(data)


def test_corrupted_download_raises_and_leaves_nothing(server, cache):
    (server.folder / "data.bin").write_bytes(b"corrupted bytes")
    expected = sha256(b"the real bytes")
    with pytest.raises(ValueError) as info:
        get_file("data.bin", origin=server.url + "data.bin", file_hash=expected, cache_dir=cache)
    message = str(info.value)
    assert "data.bin" in message and expected in message
    assert sha256(b"corrupted bytes") in message
    assert os.listdir(cache / "datasets") == []


def test_stale_cached_file_is_downloaded_again(server, cache):
    data = b"fresh"
    (server.folder / "f.txt").write_bytes(data)
    (cache / "datasets").mkdir(parents=True)
    (cache / "datasets" / "f.txt").write_bytes(b"stale")
    path = get_file("f.txt", origin=server.url + "f.txt", file_hash=sha256(data), cache_dir=cache)
    assert open(path, "rb").read() == data


def test_force_download(server, cache):
    (server.folder / "f.txt").write_bytes(b"v1")
    get_file("f.txt", origin=server.url + "f.txt", cache_dir=cache)
    (server.folder / "f.txt").write_bytes(b"v2")
    assert open(get_file("f.txt", origin=server.url + "f.txt", cache_dir=cache), "rb").read() == b"v1"
    path = get_file("f.txt", origin=server.url + "f.txt", cache_dir=cache, force_download=True)
    assert open(path, "rb").read() == b"v2"


def test_offline_and_not_cached(cache):
    url = closed_port_url("data.bin")
    with pytest.raises(DownloadError) as info:
        get_file("data.bin", origin=url, cache_dir=cache)
    message = str(info.value)
    assert url in message and str(cache / "datasets" / "data.bin") in message
    assert "offline" in message
    assert os.listdir(cache / "datasets") == []


def test_http_error(server, cache):
    with pytest.raises(DownloadError, match="404"):
        get_file("missing.bin", origin=server.url + "missing.bin", cache_dir=cache)
    assert os.listdir(cache / "datasets") == []


def test_cornu_home_env(monkeypatch, tmp_path, server):
    monkeypatch.setenv("CORNU_HOME", str(tmp_path / "home"))
    assert cornu_home() == str(tmp_path / "home")
    (server.folder / "a.txt").write_bytes(b"a")
    assert get_file("a.txt", origin=server.url + "a.txt") == str(tmp_path / "home" / "datasets" / "a.txt")
    monkeypatch.delenv("CORNU_HOME")
    assert cornu_home() == os.path.expanduser(os.path.join("~", ".cornu"))


def make_tar(path, members, mode="w:gz"):
    with tarfile.open(path, mode) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def make_zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_tar_extraction(server, cache):
    make_tar(server.folder / "pack.tar.gz", {"pack/a.txt": b"A", "pack/sub/b.txt": b"B"})
    path = get_file("pack", origin=server.url + "pack.tar.gz", extract=True, cache_dir=cache)
    assert path == str(cache / "datasets" / "pack")
    assert open(os.path.join(path, "pack", "sub", "b.txt"), "rb").read() == b"B"
    assert os.path.isfile(cache / "datasets" / "pack_archive")


def test_zip_extraction_with_dotted_fname(server, cache):
    make_zip(server.folder / "z.zip", {"z/a.txt": b"A"})
    path = get_file("z.zip", origin=server.url + "z.zip", extract=True, cache_dir=cache)
    assert path == str(cache / "datasets" / "z_extracted")
    assert open(os.path.join(path, "z", "a.txt"), "rb").read() == b"A"


def test_untar(server, cache):
    make_tar(server.folder / "t.tar", {"x.txt": b"X"}, mode="w")
    path = get_file("t", origin=server.url + "t.tar", untar=True, cache_dir=cache)
    assert os.listdir(path) == ["x.txt"]


@pytest.mark.parametrize("name", ["../evil.txt", "/tmp/cornu-evil-absolute.txt", "a/../../evil.txt"])
def test_path_traversal_is_refused(tmp_path, name):
    archive, target = tmp_path / "bad.tar", tmp_path / "out" / "x"
    make_tar(archive, {"ok.txt": b"ok", name: b"evil"}, mode="w")
    with pytest.raises(ValueError, match="Refusing to extract"):
        extract_archive(archive, target)
    zipped = tmp_path / "bad.zip"
    make_zip(zipped, {"ok.txt": b"ok", name: b"evil"})
    with pytest.raises(ValueError, match="Refusing to extract"):
        extract_archive(zipped, target)
    assert not os.path.exists(target)
    assert not os.path.exists(tmp_path / "out" / "evil.txt")
    assert not os.path.exists(tmp_path / "evil.txt")
    assert os.listdir(tmp_path / "out") == []  # no staging folder left


def test_link_outside_is_refused(tmp_path):
    archive = tmp_path / "link.tar"
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo("link")
        info.type, info.linkname = tarfile.SYMTYPE, "../../etc/passwd"
        tar.addfile(info)
    with pytest.raises(ValueError, match="link"):
        extract_archive(archive, tmp_path / "out")


def test_extract_archive_formats(tmp_path):
    make_zip(tmp_path / "a.zip", {"f.txt": b"F"})
    assert extract_archive(tmp_path / "a.zip", tmp_path / "o", archive_format="tar") is False
    assert extract_archive(tmp_path / "a.zip", tmp_path / "o", archive_format=None) is False
    assert extract_archive(tmp_path / "a.zip", tmp_path / "o") is True
    with pytest.raises(ValueError, match="archive_format"):
        extract_archive(tmp_path / "a.zip", tmp_path / "o", archive_format="rar")


def test_argument_errors(cache):
    with pytest.raises(ValueError, match="origin"):
        get_file("x")
    with pytest.raises(ValueError, match="fname"):
        get_file(os.path.join("a", "b"), origin="http://127.0.0.1/b", cache_dir=cache)
    with pytest.raises(ValueError, match="hash_algorithm"):
        get_file("b", origin="http://127.0.0.1/b", hash_algorithm="sha1", cache_dir=cache)
