"""Sensitivity results as the report reads them: the input contract and its loader.

The report does not run sweeps; it reads their summaries.  Whatever the
sweep store holds is brought into one documented shape, checked here so a
malformed summary is rejected with a message naming the file, the field, the
value and the rule (never a traceback half-way through rendering).

The contract
------------
A *sensitivity document* is a dict::

    {"spec": {...},          # optional: the sweep specification, recorded verbatim
     "seed": 12345,          # optional: the sweep's seed (int or null)
     "results": [{"method": METHOD, "summary": SUMMARY}, ...]}

A single ``{"method", "summary"}`` dict (such as the document printed by
``relief sensitivity ... --json``, whose ``spec``, ``seed`` and
``scenario.sha256`` are kept), or a list of them, is accepted too.
``METHOD`` and the ``SUMMARY`` shape (every ``rows`` entry is a dict):

``oat`` (one at a time; the tornado)
    ``{"output": str, "base": float, "rows": [{"parameter", "low", "high",
    "output_low", "output_high"}]}``: the output at the parameter's low and
    high value, the others held at base.
``thresholds``
    ``{"output": str, "rows": [{"parameter", "base", "threshold"}],
    "curves": [{"parameter", "x": [...], "y": [...], "threshold"}]}``:
    break-even values (``threshold`` may be null: none in range) and,
    optionally, the output traced over each parameter's range.
``montecarlo`` (plan stability)
    ``{"samples": int, "rows": [{"id", "kind", "probabilities": [p_1..p_K],
    "never": p}]}``: per measure or milestone (``kind``), the share of
    samples placing it in each phase.
``sobol``
    ``{"output": str, "rows": [{"parameter", "S1", "S1_conf", "ST",
    "ST_conf"}]}``: first-order and total indices with confidence half-widths.
``morris``
    ``{"output": str, "rows": [{"parameter", "mu_star", "sigma"}]}``
    (``mu_star_conf`` optional).

One fixed plan across worlds (``relief sensitivity --method mc --plan PLAN
--json``) is read too, as method ``plan_worlds``: a result with a ``plan``
(the plan file) and a ``summary`` with ``worlds`` (int), the shares ``works``,
``constraints_hold`` and ``incentive_compatible``, ``phase_incentive_compatible``
(a share per phase) and, optionally, ``failing`` and ``members`` (name ->
share); its ``failure_boxes`` (each with a ``text``) are kept.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from solver.scenario import ScenarioError

METHODS: dict[str, tuple[str, ...]] = {
    "oat": ("parameter", "low", "high", "output_low", "output_high"),
    "thresholds": ("parameter", "base", "threshold"),
    "montecarlo": ("id", "kind", "probabilities", "never"),
    "sobol": ("parameter", "S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("parameter", "mu_star", "sigma"),
}
"""Method name -> the fields every summary row must have."""

ALIASES = {
    "tornado": "oat",
    "one_at_a_time": "oat",
    "threshold": "thresholds",
    "breakeven": "thresholds",
    "mc": "montecarlo",
    "monte_carlo": "montecarlo",
    "stability": "montecarlo",
}
"""Other names the store may use for a method."""

_TEXT_FIELDS = {"parameter", "id", "kind"}
_NULLABLE = {"threshold"}


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _check_value(where: str, key: str, value: Any) -> str | None:
    if key in _TEXT_FIELDS:
        return (
            None
            if isinstance(value, str) and value
            else f"{where}.{key} is {value!r}; " + ("it must be a non-empty string")
        )
    if key == "probabilities":
        ok = isinstance(value, list) and all(_is_number(p) and 0 <= p <= 1 for p in value)
        return (
            None if ok and value else f"{where}.{key} is {value!r}; it must list shares in [0, 1]"
        )
    if value is None and key in _NULLABLE:
        return None
    return None if _is_number(value) else f"{where}.{key} is {value!r}; it must be a finite number"


def _check_curves(where: str, curves: Any) -> list[str]:
    if not isinstance(curves, list):
        return [f"{where}.curves is {curves!r}; it must be a list"]
    problems = []
    for i, c in enumerate(curves):
        at = f"{where}.curves[{i}]"
        if not isinstance(c, dict):
            problems.append(f"{at} is {c!r}; it must be a table")
            continue
        x, y = c.get("x"), c.get("y")
        good = isinstance(x, list) and isinstance(y, list) and len(x) == len(y) > 1
        if not good or not all(_is_number(v) for v in [*x, *y]):  # type: ignore[misc]
            problems.append(f"{at}.x/y are {x!r}/{y!r}; they must be equal-length number lists")
        for key in ("parameter", "threshold"):
            p = _check_value(at, key, c.get(key))
            if p:
                problems.append(p)
    return problems


PLAN_WORLDS = "plan_worlds"
"""Method name of one fixed plan judged across worlds (``relief sensitivity --plan``)."""


def is_plan_worlds(result: Any) -> bool:
    """Whether ``result`` is the document of ``relief sensitivity --method mc --plan``.

    Examples
    --------
    >>> is_plan_worlds({"method": "mc", "plan": "p.toml", "summary": {"works": 0.5}})
    True
    >>> is_plan_worlds({"method": "mc", "summary": {"rows": []}})
    False
    """
    summary = result.get("summary") if isinstance(result, dict) else None
    return bool(
        isinstance(result, dict)
        and result.get("plan") is not None
        and isinstance(summary, dict)
        and "works" in summary
    )


def _share_problems(where: str, key: str, value: Any) -> list[str]:
    if _is_number(value) and 0 <= value <= 1:
        return []
    return [f"{where}.{key} is {value!r}; it must be a share in [0, 1]"]


def check_plan_worlds(result: dict[str, Any], where: str) -> list[str]:
    """Return the problems of one fixed-plan-across-worlds result (empty when valid).

    Parameters
    ----------
    result : dict
        A result for which :func:`is_plan_worlds` holds.
    where : str
        ``file: results[i]`` prefix for the messages.

    Returns
    -------
    list of str
        One message per broken rule.
    """
    s = result["summary"]
    at = f"{where}.summary"
    problems = []
    if not (_is_int(s.get("worlds")) and s["worlds"] > 0):
        problems.append(f"{at}.worlds is {s.get('worlds')!r}; it must be a positive integer")
    for key in ("works", "constraints_hold", "incentive_compatible"):
        problems += _share_problems(at, key, s.get(key))
    phases = s.get("phase_incentive_compatible")
    if not isinstance(phases, list) or not phases:
        problems.append(f"{at}.phase_incentive_compatible is {phases!r}; it must list shares")
    else:
        for i, x in enumerate(phases):
            problems += _share_problems(at, f"phase_incentive_compatible[{i}]", x)
    for key in ("failing", "members"):
        part = s.get(key, {})
        if not isinstance(part, dict):
            problems.append(f"{at}.{key} is {part!r}; it must be a table of shares")
            continue
        for name, x in part.items():
            problems += _share_problems(f"{at}.{key}", str(name), x)
    boxes = result.get("failure_boxes", [])
    if not isinstance(boxes, list) or not all(
        isinstance(b, dict) and isinstance(b.get("text"), str) for b in boxes
    ):
        problems.append(f"{where}.failure_boxes is {boxes!r}; it must list tables with a text")
    return problems


def check_result(result: Any, where: str) -> list[str]:
    """Return the problems of one ``{"method", "summary"}`` result (empty when valid).

    Parameters
    ----------
    result : Any
        The candidate result.
    where : str
        ``file: results[i]`` prefix for the messages.

    Returns
    -------
    list of str
        One message per broken rule.
    """
    if not isinstance(result, dict):
        return [f"{where} is {result!r}; it must be a table with 'method' and 'summary'"]
    if is_plan_worlds(result):
        return check_plan_worlds(result, where)
    method = ALIASES.get(str(result.get("method")), result.get("method"))
    if method not in METHODS:
        return [f"{where}.method is {result.get('method')!r}; it must be one of {sorted(METHODS)}"]
    summary = result.get("summary")
    rows = summary.get("rows") if isinstance(summary, dict) else None
    if not isinstance(rows, list):
        return [f"{where}.summary.rows is {rows!r}; it must be a list of tables"]
    problems = []
    for i, row in enumerate(rows):
        at = f"{where}.summary.rows[{i}]"
        if not isinstance(row, dict):
            problems.append(f"{at} is {row!r}; it must be a table")
            continue
        for key in METHODS[method]:
            if key not in row:
                problems.append(f"{at} has no '{key}'; a {method} row needs {METHODS[method]}")
            elif p := _check_value(at, key, row[key]):
                problems.append(p)
    if method == "thresholds" and "curves" in summary:  # type: ignore[operator]
        problems += _check_curves(f"{where}.summary", summary["curves"])  # type: ignore[index]
    return problems


def normalize(doc: Any, source: str) -> dict[str, Any]:
    """Bring a sensitivity document to the contract's shape and check it.

    Parameters
    ----------
    doc : Any
        Parsed JSON: a document, one result, or a list of results.
    source : str
        File name for messages.

    Returns
    -------
    dict
        ``{"spec", "seed", "results"}`` with canonical method names.

    Raises
    ------
    ScenarioError
        Naming the file, field, value and rule for every problem.

    Examples
    --------
    >>> d = normalize({"method": "tornado", "summary": {"rows": []}}, "x.json")
    >>> d["results"][0]["method"], d["seed"]
    ('oat', None)
    """
    if isinstance(doc, dict) and "method" in doc:
        doc = {"results": [doc], "spec": doc.get("spec"), "seed": doc.get("seed")}
    elif isinstance(doc, list):
        doc = {"results": doc}
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise ScenarioError([f"{source}: results is missing; it must be a list of results"])
    seed = doc.get("seed")
    problems = [] if seed is None or _is_int(seed) else [f"{source}: seed is {seed!r}"]
    problems += [
        p for i, r in enumerate(doc["results"]) for p in check_result(r, f"{source}: results[{i}]")
    ]
    if problems:
        raise ScenarioError(problems)
    results = []
    for r in doc["results"]:
        entry = {
            "method": PLAN_WORLDS if is_plan_worlds(r) else ALIASES.get(r["method"], r["method"]),
            "summary": r["summary"],
            "source": source,
            "scenario_sha256": (r.get("scenario") or {}).get("sha256"),
            "seed": r.get("seed") if _is_int(r.get("seed")) else None,
        }
        if entry["method"] == PLAN_WORLDS:
            entry["plan"] = str(r["plan"])
            entry["failure_boxes"] = list(r.get("failure_boxes") or [])
        results.append(entry)
    spec = doc.get("spec")
    return {"spec": spec if isinstance(spec, Mapping) else None, "seed": seed, "results": results}


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def merge(docs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Merge normalised documents (one per sweep) into one; ``None`` for none.

    The merged ``spec`` is the common spec, or ``{"sweeps": [...]}`` listing
    each file's; ``seed`` likewise is the common seed or ``None``.

    Parameters
    ----------
    docs : list of dict
        Documents from :func:`normalize`.

    Returns
    -------
    dict or None
        ``{"spec", "seed", "results"}``.
    """
    if not docs:
        return None
    if len(docs) == 1:
        return docs[0]
    specs = [d["spec"] for d in docs]
    seeds = {d["seed"] for d in docs}
    same = all(sp == specs[0] for sp in specs)
    return {
        "spec": specs[0] if same else {"sweeps": specs},
        "seed": seeds.pop() if len(seeds) == 1 else None,
        "results": [r for d in docs for r in d["results"]],
    }


