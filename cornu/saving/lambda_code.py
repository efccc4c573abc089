"""Python functions stored as bytecode (Keras's `__lambda__` format: base64 of `marshal`).

Loading runs code from the file, so it is only ever called outside safe mode.
"""

import base64
import binascii
import marshal
import types


def dump(func):
    """Returns `(code, defaults, closure)` for `func`, as Keras stores a lambda."""
    code = base64.encodebytes(marshal.dumps(func.__code__)).decode("ascii")
    closure = tuple(c.cell_contents for c in func.__closure__) if func.__closure__ else None
    return code, func.__defaults__, closure


def _cell(value):
    return (lambda: value).__closure__[0]


def load(value, globs=None):
    """Rebuilds a function from `dump`'s output (unsafe: runs stored bytecode).

    Args:
        value: `(code, defaults, closure)` or just the code string.
        globs: globals for the function; cornu's ops and numpy by default.
    """
    defaults = closure = None
    if isinstance(value, (list, tuple)):
        if len(value) != 3:
            raise ValueError("A stored lambda must be `[code, defaults, closure]`.")
        value, defaults, closure = value
    if not isinstance(value, str):
        raise ValueError("A stored lambda's code must be a base64 string.")
    try:
        raw = base64.decodebytes(value.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError):
        raw = value.encode("raw_unicode_escape")
    try:
        code = marshal.loads(raw)
    except (ValueError, EOFError, TypeError) as e:
        raise ValueError(f"The stored lambda's bytecode cannot be read ({e}); it was probably "
                         "written by another Python version.") from e
    if not isinstance(code, types.CodeType):
        raise ValueError("The stored lambda's bytecode is not a code object.")
    if globs is None:
        import numpy

        import cornu
        from cornu import ops
        globs = {"keras": cornu, "ops": ops, "np": numpy, "numpy": numpy}
    cells = tuple(_cell(v) for v in closure) if closure else None
    return types.FunctionType(code, globs, name=code.co_name,
                              argdefs=tuple(defaults) if defaults else None, closure=cells)
