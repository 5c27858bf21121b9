"""Outputs of ``relief bench``: results.csv, results.md and the plots."""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from solver.bench.run import COLUMNS
from solver.io import write_files


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}" if math.isfinite(v) else str(v)
    return "" if v is None else str(v)


def root_gap(row: dict[str, Any]) -> float | None:
    """Relative root gap ``|root LP bound - objective| / max(1, |objective|)``."""
    lp, obj = row.get("root_lp_bound"), row.get("objective")
    if not isinstance(lp, int | float) or not isinstance(obj, int | float):
        return None
    return abs(lp - obj) / max(1.0, abs(obj))


def csv_text(rows: list[dict[str, Any]]) -> str:
    """``results.csv``: :data:`~solver.bench.run.COLUMNS` then ``root_gap``."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([*COLUMNS, "root_gap"])
    for r in rows:
        w.writerow([_fmt(r.get(c)) for c in COLUMNS] + [_fmt(root_gap(r))])
    return buf.getvalue()


def markdown_text(rows: list[dict[str, Any]], title: str) -> str:
    """``results.md``: every row, then per formulation x backend the medians."""
    head = ["instance", "formulation", "backend", "status", "objective", "bound",
            "solve s", "root gap", "nodes", "verified"]  # fmt: skip
    out = [f"# {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        vals = [r.get("instance"), r.get("formulation"), r.get("backend"), r.get("status"),
                r.get("objective"), r.get("bound"), r.get("solve_seconds"), root_gap(r),
                r.get("nodes"), r.get("verified")]  # fmt: skip
        out.append("| " + " | ".join(_fmt(v) for v in vals) + " |")
    out += ["", "## Medians per formulation and backend", "",
            "| formulation | backend | rows | optimal | median solve s | median root gap |",
            "|---|---|---|---|---|---|"]  # fmt: skip
    for (f, b), group in sorted(_groups(rows).items()):
        t = sorted(r["solve_seconds"] for r in group if isinstance(r.get("solve_seconds"), float))
        g = sorted(x for r in group if (x := root_gap(r)) is not None)
        opt = sum(r.get("status") == "optimal" for r in group)
        med_t = _fmt(t[len(t) // 2]) if t else ""
        med_g = _fmt(g[len(g) // 2]) if g else ""
        out.append(f"| {f} | {b} | {len(group)} | {opt} | {med_t} | {med_g} |")
    return "\n".join(out) + "\n"


def _groups(rows: list[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[(str(r.get("formulation")), str(r.get("backend")))].append(r)
    return groups


def plot_pngs(rows: list[dict[str, Any]]) -> dict[str, bytes]:
    """Draw ``time.png`` and ``root_gap.png`` (against instance size) in memory.

    Parameters
    ----------
    rows : list of dict
        Results rows.

    Returns
    -------
    dict
        File name -> PNG bytes, for :func:`solver.io.write_files`.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    images: dict[str, bytes] = {}
    for name, ylabel, value in (
        ("time.png", "solve time (s)", lambda r: r.get("solve_seconds")),
        ("root_gap.png", "root LP gap (relative)", root_gap),
    ):
        fig = Figure(figsize=(7, 4.5))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        for (f, b), group in sorted(_groups(rows).items()):
            pts = sorted(
                (r["size"], v)
                for r in group
                if isinstance(r.get("size"), int) and isinstance(v := value(r), float)
            )
            if pts:
                ax.plot(*zip(*pts, strict=True), marker="o", label=f"{f} / {b}")
        ax.set_xlabel("instance size (measures, or jobs for PSPLIB)")
        ax.set_ylabel(ylabel)
        if name == "time.png":
            ax.set_yscale("log")
        ax.legend(fontsize=7)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110)
        images[name] = buf.getvalue()
    return images


def output_files(rows: list[dict[str, Any]], title: str) -> dict[str, str | bytes]:
    """Every file ``relief bench --out`` writes: results.csv, results.md and the plots.

    Parameters
    ----------
    rows : list of dict
        Results rows.
    title : str
        Heading of ``results.md``.

    Returns
    -------
    dict
        File name -> content, for :func:`solver.io.write_files`.
    """
    return {"results.csv": csv_text(rows), "results.md": markdown_text(rows, title),
            **plot_pngs(rows)}  # fmt: skip


def plots(rows: list[dict[str, Any]], out: Path) -> list[Path]:
    """Write ``time.png`` and ``root_gap.png`` into ``out``, atomically.

    Parameters
    ----------
    rows : list of dict
        Results rows.
    out : Path
        Output folder (created if missing).

    Returns
    -------
    list of Path
        The files written.
    """
    return write_files(out, plot_pngs(rows))
