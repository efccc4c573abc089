"""Logs without needless waits: running means kept on the device, read only on demand."""

import torch


class MeanTracker:
    """A running weighted mean kept on the device (the "loss" entry of the logs).

    Args:
        name: the log name.
    """

    def __init__(self, name):
        self.name = name
        self.reset_state()

    def reset_state(self):
        self._total = None
        self._count = 0

    @property
    def has_data(self):
        return self._count > 0

    def update(self, value, weight=1):
        value = value.detach()
        if self._total is None:
            self._total = value.to(torch.float32) * weight
        else:
            self._total = self._total + value * weight
        self._count += weight

    def update_state(self, values, sample_weight=None):
        """Keras's metric form (`self.metrics` in a custom `train_step` include this tracker):
        adds `values`, each weighted by `sample_weight` (default 1)."""
        values = torch.as_tensor(values).detach().to(torch.float32)
        if sample_weight is None:
            self.update(values.mean(), values.numel())
            return
        weight = torch.as_tensor(sample_weight, dtype=torch.float32, device=values.device)
        if weight.numel() == 1 and values.numel() == 1:
            self.update(values.reshape(()), float(weight))
            return
        weight = torch.broadcast_to(weight, values.shape)
        count = float(weight.sum())
        if count:
            self.update((values * weight).sum() / count, count)

    def result(self):
        if self._total is None:
            return torch.tensor(0.0)
        return self._total / self._count


def materialize(logs):
    """A dict of Python floats from a dict of scalars (tensors read in one transfer)."""
    keys = list(logs)
    tensors = [(k, logs[k]) for k in keys if isinstance(logs[k], torch.Tensor)]
    out = {k: v for k, v in logs.items() if not isinstance(v, torch.Tensor)}
    if tensors:
        stacked = torch.stack([v.detach().reshape(()).to(torch.float32).cpu() if v.numel() == 1
                               else v.detach().float().mean().cpu() for _, v in tensors])
        out.update(zip([k for k, _ in tensors], stacked.tolist()))
    return {k: out[k] for k in keys}


class LazyLogs(dict):
    """A dict of batch logs computed (and copied from the device) only when first read.

    Args:
        compute: function returning the logs as scalars.
        arg: argument passed to `compute`.
    """

    def __init__(self, compute, arg=None):
        super().__init__()
        self._compute, self._arg, self._ready = compute, arg, False

    def _fill(self):
        if not self._ready:
            self._ready = True
            dict.update(self, materialize(self._compute(self._arg)))

    def __getitem__(self, key):
        self._fill()
        return dict.__getitem__(self, key)

    def get(self, key, default=None):
        self._fill()
        return dict.get(self, key, default)

    def __contains__(self, key):
        self._fill()
        return dict.__contains__(self, key)

    def __iter__(self):
        self._fill()
        return dict.__iter__(self)

    def __len__(self):
        self._fill()
        return dict.__len__(self)

    def keys(self):
        self._fill()
        return dict.keys(self)

    def values(self):
        self._fill()
        return dict.values(self)

    def items(self):
        self._fill()
        return dict.items(self)

    def copy(self):
        self._fill()
        return dict(self)

    def __repr__(self):
        self._fill()
        return dict.__repr__(self)
