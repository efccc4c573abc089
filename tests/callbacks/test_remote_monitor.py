"""`RemoteMonitor` against a local HTTP server: one POST per epoch carrying the epoch's logs
(compared with `fit`'s History), as a form field or as JSON, with custom headers."""

import http.server
import json
import socket
import threading
import urllib.parse

import numpy as np
import pytest

import cornu


@pytest.fixture
def server():
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8")
            received.append((self.path, dict(self.headers), body))
            status = 500 if self.path.startswith("/fail") else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    httpd.shutdown()
    httpd.server_close()


def _fit(callback, epochs=2):
    rng = np.random.default_rng(0)
    x, y = rng.random((32, 4), dtype="float32"), rng.random((32, 1), dtype="float32")
    model = cornu.Sequential([cornu.Input((4,)), cornu.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model.fit(x, y, epochs=epochs, batch_size=8, validation_split=0.25, verbose=0,
                     callbacks=[callback])


def _expected(history, epoch):
    return {"epoch": epoch, **{k: v[epoch] for k, v in history.history.items()}}


def test_posts_form_field_per_epoch(server):
    root, received = server
    history = _fit(cornu.callbacks.RemoteMonitor(root=root, headers={"X-Run": "a1"}))
    assert len(received) == 2
    for epoch, (path, headers, body) in enumerate(received):
        assert path == "/publish/epoch/end/"
        assert headers["Content-Type"] == "application/x-www-form-urlencoded"
        assert headers["X-Run"] == "a1"
        form = urllib.parse.parse_qs(body)
        assert list(form) == ["data"]
        payload = json.loads(form["data"][0])
        assert payload.keys() == _expected(history, epoch).keys()
        for key, value in _expected(history, epoch).items():
            assert payload[key] == pytest.approx(value, rel=1e-6)


def test_posts_json_to_custom_path_and_field(server):
    root, received = server
    history = _fit(cornu.callbacks.RemoteMonitor(root=root, path="/events", field="ignored",
                                                 send_as_json=True), epochs=1)
    (path, headers, body), = received
    assert path == "/events" and headers["Content-Type"] == "application/json"
    payload = json.loads(body)
    for key, value in _expected(history, 0).items():
        assert payload[key] == pytest.approx(value, rel=1e-6)


def test_numpy_and_torch_values_are_sent_as_numbers(server):
    import torch

    root, received = server
    monitor = cornu.callbacks.RemoteMonitor(root=root, send_as_json=True)
    monitor.on_epoch_end(3, {"a": np.float32(0.5), "b": np.array(2), "c": torch.tensor(1.5),
                             "d": 7})
    assert json.loads(received[0][2]) == {"epoch": 3, "a": 0.5, "b": 2, "c": 1.5, "d": 7}


def test_unreachable_server_warns_and_error_status_does_not(server):
    root, received = server
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monitor = cornu.callbacks.RemoteMonitor(root=f"http://127.0.0.1:{port}", timeout=5)
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor root server"):
        monitor.on_epoch_end(0, {"loss": 1.0})
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cornu.callbacks.RemoteMonitor(root=root, path="/fail").on_epoch_end(0, {"loss": 1.0})
    assert received[0][0] == "/fail"


def test_defaults_match_keras():
    import inspect

    import keras
    ours = inspect.signature(cornu.callbacks.RemoteMonitor).parameters
    theirs = inspect.signature(keras.callbacks.RemoteMonitor).parameters
    for name, param in theirs.items():
        assert ours[name].default == param.default
