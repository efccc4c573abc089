"""Global settings: float type, fuzz factor, image layout, default device, debug limits."""

import contextlib
import os

import torch

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_DEVICE = None  # None: CUDA when available, else CPU


def _int_from_env(*names):
    for name in names:
        if os.environ.get(name):
            return int(os.environ[name])
    return None


# Caps for quick debugging runs of whole scripts (None: no cap), as in Keras.
_MAX_EPOCHS = _int_from_env("CORNU_MAX_EPOCHS", "KERAS_MAX_EPOCHS")
_MAX_STEPS_PER_EPOCH = _int_from_env("CORNU_MAX_STEPS_PER_EPOCH", "KERAS_MAX_STEPS_PER_EPOCH")

_VALID_FLOATX = ("float16", "bfloat16", "float32", "float64")


def floatx():
    """Returns the default float type as a string, e.g. `"float32"`."""
    return _FLOATX


def set_floatx(value):
    """Sets the default float type (`"float16"`, `"bfloat16"`, `"float32"` or `"float64"`)."""
    global _FLOATX
    if value not in _VALID_FLOATX:
        raise ValueError(f"Unknown `floatx` value: {value!r}. Expected one of {_VALID_FLOATX}.")
    _FLOATX = str(value)


def epsilon():
    """Returns the fuzz factor used in numeric expressions (1e-7 by default)."""
    return _EPSILON


def set_epsilon(value):
    """Sets the fuzz factor used in numeric expressions."""
    global _EPSILON
    _EPSILON = float(value)


def image_data_format():
    """Returns `"channels_last"` or `"channels_first"`."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    """Sets the default image layout: `"channels_last"` or `"channels_first"`."""
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            "`data_format` must be 'channels_last' or 'channels_first'. "
            f"Received: {data_format!r}")
    _IMAGE_DATA_FORMAT = data_format


def standardize_data_format(data_format):
    """Returns `data_format`, or the global default when it is None, after checking it."""
    if data_format is None:
        return image_data_format()
    data_format = str(data_format).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            "`data_format` must be 'channels_last' or 'channels_first'. "
            f"Received: {data_format!r}")
    return data_format


def device():
    """The torch device new models use: the configured one, else CUDA when present, else CPU."""
    if _DEVICE is not None:
        return torch.device(_DEVICE)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@contextlib.contextmanager
def device_scope(name):
    """Within the block, new models and weights go on `name` (`keras.device("cpu")`).

    Args:
        name: a torch device name, such as "cpu" or "cuda:1".
    """
    global _DEVICE
    previous, _DEVICE = _DEVICE, str(torch.device(name))
    try:
        yield
    finally:
        _DEVICE = previous


def set_device(name):
    """Sets the device new models are placed on (`"cpu"`, `"cuda"`, `"cuda:1"`, or None for auto)."""
    global _DEVICE
    _DEVICE = None if name is None else str(torch.device(name))


def backend():
    """The name of the backend: always `"torch"`."""
    return "torch"


def set_backend(backend):
    """Keras's backend switch. cornu runs on PyTorch only, so `"torch"` is
    accepted (nothing to reload) and any other backend is refused.

    Args:
        backend: the backend's name.
    """
    if backend != "torch":
        raise ValueError(
            f"cornu runs on PyTorch only: `set_backend` accepts 'torch'. "
            f"Received: backend={backend!r}")


def is_nnx_enabled():
    """Whether Flax NNX features are on (a JAX-backend switch): always False."""
    return False


def max_epochs():
    """The cap on `fit`'s epochs set by `set_max_epochs` (or `CORNU_MAX_EPOCHS` /
    `KERAS_MAX_EPOCHS`), or None."""
    return _MAX_EPOCHS


def set_max_epochs(max_epochs):
    """Caps the epochs of every `fit` (a debugging aid; None removes the cap).

    Args:
        max_epochs: an int, or None.
    """
    global _MAX_EPOCHS
    _MAX_EPOCHS = None if max_epochs is None else int(max_epochs)


def max_steps_per_epoch():
    """The cap on steps per epoch set by `set_max_steps_per_epoch` (or the environment
    variables `CORNU_MAX_STEPS_PER_EPOCH` / `KERAS_MAX_STEPS_PER_EPOCH`), or None."""
    return _MAX_STEPS_PER_EPOCH


def set_max_steps_per_epoch(max_steps_per_epoch):
    """Caps the steps of every epoch of `fit`, `evaluate` and `predict` (None removes it).

    Args:
        max_steps_per_epoch: an int, or None.
    """
    global _MAX_STEPS_PER_EPOCH
    _MAX_STEPS_PER_EPOCH = None if max_steps_per_epoch is None else int(max_steps_per_epoch)
