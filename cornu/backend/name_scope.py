"""Keras's `keras.name_scope`: a sub-namespace for variable paths.

The scope is the same one layers push while they build (`cornu/layers/layer.py`), so weights
created inside `with keras.name_scope("outer"):` get paths such as `outer/dense/kernel`, and
a standalone `keras.Variable(..., name="v")` gets `outer/v`. Layer names do not change.
"""

import sys


def _context():
    from cornu.layers import layer
    return layer._ctx


def current_path():
    """The current scope as a `/`-joined path (`""` outside any scope)."""
    layer = sys.modules.get("cornu.layers.layer")  # no scope can be open before it loads
    return "/".join(getattr(layer._ctx, "scope", ())) if layer is not None else ""


class name_scope:
    """Creates a sub-namespace for variable paths.

    Args:
        name: Name of the current scope (string).
        caller: Optional ID of a caller object (e.g. class instance).
        deduplicate: If `True`, if `caller` was passed,
            and the previous caller matches the current caller,
            and the previous name matches the current name,
            do not reenter a new namespace.
        override_parent: Can be used to provide an absolute path
            which would override any previously opened name scopes.
    """

    def __init__(self, name, caller=None, deduplicate=True, override_parent=None):
        if not isinstance(name, str) or "/" in name:
            raise ValueError("Argument `name` must be a string and cannot contain character "
                             f"`/`. Received: name={name}")
        self.name = name
        self.caller = caller
        self.deduplicate = deduplicate
        self.override_parent = override_parent
        if (override_parent is None and deduplicate
                and getattr(caller, "_parent_path", None) is not None):
            self.override_parent = caller._parent_path
        self._saved = None

    def __enter__(self):
        ctx = _context()
        scope = getattr(ctx, "scope", ())
        caller = getattr(ctx, "scope_caller", None)
        self._saved = (scope, caller)
        if (self.deduplicate and self.caller is not None and self.caller is caller
                and scope and scope[-1] == self.name):
            return self
        if self.override_parent is not None:
            scope = tuple(p for p in self.override_parent.split("/") if p)
        ctx.scope = scope + (self.name,)
        ctx.scope_caller = self.caller
        return self

    def __exit__(self, *exc):
        ctx = _context()
        ctx.scope, ctx.scope_caller = self._saved
