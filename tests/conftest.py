import os
import sys

import torch

os.environ.setdefault("KERAS_BACKEND", "torch")
# The suite compares cornu with Keras and with torch on one device: the CPU unless
# CORNU_TEST_DEVICE says otherwise. tests/gpu/ exercises CUDA explicitly when present.
_DEVICE = os.environ.get("CORNU_TEST_DEVICE", "cpu")
os.environ.setdefault("KERAS_TORCH_DEVICE", _DEVICE)
sys.path.insert(0, os.path.dirname(__file__))

import cornu  # noqa: E402

cornu.config.set_device(_DEVICE)

# The tests use small tensors; one intra-op thread per test process avoids threads spinning
# against each other when pytest-xdist runs a worker per core.
torch.set_num_threads(1)
