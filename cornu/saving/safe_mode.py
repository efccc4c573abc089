"""Whether deserialization may run Python bytecode found in a file (off by default)."""

import contextlib
import threading

_state = threading.local()
_GLOBAL = {"unsafe": False}


def enable_unsafe_deserialization():
    """Allows loading Python bytecode (e.g. `Lambda` functions) everywhere in this process."""
    _GLOBAL["unsafe"] = True


def scoped_safe_mode():
    """The safe mode set by an enclosing `safe_mode_scope`, or None outside any."""
    return getattr(_state, "safe_mode", None)


def in_safe_mode():
    """True unless inside `safe_mode_scope(False)` or unsafe deserialization was enabled."""
    scoped = scoped_safe_mode()
    return (not _GLOBAL["unsafe"]) if scoped is None else scoped


def effective_safe_mode(safe_mode=True):
    """The safe mode a deserialization runs in: an enclosing scope wins over the argument."""
    scoped = scoped_safe_mode()
    if scoped is not None:
        return scoped
    return bool(safe_mode) and not _GLOBAL["unsafe"]


@contextlib.contextmanager
def safe_mode_scope(safe_mode=True):
    """Sets the safe mode inside a `with` block (None keeps the current one).

    Args:
        safe_mode: refuse to deserialize Python bytecode.
    """
    previous = getattr(_state, "safe_mode", None)
    current = in_safe_mode() if safe_mode is None else bool(safe_mode)
    _state.safe_mode = current
    try:
        yield
    finally:
        if previous is None:
            del _state.safe_mode
        else:
            _state.safe_mode = previous
