"""Keras's `keras.distribution.list_devices` and `get_device_count` on torch devices.

Devices are named as Keras names them (`"gpu:0"`, `"cpu:0"`). CUDA devices are `"gpu"`; the
host is one `"cpu"` device, as JAX (Keras's reference backend for these functions) counts it.
The devices are those this process sees, not those of other hosts.
"""

import torch

_TYPES = ("cpu", "gpu", "tpu")


def _resolve(device_type):
    if device_type is None:
        return "gpu" if torch.cuda.is_available() else "cpu"
    if not isinstance(device_type, str) or device_type.lower() not in _TYPES:
        raise ValueError(f"`device_type` must be one of {_TYPES} (or None). "
                         f"Received: device_type={device_type!r}")
    return device_type.lower()


def list_devices(device_type=None):
    """Return all the available devices based on the device type.

    When `device_type` is not provided, devices of the default type are
    returned. This function never returns a mix of device types, for instance
    GPUs and CPUs.

    Args:
        device_type: string, one of `"cpu"`, `"gpu"` or `"tpu"`. Defaults to
            `"gpu"` if available when `device_type` is not provided.
            Otherwise returns the `"cpu"` devices.

    Return:
        List of string, the devices that are available for distributed
        computation. Each device is formatted as "device_type:id", for instance
        "gpu:1" or "cpu:0".
    """
    device_type = _resolve(device_type)
    if device_type == "cpu":
        return ["cpu:0"]
    if device_type == "gpu" and torch.cuda.is_available():
        return [f"gpu:{i}" for i in range(torch.cuda.device_count())]
    raise RuntimeError(f"No {device_type.upper()} device is available to this process.")


def get_device_count(device_type=None):
    """Returns the number of available devices based on the device type.

    When `device_type` is not provided, the count of devices of the default type
    is returned. This function never counts a mix of device types, for instance
    GPUs and CPUs.

    Args:
        device_type: string, one of `"cpu"`, `"gpu"` or `"tpu"`. Defaults to
            `"gpu"` if available when `device_type` is not provided.
            Otherwise returns the `"cpu"` devices.

    Returns:
        int: The total number of devices for the specified type.
    """
    return len(list_devices(device_type))
