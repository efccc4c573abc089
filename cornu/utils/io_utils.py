"""Where cornu's messages go: the terminal, or Python's `logging` (Keras's interactive logging).

Progress bars, epoch headers, callback messages and `summary()` are written to standard
output by default. After `cornu.config.disable_interactive_logging()` they go to the
`"cornu"` logger at INFO level instead, as plain text (progress bars log their final line
only), which is what servers and batch jobs that collect logs want.
"""

import logging
import sys

_interactive_logging = True
logger = logging.getLogger("cornu")


def enable_interactive_logging():
    """Writes cornu's messages to standard output (the default)."""
    global _interactive_logging
    _interactive_logging = True


def disable_interactive_logging():
    """Sends cornu's messages to the `"cornu"` logger instead of standard output."""
    global _interactive_logging
    _interactive_logging = False


def is_interactive_logging_enabled():
    """True while messages go to standard output."""
    return _interactive_logging


def print_msg(message, line_break=True):
    """Writes `message` to standard output, or logs it when interactive logging is off."""
    if _interactive_logging:
        sys.stdout.write(message + "\n" if line_break else message)
        sys.stdout.flush()
    else:
        logger.info(message.rstrip("\n"))
