"""`keras.wrappers`: scikit-learn estimators around cornu models.

The classes load on first use, so `import cornu.wrappers` does not import scikit-learn.
"""

import importlib

_CLASSES = ("SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer")


def __getattr__(name):
    if name in _CLASSES:
        return getattr(importlib.import_module("cornu.wrappers.sklearn_wrapper"), name)
    raise AttributeError(f"module 'cornu.wrappers' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_CLASSES))
