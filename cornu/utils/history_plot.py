"""`plot_history`: the loss and every metric per epoch, training beside validation."""

import math
import os


def plot_history(history, to_file="history.png", metrics=None, dpi=100):
    """Plots a `History` (or its `.history` dict) to a PNG with one panel per quantity.

    Each panel shows a training curve and, when present, its `val_` counterpart.

    Args:
        history: the `History` returned by `fit`, or its `history` dict.
        to_file: output path (PNG, or any format matplotlib writes, by extension).
        metrics: names to plot (default: every non-`val_` key).
        dpi: resolution.
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError(f"`plot_history` needs a History or a non-empty dict of per-epoch "
                         f"values. Received: {history!r}")
    try:
        import matplotlib
        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError as e:
        raise ImportError("`plot_history` needs matplotlib: `pip install matplotlib` "
                          "(or `pip install cornu[plot]`).") from e
    names = metrics or [k for k in logs if not k.startswith("val_")]
    unknown = [n for n in names if n not in logs]
    if unknown:
        raise ValueError(f"No values logged for {unknown}. Logged: {sorted(logs)}")
    epochs = getattr(history, "epoch", None) or list(range(len(logs[names[0]])))
    epochs = [e + 1 for e in epochs]
    cols = min(3, len(names))
    rows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.5 * cols, 3.2 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        ax.plot(epochs[:len(logs[name])], logs[name], marker="o", label="training")
        if f"val_{name}" in logs:
            val = logs[f"val_{name}"]
            ax.plot(epochs[-len(val):] if len(val) < len(epochs) else epochs[:len(val)], val,
                    marker="o", label="validation")
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.legend()
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    fig.tight_layout()
    from cornu.saving.file_utils import atomic_write
    extension = os.path.splitext(str(to_file))[1][1:] or "png"
    with atomic_write(to_file) as f:
        fig.savefig(f, format=extension, dpi=dpi)
    plt.close(fig)
