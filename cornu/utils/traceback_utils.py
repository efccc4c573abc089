"""Keras's `keras.config.enable_traceback_filtering` / `disable_traceback_filtering` /
`is_traceback_filtering_enabled`.

Keras shortens the tracebacks of errors raised inside its own frames. cornu raises its errors
with full tracebacks and filters nothing, so these functions only keep the flag (on by
default), for code that sets or reads it.
"""

_state = {"enabled": True}


def enable_traceback_filtering():
    """Turn on traceback filtering (a flag only: cornu does not filter tracebacks)."""
    _state["enabled"] = True


def disable_traceback_filtering():
    """Turn off traceback filtering (a flag only: cornu does not filter tracebacks)."""
    _state["enabled"] = False


def is_traceback_filtering_enabled():
    """Check if traceback filtering is enabled.

    Returns:
        Boolean, `True` if traceback filtering is enabled,
        and `False` otherwise.
    """
    return _state["enabled"]
