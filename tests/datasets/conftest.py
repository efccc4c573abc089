import pytest

from dataset_helpers import LocalServer


@pytest.fixture
def server(tmp_path):
    folder = tmp_path / "served"
    folder.mkdir()
    srv = LocalServer(folder)
    yield srv
    srv.stop()


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty cache root, and no mirror folder."""
    path = tmp_path / "home"
    monkeypatch.setenv("CORNU_HOME", str(path))
    monkeypatch.delenv("CORNU_DATASETS_DIR", raising=False)
    return path
