import os
import sys

import torch

os.environ.setdefault("KERAS_BACKEND", "torch")
sys.path.insert(0, os.path.dirname(__file__))

# The tests use small tensors; one intra-op thread per test process avoids threads spinning
# against each other when pytest-xdist runs a worker per core.
torch.set_num_threads(1)
