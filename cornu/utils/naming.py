"""Process-wide unique names (`dense`, `dense_1`, ...) and case conversion, as Keras does."""

import collections
import re
import threading

_counts = collections.defaultdict(int)
_lock = threading.Lock()


def to_snake_case(name):
    """`"MyDense2D"` -> `"my_dense2d"`; used for default layer names."""
    intermediate = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    if insecure[0] != "_":
        return insecure
    return "private" + insecure


def uniquify(base):
    """Returns `base` the first time, then `base_1`, `base_2`, ... ."""
    with _lock:
        count = _counts[base]
        _counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


def auto_name(obj_or_class_name):
    """A unique snake_case name for a class name (e.g. `"Dense"` -> `"dense_3"`)."""
    return uniquify(to_snake_case(obj_or_class_name))


def display_class_name(layer):
    """The class name Keras shows for a layer, or for an operation node (`Add` for `x + y`)."""
    return getattr(layer, "operation_class_name", None) or type(layer).__name__


def reset_uids():
    """Forgets every name handed out so far (used by `clear_session`)."""
    with _lock:
        _counts.clear()


def get_uid(prefix=""):
    """Associates a string prefix with an integer counter (shared with the layer names
    `uniquify` hands out, as in Keras).

    Args:
        prefix: String prefix to index.

    Returns:
        Unique integer ID: 1 on the first call for `prefix`, then 2, ...
    """
    with _lock:
        _counts[prefix] += 1
        return _counts[prefix]
