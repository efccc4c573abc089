import io
import re
import sys

import numpy as np
import pytest
import torch

from cornu.utils.progbar import Progbar, format_eta, format_time_per_unit, format_value

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


class Capture:
    """Replaces `sys.stdout` with `stream` (pytest's capture resets it around fixtures)."""

    def __init__(self, stream):
        self.stream = stream

    def __enter__(self):
        self.saved, sys.stdout = sys.stdout, self.stream
        return self.stream

    def __exit__(self, *exc):
        sys.stdout = self.saved


@pytest.fixture
def tty():
    return FakeTTY()


@pytest.fixture
def pipe():
    return io.StringIO()


def last_frame(text):
    """The last redraw on a terminal, without colours."""
    return ANSI.sub("", text.split("\r")[-1]).rstrip("\n")


def run_epoch(bar, steps, values=(("accuracy", 0.9035), ("loss", 0.343))):
    for step in range(1, steps + 1):
        bar.update(step, list(values))


FINAL_LINE = re.compile(r"^750/750 ━{20} \d+s \d+(us|ms|s)/step - accuracy: 0\.9035 - "
                        r"loss: 0\.3430 *$")


def test_final_line_format_on_a_terminal(tty):
    with Capture(tty):
        run_epoch(Progbar(750, interval=0), 750)
        out = tty.getvalue()
        assert "\r" in out and out.endswith("\n")
        assert "\x1b[" in out  # colours on a terminal
        assert FINAL_LINE.match(last_frame(out)), repr(last_frame(out))


def test_redraws_in_place_and_clears_longer_lines(tty):
    with Capture(tty):
        bar = Progbar(3, interval=0)
        bar.update(1, [("phase", "a long text value")])
        bar.update(2, [("phase", "short")])
    frames = tty.getvalue().split("\r")[1:]
    assert len(frames) == 2 and "\n" not in frames[0]
    first, second = (ANSI.sub("", f) for f in frames)
    assert len(second) == len(first)  # padded with spaces over the previous frame
    assert second.startswith("2/3 ━━━━━━━━━━━━━") and second.rstrip().endswith("phase: short")


def test_redraws_are_throttled(tty):
    with Capture(tty):
        bar = Progbar(1000, interval=60)
        run_epoch(bar, 1000)
        # the first update draws, the following ones are within `interval`, the last one finalizes
        assert tty.getvalue().count("\r") == 2


def test_non_interactive_output_prints_only_the_final_line(pipe):
    with Capture(pipe):
        bar = Progbar(750, interval=0)
        run_epoch(bar, 750)
        out = pipe.getvalue()
        assert out.count("\n") == 1 and "\r" not in out and "\x1b" not in out
        assert FINAL_LINE.match(out.rstrip("\n")), repr(out)


def test_verbose_2_prints_one_line_per_epoch(tty):
    with Capture(tty):
        run_epoch(Progbar(10, verbose=2), 10)
        out = tty.getvalue()
        assert out.count("\n") == 1 and "\r" not in out
        assert re.match(r"^10/10 - \d+s - \d+(us|ms|s)/step - accuracy: 0\.9035 - loss: 0\.3430\n$",
                        out), repr(out)


def test_verbose_0_is_silent(tty):
    with Capture(tty):
        run_epoch(Progbar(10, verbose=0), 10)
        assert tty.getvalue() == ""


def test_unknown_target(tty):
    with Capture(tty):
        bar = Progbar(None, interval=0)
        for step in range(1, 5):
            bar.update(step, [("loss", 1e-5)])
        bar.update(4, [("loss", 1e-5)], finalize=True)
        line = last_frame(tty.getvalue())
        assert re.match(r"^      4/Unknown \d+s \d+(us|ms|s)/step - loss: 1\.0000e-05$", line), line
        assert tty.getvalue().endswith("\n")


def test_stateless_values_are_averaged_and_stateful_shown_as_given(tty):
    with Capture(tty):
        bar = Progbar(10, interval=0, stateful_metrics=["acc"])
        for step, value in enumerate([1.0, 2.0, 3.0, 4.0], start=1):
            bar.update(step, [("loss", value), ("acc", value)])
        line = last_frame(tty.getvalue())
        assert "loss: 2.5000" in line and "acc: 4.0000" in line


def test_finalize_shows_the_given_value(tty):
    with Capture(tty):
        bar = Progbar(2, interval=0)
        bar.update(1, [("loss", 1.0)])
        bar.update(2, [("loss", 0.25)])  # finalizes: the epoch's result is shown as given
        assert "loss: 0.2500" in last_frame(tty.getvalue())


def test_add_and_tensor_values(tty):
    with Capture(tty):
        bar = Progbar(4, interval=0)
        bar.add(2, [("loss", torch.tensor(0.5)), ("mae", np.float32(0.25))])
        bar.add(2, [("loss", torch.tensor(0.5)), ("mae", np.float32(0.25))])
        line = last_frame(tty.getvalue())
        assert line.startswith("4/4") and "loss: 0.5000" in line and "mae: 0.2500" in line


def test_number_and_time_formats():
    assert format_value(0.343) == "0.3430"
    assert format_value(-2.5) == "-2.5000"
    assert format_value(1e-5) == "1.0000e-05"
    assert format_time_per_unit(3.2) == "3s/step"
    assert format_time_per_unit(0.0032) == "3ms/step"
    assert format_time_per_unit(3.2e-6, "sample") == "3us/sample"
    assert format_time_per_unit(0) == "0s/step"
    assert format_eta(45) == "45s"
    assert format_eta(80) == "1:20"
    assert format_eta(3723) == "1:02:03"


def test_bad_arguments():
    with pytest.raises(ValueError, match="target"):
        Progbar(-1)
    with pytest.raises(ValueError, match="verbose"):
        Progbar(10, verbose=3)
