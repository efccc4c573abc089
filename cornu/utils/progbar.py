"""`Progbar`: the progress bar Keras prints during `fit`, `evaluate` and `predict`."""

import math
import os
import sys
import time

import numpy as np

from cornu.utils import io_utils

_BOLD = "\x1b[1m"
_GREEN = "\x1b[32m"
_GREY = "\x1b[37m"
_RESET = "\x1b[0m"


def _to_number(value):
    """Returns `value` as a Python float, or `None` when it is not numeric."""
    if hasattr(value, "detach"):  # torch tensor
        value = value.detach().float().mean().item() if value.numel() != 1 else value.item()
    try:
        return float(value)
    except (TypeError, ValueError):
        pass
    try:
        return float(np.mean(np.asarray(value, dtype="float64")))
    except (TypeError, ValueError):
        return None


def format_value(value):
    """Formats a metric value with 4 decimals, or in `e` notation when tiny."""
    if abs(value) > 1e-3:
        return f"{value:.4f}"
    return f"{value:.4e}"


def format_time_per_unit(seconds, unit_name="step"):
    """Formats a duration per unit as Keras does, e.g. `3ms/step`."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit_name}"
    return f"{seconds * 1e6:.0f}us/{unit_name}"


def format_eta(seconds):
    """Formats a remaining time as `45s`, `1:20` or `1:02:03`."""
    if seconds > 3600:
        return "%d:%02d:%02d" % (seconds // 3600, (seconds % 3600) // 60, seconds % 60)
    if seconds > 60:
        return "%d:%02d" % (seconds // 60, seconds % 60)
    return "%ds" % seconds


def _is_interactive(stream):
    isatty = getattr(stream, "isatty", None)
    try:
        if isatty is not None and isatty():
            return True
    except ValueError:  # closed stream
        return False
    return "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ


class Progbar:
    """Displays a progress bar.

    On a terminal (or in a notebook) the bar is redrawn in place at most every
    `interval` seconds. When standard output is not interactive (a pipe, a file,
    a captured stream), only the final line of the bar is printed, without colours.

    Args:
        target: total number of steps expected, `None` if unknown.
        width: width of the bar, in characters.
        verbose: verbosity mode: 0 (silent), 1 (bar), 2 (one line at the end).
        interval: minimum number of seconds between two redraws.
        stateful_metrics: names of metrics shown as given. Other metrics are
            averaged over the steps seen so far.
        unit_name: display name for a step, e.g. `"step"` or `"sample"`.
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step"):
        if target is not None and (not isinstance(target, (int, np.integer)) or target < 0):
            raise ValueError("Expected `target` to be a non-negative integer or None. "
                             f"Received: target={target!r}")
        if verbose not in (0, 1, 2):
            raise ValueError(f"Expected `verbose` to be 0, 1 or 2. Received: verbose={verbose!r}")
        self.target = None if target is None else int(target)
        self.width = int(width)
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        self._dynamic_display = (io_utils.is_interactive_logging_enabled()
                                 and _is_interactive(sys.stdout))
        self._values = {}  # name -> [sum, count] (averaged) or [value, 1] (as given)
        self._seen_so_far = 0
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._prev_width = 0

    def update(self, current, values=None, finalize=None):
        """Updates the progress bar.

        Args:
            current: index of the current step (number of steps done).
            values: list of `(name, value_for_last_step)` tuples. Values of
                metrics named in `stateful_metrics` are shown as given, others
                are averaged over the steps.
            finalize: whether this is the last update. Defaults to
                `current >= target` (and `False` when the target is unknown).
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        self._record(current, values or (), finalize)
        self._seen_so_far = current

        now = time.time()
        time_per_unit = self._time_per_unit(current, now)
        if self.verbose == 1:
            if not finalize and now - self._last_update < self.interval:
                return
            self._render_bar(current, now, time_per_unit, finalize)
            self._last_update = now
        elif self.verbose == 2 and finalize:
            self._render_line(current, now, time_per_unit)
            self._last_update = now

    def add(self, n, values=None):
        """Advances the bar by `n` steps.

        Args:
            n: number of steps done since the last update.
            values: list of `(name, value_for_last_step)` tuples.
        """
        self.update(self._seen_so_far + n, values)

    def _record(self, current, values, finalize):
        for name, value in values:
            number = _to_number(value)
            if number is None:
                self._values[name] = value  # shown as text
            elif name in self.stateful_metrics or finalize:
                # The final update carries the epoch's result: show it as given.
                self._values[name] = [number, 1]
            else:
                steps = max(current - self._seen_so_far, 1)
                total = self._values.get(name)
                if isinstance(total, list):
                    total[0] += number * steps
                    total[1] += steps
                else:
                    self._values[name] = [number * steps, steps]

    def _time_per_unit(self, current, now):
        # The first step (graph tracing, warm-up) is left out of the estimate once
        # more steps are done.
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return per_unit

    def _metrics_text(self):
        parts = []
        for name, stored in self._values.items():
            if isinstance(stored, list):
                parts.append(f" - {name}: {format_value(stored[0] / max(1, stored[1]))}")
            else:
                parts.append(f" - {name}: {stored}")
        return "".join(parts)

    def _count_text(self, current):
        if self.target:
            digits = int(math.log10(self.target)) + 1
            return f"{current:{digits}d}/{self.target}"
        return f"{current:7d}/Unknown"

    def _render_bar(self, current, now, time_per_unit, finalize):
        if not self._dynamic_display and not finalize:
            return  # non-interactive output: only the final line is printed
        color = self._dynamic_display
        bold, reset = (_BOLD, _RESET) if color else ("", "")
        count = self._count_text(current)
        plain = count
        text = f"{bold}{count}{reset}"
        if self.target:
            filled = min(int(self.width * current / self.target), self.width)
            done, todo = "━" * filled, "━" * (self.width - filled)
            plain += f" {done}{todo}"
            if color:
                text += " " + (f"{_GREEN}{done}{_RESET}" if done else "") + f"{_GREY}{todo}{_RESET}"
            else:
                text += f" {done}{todo}"
        if self.target and not finalize:
            clock = format_eta(time_per_unit * (self.target - current))
        else:
            clock = f"{now - self._start:.0f}s"
        info = f" {clock} {format_time_per_unit(time_per_unit, self.unit_name)}"
        info += self._metrics_text()
        plain += info
        text += f" {bold}{clock}{reset}" + info[len(clock) + 1:]

        width = len(plain)
        if self._dynamic_display:
            text = "\r" + text + " " * max(self._prev_width - width, 0)
        self._prev_width = width
        if finalize:
            text += "\n"
        _write(text)

    def _render_line(self, current, now, time_per_unit):
        line = (f"{self._count_text(current)} - {now - self._start:.0f}s - "
                f"{format_time_per_unit(time_per_unit, self.unit_name)}{self._metrics_text()}")
        _write(line + "\n")


def _write(text):
    io_utils.print_msg(text, line_break=False)
