"""A small progress bar on standard error, shown only on a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Print ``label [#####.....] done/total  rate/s  ETA`` on one terminal line.

    The rate counts only samples finished in this run (not those reused from
    the store), and the estimate of the time left follows from it.

    Parameters
    ----------
    enabled : bool
        Draw anything at all (callers pass ``stderr.isatty() and not --json``).
    stream : file, optional
        Where to draw (default :data:`sys.stderr`).
    """

    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.total = 0
        self.done = 0
        self.label = ""
        self._t0 = time.perf_counter()
        self._last = 0.0
        self._reused = 0

    def start(self, label: str, total: int, done: int = 0) -> None:
        """Begin a stage of ``total`` samples of which ``done`` are already finished.

        Parameters
        ----------
        label : str
            Stage name.
        total : int
            Samples in the stage.
        done : int, optional
            Samples already finished (reused from the store).
        """
        self.label, self.total, self.done, self._reused = label, total, done, done
        self._t0 = time.perf_counter()
        self._draw(force=True)

    def advance(self, n: int) -> None:
        """Record ``n`` more finished samples.

        Parameters
        ----------
        n : int
            Newly finished samples.
        """
        self.done += n
        self._draw(force=self.done >= self.total)

    def close(self) -> None:
        """End the line."""
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()

    def _draw(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not self.enabled or (not force and now - self._last < 0.1):
            return
        self._last = now
        width = 30
        frac = self.done / self.total if self.total else 1.0
        bar = "#" * int(frac * width) + "." * (width - int(frac * width))
        rate = (self.done - self._reused) / max(now - self._t0, 1e-9)
        left = self.total - self.done
        eta = f"  ETA {_clock(left / rate)}" if left > 0 and rate > 0 else ""
        self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total}  {rate:6.1f}/s{eta}   ")
        self.stream.flush()


def _clock(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) for a duration in seconds.

    Examples
    --------
    >>> _clock(75.2), _clock(3725)
    ('1:15', '1:02:05')
    """
    s = round(seconds)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"
