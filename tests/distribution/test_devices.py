"""`keras.distribution.list_devices` / `get_device_count` against what torch sees (Keras's
torch backend has no implementation; the naming follows its JAX one)."""

import pytest
import torch

import cornu


def test_devices_match_torch():
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    assert cornu.distribution.list_devices("cpu") == ["cpu:0"]
    assert cornu.distribution.get_device_count("CPU") == 1
    default = cornu.distribution.list_devices()
    if gpus:
        assert default == [f"gpu:{i}" for i in range(gpus)] == \
            cornu.distribution.list_devices("gpu")
        assert cornu.distribution.get_device_count() == gpus
    else:
        assert default == ["cpu:0"] and cornu.distribution.get_device_count() == 1
        with pytest.raises(RuntimeError, match="No GPU device"):
            cornu.distribution.list_devices("gpu")
    with pytest.raises(RuntimeError, match="No TPU device"):
        cornu.distribution.get_device_count("tpu")
    with pytest.raises(ValueError, match="device_type"):
        cornu.distribution.list_devices("npu")