def check_scenario(doc: dict[str, Any], digest: str) -> None:
    """Reject sweep results computed for another scenario than the report's.

    Parameters
    ----------
    doc : dict
        A normalised document; results without a ``scenario_sha256`` pass.
    digest : str
        SHA-256 of the report's scenario.

    Raises
    ------
    ScenarioError
        Naming the file, the sweep's scenario hash and the report's.
    """
    problems = [
        f"{r['source']}: scenario.sha256 is {r['scenario_sha256']}; the report's scenario has "
        f"{digest}, and a sweep can only be reported with the scenario it was run on"
        for r in doc["results"]
        if r.get("scenario_sha256") not in (None, digest)
    ]
    if problems:
        raise ScenarioError(problems)


def load_sensitivity(path: str | Path) -> dict[str, Any]:
    """Read sweep results for a report: a JSON document or the sweep store.

    Parameters
    ----------
    path : str or Path
        A ``.json`` file in the contract of this module, or the SQLite store
        written by :mod:`solver.sensitivity`.

    Returns
    -------
    dict
        The normalised document (see :func:`normalize`).

    Raises
    ------
    ScenarioError
        The file is missing, unreadable or breaks the contract.
    """
    p = Path(path)
    if not p.is_file():
        raise ScenarioError([f"{p}: sensitivity store not found (--sensitivity must name a file)"])
    with p.open("rb") as fh:
        head = fh.read(16)
    if head.startswith(b"SQLite format 3"):
        return normalize(_read_store(p), str(p))
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError(
            [f"{p}: not a sensitivity store (neither SQLite nor valid JSON: {exc})"]
        ) from None
    return normalize(doc, str(p))


def _read_store(path: Path) -> Any:
    """Read the summaries kept in a SQLite sweep store (meta key ``summary``).

    The store of :mod:`solver.sensitivity` keeps finished samples and the
    sweep's identity; the summary is read when the store carries one.
    """
    import sqlite3

    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            meta = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
    except (sqlite3.Error, json.JSONDecodeError) as exc:
        raise ScenarioError([f"{path}: not a readable sweep store ({exc})"]) from None
    if "summary" not in meta:
        method, seed = meta.get("method"), meta.get("seed")
        raise ScenarioError(
            [
                f"{path}: the sweep store (method {method!r}, seed {seed!r}) holds samples but "
                "no summary; pass the document of `relief sensitivity ... --json > FILE` instead"
            ]
        )
    return {
        "method": meta.get("method"),
        "summary": meta["summary"],
        "seed": meta.get("seed"),
        "spec": {"sha256": meta.get("spec_sha256")},
        "scenario": {"sha256": meta.get("scenario_sha256")},
    }
