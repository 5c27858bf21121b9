"""Reader for the PSPLIB single-mode ``.sm`` format (Kolisch and Sprecher, 1996).

An ``.sm`` file lists the jobs of one project (job 1 is the dummy source and
job ``N`` the dummy sink, both of duration 0), the successors of each job, the
duration and per-period demand of each job on each renewable resource, and the
per-period capacity of each resource.  Jobs are renumbered from 0 here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

__all__ = ["PSPLIBError", "RCPSPInstance", "parse_sm", "read_sm"]


MAX_FILE_BYTES = 64 * 2**20
"""Largest ``.sm`` file read (bytes); PSPLIB's largest instances are a few kB."""


MAX_INTEGER = 10**9
"""Largest integer a ``.sm`` file may hold (PSPLIB's are at most a few hundred)."""


class PSPLIBError(ValueError):
    """A malformed ``.sm`` file; the message names the file, the line and the problem."""


@dataclass(frozen=True)
class RCPSPInstance:
    """A single-mode resource-constrained project scheduling instance.

    Attributes
    ----------
    name : str
        Instance name (the file name for files read from disk).
    durations : tuple of int
        Duration of each job in periods; job 0 is the source, job ``n-1`` the sink.
    successors : tuple of tuple of int
        Immediate successors of each job (0-based).
    demands : tuple of tuple of int
        ``demands[j][r]`` is job ``j``'s per-period use of resource ``r``.
    capacities : tuple of int
        Per-period capacity of each renewable resource.

    Examples
    --------
    >>> inst = RCPSPInstance("toy", (0, 2, 0), ((1,), (2,), ()), ((0,), (1,), (0,)), (1,))
    >>> inst.n_jobs, inst.predecessors[2]
    (3, (1,))
    """

    name: str
    durations: tuple[int, ...]
    successors: tuple[tuple[int, ...], ...]
    demands: tuple[tuple[int, ...], ...]
    capacities: tuple[int, ...]

    @property
    def n_jobs(self) -> int:
        """Number of jobs, dummies included."""
        return len(self.durations)

    @property
    def n_resources(self) -> int:
        """Number of renewable resources."""
        return len(self.capacities)

    @property
    def jobs(self) -> range:
        """The job indices ``0 .. n_jobs-1``."""
        return range(self.n_jobs)

    @property
    def arcs(self) -> list[tuple[int, int]]:
        """All precedence arcs ``(i, j)``: ``j`` starts after ``i`` finishes."""
        return [(i, j) for i in self.jobs for j in self.successors[i]]

    @cached_property
    def predecessors(self) -> tuple[tuple[int, ...], ...]:
        """Immediate predecessors of each job."""
        preds: list[list[int]] = [[] for _ in self.jobs]
        for i, j in self.arcs:
            preds[j].append(i)
        return tuple(tuple(p) for p in preds)


_INT_RE = re.compile(r"-?\d+")


@dataclass
class _Cursor:
    """Line cursor over the file's text, for error messages naming the line."""

    source: str
    lines: list[str]
    pos: int = 0

    def fail(self, lineno: int, problem: str) -> PSPLIBError:
        return PSPLIBError(f"{self.source}: line {lineno}: {problem}")

    def seek(self, prefix: str) -> int:
        """Advance past the first line starting with ``prefix``; return its 1-based number."""
        for k in range(self.pos, len(self.lines)):
            if self.lines[k].strip().lower().startswith(prefix.lower()):
                self.pos = k + 1
                return k + 1
        raise PSPLIBError(f"{self.source}: no line starting with {prefix!r} (section missing)")

    def header_int(self, prefix: str) -> int:
        """Read the integer after the colon on the line starting with ``prefix``."""
        lineno = self.seek(prefix)
        _, _, rest = self.lines[lineno - 1].partition(":")
        found = _INT_RE.findall(rest)
        if not found:
            raise self.fail(lineno, f"expected an integer after {prefix!r}")
        return self.bounded(lineno, found[0])

    def bounded(self, lineno: int, token: str) -> int:
        """The integer ``token``, refused above :data:`MAX_INTEGER` (before converting it)."""
        if len(token.lstrip("+-")) > len(str(MAX_INTEGER)) or abs(int(token)) > MAX_INTEGER:
            shown = token if len(token) <= 20 else token[:17] + "..."
            raise self.fail(
                lineno,
                f"{shown} is larger than {MAX_INTEGER:.0e}; job counts, durations, demands "
                "and capacities of a PSPLIB file are far smaller",
            )
        return int(token)

    def int_row(self, what: str) -> tuple[int, list[int]]:
        """Read the next non-empty line as integers; return its number and values."""
        while self.pos < len(self.lines) and not self.lines[self.pos].strip():
            self.pos += 1
        if self.pos >= len(self.lines):
            raise PSPLIBError(f"{self.source}: file ends before {what}")
        self.pos += 1
        text = self.lines[self.pos - 1]
        tokens = text.split()
        if not tokens or not all(_INT_RE.fullmatch(t) for t in tokens):
            raise self.fail(self.pos, f"expected integers for {what}, got {text.strip()!r}")
        return self.pos, [self.bounded(self.pos, t) for t in tokens]


