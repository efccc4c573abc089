"""What the examples share: where their data comes from and how much of it they use.

Data sets load through `keras.datasets` (the cache, a `CORNU_DATASETS_DIR` mirror, or
../shared/data beside the checkout when present). `CORNU_EXAMPLE_SAMPLES=N` keeps the first
N samples and `CORNU_EXAMPLE_EPOCHS=E` caps the epochs, so CI runs each example quickly.
"""

import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "out"))


def use_local_mirror():
    """Points the data-set loaders at ../shared/data when it exists and nothing else is set."""
    shared = os.path.join(HERE, "..", "..", "shared", "data")
    if "CORNU_DATASETS_DIR" not in os.environ and os.path.isdir(shared):
        os.environ["CORNU_DATASETS_DIR"] = shared


def samples():
    """How many samples to keep (None: all)."""
    return int(os.environ.get("CORNU_EXAMPLE_SAMPLES", 0)) or None


def epochs(default):
    """The number of epochs: `default`, or fewer when `CORNU_EXAMPLE_EPOCHS` says so."""
    cap = int(os.environ.get("CORNU_EXAMPLE_EPOCHS", 0))
    return min(default, cap) if cap else default


def out_path(name):
    """A path under out/ (created on demand)."""
    os.makedirs(OUT, exist_ok=True)
    return os.path.join(OUT, name)
