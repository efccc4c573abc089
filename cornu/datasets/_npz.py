"""Safe reading of `.npz` files whose object arrays are stored as pickles.

`imdb.npz` and `reuters.npz` hold arrays of Python lists, which NumPy writes
as a pickle. `np.load(allow_pickle=True)` would run any code such a pickle
names. `RestrictedUnpickler` only rebuilds NumPy arrays (and the lists, ints
and strings pickle encodes without naming any callable); any other global is
refused before it is looked up, so nothing from the file is executed.
"""

import io
import pickle
import zipfile

import numpy as np

_ALLOWED_GLOBALS = frozenset({
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
})


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that only rebuilds NumPy arrays, lists and plain values.

    Args:
        file: binary file object to read the pickle from.
        **kwargs: passed to `pickle.Unpickler` (e.g. `encoding="bytes"`).
    """

    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(
            f"Refusing to load `{module}.{name}` from a data set file: only NumPy arrays, "
            "lists and numbers are allowed. The file may be corrupted or malicious.")

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("Refusing a persistent id in a data set file.")


def restricted_load(file, **kwargs):
    """Unpickles `file` with `RestrictedUnpickler`.

    Args:
        file: binary file object.
        **kwargs: passed to the unpickler (e.g. `encoding="bytes"`).
    """
    return RestrictedUnpickler(file, **kwargs).load()


def _read_npy(buffer, member):
    version = np.lib.format.read_magic(buffer)
    if version == (1, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(buffer)
    elif version in ((2, 0), (3, 0)):
        shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(buffer)
    else:
        raise ValueError(f"Unsupported .npy version {version} for member {member!r}.")
    if not dtype.hasobject:
        buffer.seek(0)
        return np.lib.format.read_array(buffer, allow_pickle=False)
    array = restricted_load(buffer)
    if not isinstance(array, np.ndarray) or array.shape != tuple(shape):
        raise ValueError(f"Member {member!r} does not hold an array of shape {tuple(shape)}.")
    return array


def load_npz(path):
    """Reads every array of an `.npz` file, object arrays through `RestrictedUnpickler`.

    Args:
        path: path of the `.npz` file.

    Returns:
        A dict mapping each array's name to the array.
    """
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                with archive.open(member) as raw:
                    buffer = io.BytesIO(raw.read())
                arrays[member[:-4]] = _read_npy(buffer, member)
    return arrays
