"""Data-parallel training over `torch.distributed` (one process per device, launched by torchrun).

```python
import cornu as keras
keras.distribution.set_distribution(keras.distribution.DataParallel())
model.fit(x, y, batch_size=64)        # 64 = the global batch, split across processes
```

Run with `torchrun --nproc_per_node=N train.py` on one host, or on several hosts with
`torchrun --nnodes=H --node_rank=i --master_addr=HOST0 --master_port=29500 --nproc_per_node=N
train.py`. Every process builds the same model and reads the same arrays; `fit` starts from
rank 0's weights, gives each process its share of every global batch, averages gradients
weighted by shard size (so the update equals a single process's on the whole global batch),
all-reduces metrics at the end of each epoch, and prints only on rank 0.
"""

from cornu.distribution.data_parallel import (  # noqa: F401
    DataParallel,
    distribution,
    initialize,
    is_chief,
    set_distribution,
)
from cornu.distribution.devices import get_device_count, list_devices  # noqa: F401
