"""cornu: the Keras API, implemented natively on PyTorch.

`import cornu as keras` gives Keras's namespaces. Submodules load on first use, so
`import cornu` stays quick.
"""

import importlib

__version__ = "0.1.0"

_SUBMODULES = (
    "activations", "applications", "backend", "callbacks", "config", "constraints", "datasets",
    "distillation", "distribution", "dtype_policies", "export", "initializers", "layers",
    "losses", "metrics", "mixed_precision", "models", "ops", "optimizers", "preprocessing",
    "quantizers", "random", "regularizers", "saving", "tree", "utils", "visualization",
    "wrappers",
)
_TOP_LEVEL = {
    "Sequential": "cornu.models",
    "Model": "cornu.models",
    "Input": "cornu.layers",
    "Layer": "cornu.layers",
    "Variable": "cornu.layers",
    "KerasTensor": "cornu.layers",
    "InputSpec": "cornu.layers",
    "Loss": "cornu.losses",
    "Metric": "cornu.metrics",
    "Optimizer": "cornu.optimizers",
    "Initializer": "cornu.initializers",
    "Regularizer": "cornu.regularizers",
    "Constraint": "cornu.constraints",
    "DTypePolicy": "cornu.dtype_policies",
    "FloatDTypePolicy": "cornu.dtype_policies",
    "Quantizer": "cornu.quantizers",
    "name_scope": "cornu.backend",
    "remat": "cornu.backend.remat",
    "RematScope": "cornu.backend.remat",
}


def version():
    """cornu's version string."""
    return __version__


def device(device_name):
    """A context in which new models and weights are placed on `device_name` (Keras's
    `keras.device`)."""
    from cornu.backend.config import device_scope
    return device_scope(device_name)


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"cornu.{name}")
    if name in _TOP_LEVEL:
        return getattr(importlib.import_module(_TOP_LEVEL[name]), name)
    raise AttributeError(f"module 'cornu' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES) + list(_TOP_LEVEL))
