"""`RemoteMonitor`: POSTs each epoch's logs to a server as JSON."""

import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np
import torch

from cornu.callbacks.callback import Callback


def _plain(value):
    """A JSON-serializable value: NumPy and torch scalars become Python numbers."""
    if isinstance(value, (np.ndarray, np.generic)):
        return value.item()
    if isinstance(value, torch.Tensor):
        return value.item() if value.numel() == 1 else value.tolist()
    return value


class RemoteMonitor(Callback):
    """Callback used to stream events to a server.

    Events are sent to `root + '/publish/epoch/end/'` by default. Calls are
    HTTP POST, with a `data` argument which is a
    JSON-encoded dictionary of event data (`{"epoch": 0, "loss": ..., ...}`).
    If `send_as_json=True`, the content type of the request will be
    `"application/json"`.
    Otherwise the serialized JSON will be sent within a form.

    Keras sends through the `requests` library; cornu uses the standard library's
    `urllib`, so nothing extra is needed. A server that cannot be reached gives a warning,
    not an error, as in Keras.

    Args:
        root: String; root url of the target server.
        path: String; path relative to `root` to which the events will be sent.
        field: String; JSON field under which the data will be stored.
            The field is used only if the payload is sent within a form
            (i.e. when `send_as_json=False`).
        headers: Dictionary; optional custom HTTP headers.
        send_as_json: Boolean; whether the request should be
            sent as `"application/json"`.
        timeout: seconds to wait for the server (cornu's addition; Keras waits
            indefinitely).
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False, timeout=30):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json
        self.timeout = timeout

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            send[key] = _plain(value)
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            content_type = "application/json"
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
            content_type = "application/x-www-form-urlencoded"
        headers = {"Content-Type": content_type, **(self.headers or {})}
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError:
            pass  # the server answered (with an error status): as in Keras, no warning
        except (urllib.error.URLError, OSError, ValueError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}",
                          stacklevel=2)
