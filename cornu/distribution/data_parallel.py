"""`DataParallel`: process group set-up, batch sharding, gradient and metric all-reduce."""

import atexit
import os

import torch
import torch.distributed as dist

_distribution = None


def initialize(backend=None):
    """Joins the process group described by torchrun's environment (once).

    Args:
        backend: "gloo" or "nccl"; by default nccl when CUDA is available, else gloo.
    """
    if dist.is_available() and dist.is_initialized():
        return
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        raise RuntimeError(
            "DataParallel needs a torch.distributed launch: run the script with `torchrun "
            "--nproc_per_node=N script.py` (RANK / WORLD_SIZE / MASTER_ADDR are not set).")
    if backend is None:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        per_host = int(os.environ.get("LOCAL_WORLD_SIZE", 1))
        if torch.cuda.device_count() < per_host:
            raise ValueError(
                f"DataParallel with backend='nccl' needs one GPU per process: this host runs "
                f"{per_host} processes but has {torch.cuda.device_count()} GPU(s). Launch at "
                "most one process per GPU, or pass backend='gloo' to train on the CPU.")
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
    dist.init_process_group(backend=backend)
    # Tearing the group down before exit keeps its threads from being killed mid-flight
    # (which aborts the process with "terminate called without an active exception").
    atexit.register(_shutdown)


def _shutdown():
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


class DataParallel:
    """Replicates the model on every process and splits each batch between them.

    Args:
        backend: process-group backend ("gloo" on CPU, "nccl" on GPUs); chosen automatically.
    """

    def __init__(self, backend=None, devices=None):
        initialize(backend)
        self.rank = dist.get_rank()
        self.world_size = dist.get_world_size()
        self.device = (torch.device("cuda", torch.cuda.current_device())
                       if dist.get_backend() == "nccl" else torch.device("cpu"))

    # ---------------------------------------------------------------- what the trainer calls

    def broadcast_weights(self, model):
        """Makes every process start from rank 0's weights."""
        with torch.no_grad():
            for w in model.weights:
                dist.broadcast(w.data, src=0)

    def shared_seed(self):
        """A seed drawn on rank 0 and known to every process (for identical shuffles)."""
        seed = torch.randint(0, 2 ** 31 - 1, (1,), dtype=torch.int64)
        dist.broadcast(seed, src=0)
        return int(seed.item())

    def shard(self, index):
        """This process's part of a global batch's sample indices (contiguous chunks)."""
        return torch.tensor_split(index, self.world_size)[self.rank]

    def all_reduce_gradients(self, variables, local_count):
        """Replaces each `.grad` by the sample-weighted mean of all processes' gradients."""
        grads = [v.grad for v in variables if v.grad is not None]
        if not grads:
            return
        flat = torch.cat([g.reshape(-1) for g in grads])
        count = torch.tensor([float(local_count)], dtype=flat.dtype, device=flat.device)
        buffer = torch.cat([flat * local_count, count])
        dist.all_reduce(buffer)
        total = buffer[-1]
        offset = 0
        for g in grads:
            n = g.numel()
            g.copy_((buffer[offset:offset + n] / total).view_as(g))
            offset += n

    def all_reduce_states(self, tensors):
        """Sums metric state tensors over processes, in place."""
        for t in tensors:
            dist.all_reduce(t)


def set_distribution(value):
    """Sets the distribution `fit` / `evaluate` use (None: single process)."""
    global _distribution
    if value is not None and not isinstance(value, DataParallel):
        raise ValueError(f"`set_distribution` expects a DataParallel or None. Received: {value!r}")
    _distribution = value


def distribution():
    """The active distribution, or None."""
    return _distribution


def is_chief():
    """True on the process that prints and writes files (rank 0, or when not distributed)."""
    return _distribution is None or _distribution.rank == 0
