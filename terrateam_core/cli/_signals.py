"""SIGTERM and SIGHUP stop a command the way Ctrl-C does.

Python turns SIGINT into ``KeyboardInterrupt``, which the transfers already clean up after
(the ``.part`` file of a download is removed, an unpublished generation's chunks are deleted).
The default action of SIGTERM (a CI runner cancelling a job) and SIGHUP (a closed terminal)
kills the process on the spot instead, leaving both behind. Here they raise
:class:`Interrupted`, a ``KeyboardInterrupt``, so the same cleanup runs; the exit status is
then 128 + the signal number, as a shell reports a process killed by it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["Interrupted", "Stopped", "interruptible", "signal_name"]

_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def signal_name(signum: int) -> str:
    """``SIGTERM`` for 15."""
    return signal.Signals(signum).name


class Interrupted(KeyboardInterrupt):
    """A transfer was stopped by a signal other than SIGINT."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal_name(signum))
        self.signum = signum


class Stopped:
    """Which signal stopped the block, if any (Typer turns the exception into exit 130)."""

    signum: int | None = None

    def exit_code(self, code: int) -> int:
        """The exit status: 128 + the signal when one stopped the command, else ``code``."""
        return code if self.signum is None else 128 + self.signum

    def handle(self, signum: int, frame: FrameType | None) -> None:
        """The signal handler: remember the signal, then unwind like Ctrl-C."""
        # Once: a second SIGTERM must not cut short the cleanup the first one started (every
        # network call in it has a deadline, so it ends).
        for sig in _SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        self.signum = signum
        raise Interrupted(signum)


@contextmanager
def interruptible() -> Iterator[Stopped]:
    """Within the block, SIGTERM/SIGHUP raise :class:`Interrupted` (main thread only; a signal
    someone chose to ignore, such as SIGHUP under ``nohup``, stays ignored)."""
    stopped = Stopped()
    if threading.current_thread() is not threading.main_thread():
        yield stopped
        return
    previous = {}
    for sig in _SIGNALS:
        if signal.getsignal(sig) is signal.SIG_DFL:
            previous[sig] = signal.signal(sig, stopped.handle)
    try:
        yield stopped
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