def _read_precedence(cur: _Cursor, n: int) -> list[tuple[int, ...]]:
    cur.seek("PRECEDENCE RELATIONS")
    cur.seek("jobnr")
    successors: list[tuple[int, ...]] = []
    for j in range(1, n + 1):
        lineno, vals = cur.int_row(f"the precedence line of job {j}")
        if len(vals) < 3 or vals[0] != j:
            raise cur.fail(lineno, f"expected 'job modes count successors...' for job {j}")
        if vals[1] != 1:
            raise cur.fail(lineno, f"job {j} has {vals[1]} modes; only single-mode is supported")
        count, succ = vals[2], vals[3:]
        if count != len(succ):
            raise cur.fail(lineno, f"job {j} declares {count} successors but lists {len(succ)}")
        for s in succ:
            if not 1 <= s <= n or s == j:
                raise cur.fail(
                    lineno, f"job {j} has successor {s}, not a job in 1..{n} other than {j}"
                )
        successors.append(tuple(s - 1 for s in succ))
    return successors


def _read_requests(cur: _Cursor, n: int, k: int) -> tuple[list[int], list[tuple[int, ...]]]:
    cur.seek("REQUESTS/DURATIONS")
    cur.seek("jobnr")
    cur.seek("---")
    durations: list[int] = []
    demands: list[tuple[int, ...]] = []
    for j in range(1, n + 1):
        lineno, vals = cur.int_row(f"the request line of job {j}")
        if len(vals) != 3 + k or vals[0] != j:
            raise cur.fail(lineno, f"expected 'job mode duration' and {k} demands for job {j}")
        if vals[1] != 1:
            raise cur.fail(
                lineno, f"job {j} has mode {vals[1]}; a single-mode file has only mode 1"
            )
        if vals[2] < 0 or min(vals[3:], default=0) < 0:
            raise cur.fail(lineno, f"job {j} has a negative duration or demand")
        durations.append(vals[2])
        demands.append(tuple(vals[3:]))
    return durations, demands


def _check_dummies(source: str, successors: list[tuple[int, ...]]) -> None:
    n = len(successors)
    if successors[-1]:
        raise PSPLIBError(f"{source}: job {n} must be the sink, but it has successors")
    has_pred = {s for succ in successors for s in succ}
    for j in range(n - 1):
        if not successors[j]:
            raise PSPLIBError(
                f"{source}: job {j + 1} has no successor; only the sink (job {n}) may"
            )
        if j > 0 and j not in has_pred:
            raise PSPLIBError(
                f"{source}: job {j + 1} has no predecessor; only the source (job 1) may"
            )
    if 0 in has_pred:
        raise PSPLIBError(f"{source}: job 1 must be the source, but it has predecessors")


def _check_acyclic(source: str, successors: list[tuple[int, ...]]) -> None:
    indeg = [0] * len(successors)
    for succ in successors:
        for s in succ:
            indeg[s] += 1
    stack = [j for j, d in enumerate(indeg) if d == 0]
    seen = 0
    while stack:
        j = stack.pop()
        seen += 1
        for s in successors[j]:
            indeg[s] -= 1
            if indeg[s] == 0:
                stack.append(s)
    if seen < len(successors):
        cyc = sorted(j + 1 for j, d in enumerate(indeg) if d > 0)
        raise PSPLIBError(
            f"{source}: the precedence relations contain a cycle; jobs on or after it: {cyc}"
        )


def parse_sm(text: str, *, name: str = "instance", source: str = "<string>") -> RCPSPInstance:
    """Parse the text of a PSPLIB single-mode ``.sm`` file.

    Parameters
    ----------
    text : str
        File contents.
    name : str, optional
        Instance name stored on the result.
    source : str, optional
        What to call the input in error messages (usually the path).

    Returns
    -------
    RCPSPInstance
        The parsed, validated instance.

    Raises
    ------
    PSPLIBError
        When a section is missing, a line is malformed, a job demands more than
        a capacity, or the precedence relations are cyclic.
    """
    cur = _Cursor(source, text.splitlines())
    n = cur.header_int("jobs (incl. supersource/sink")
    if n < 2:
        raise cur.fail(cur.pos, f"{n} jobs; need at least the source and the sink")
    k = cur.header_int("- renewable")
    for kind in ("- nonrenewable", "- doubly constrained"):
        if cur.header_int(kind) != 0:
            raise cur.fail(cur.pos, f"{kind[2:]} resources are not supported")
    successors = _read_precedence(cur, n)
    durations, demands = _read_requests(cur, n, k)
    cur.seek("RESOURCEAVAILABILITIES")
    cur.seek("R ")
    lineno, caps = cur.int_row("the resource capacities")
    if len(caps) != k:
        raise cur.fail(lineno, f"expected {k} capacities, got {len(caps)}")
    for j, dem in enumerate(demands):
        for r, (q, cap) in enumerate(zip(dem, caps, strict=True)):
            if q > cap:
                raise PSPLIBError(
                    f"{source}: job {j + 1} demands {q} of resource R{r + 1}, "
                    f"above its capacity {cap}; the instance is infeasible"
                )
    _check_acyclic(source, successors)
    _check_dummies(source, successors)
    return RCPSPInstance(name, tuple(durations), tuple(successors), tuple(demands), tuple(caps))


def read_sm(path: str | Path) -> RCPSPInstance:
    """Read a PSPLIB single-mode ``.sm`` file.

    Parameters
    ----------
    path : str or pathlib.Path
        The file to read.

    Returns
    -------
    RCPSPInstance
        The instance, named after the file.

    Raises
    ------
    PSPLIBError
        For a malformed or unreadable file (the message names the file).
    """
    p = Path(path)
    try:
        with p.open("rb") as fh:  # bounded: a device such as /dev/zero never ends
            raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise PSPLIBError(f"{p}: the file is larger than {MAX_FILE_BYTES // 2**20} MiB")
        text = raw.decode("utf-8", errors="replace")
    except OSError as exc:
        raise PSPLIBError(f"{p}: cannot read file ({exc.strerror or exc})") from exc
    return parse_sm(text, name=p.name, source=str(p))
