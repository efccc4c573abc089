"""Whether deserialization may run Python bytecode found in a file (off by default)."""

import contextlib
import threading

_state = threading.local()


def in_safe_mode():
    """True unless inside `safe_mode_scope(False)` (the default is safe)."""
    return getattr(_state, "safe_mode", True)


@contextlib.contextmanager
def safe_mode_scope(safe_mode=True):
    previous = in_safe_mode()
    _state.safe_mode = bool(safe_mode) if safe_mode is not None else previous
    try:
        yield
    finally:
        _state.safe_mode = previous
