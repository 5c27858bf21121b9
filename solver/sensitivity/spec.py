"""Sensitivity specs: which scenario numbers are uncertain, and how.

A spec is a TOML (or JSON) file with one ``[[parameter]]`` table per
uncertain quantity::

    scenario = "dprk_2018.toml"        # optional, relative to the spec file

    [[parameter]]
    path = "milestones.M03.detection"  # see solver.sensitivity.paths
    range = [0.4, 0.9]                 # required: [low, high]
    distribution = "triangular"        # uniform (default), triangular, normal, loguniform
    mode = 0.7                         # triangular peak (default: the scenario's value)

    [[parameter]]
    path = "milestones.*.cost"         # a wildcard moves every entry together...
    relative = true                    # ...as a factor on each entry's own value
    range = [0.5, 2.0]

``normal`` takes ``mean`` and ``sd`` and is truncated to ``range``.  Specs are
validated like scenarios: every problem names the file, the field, the value
and the rule, in one :class:`~solver.scenario.ScenarioError`.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from solver.scenario import Scenario, ScenarioError, read_document
from solver.sensitivity.paths import (
    Address,
    apply_sample,
    bounds_text,
    current_value,
    in_bounds,
    parse_path,
)

DISTRIBUTIONS = ("uniform", "triangular", "normal", "loguniform")
"""Distributions a parameter may follow (all restricted to its range)."""

_KEYS = ("path", "range", "distribution", "mode", "mean", "sd", "relative", "label")

__all__ = [
    "DISTRIBUTIONS",
    "Param",
    "Spec",
    "apply_sample",
    "load_spec",
    "named_scenario",
    "spec_from_dict",
]


@dataclass(frozen=True)
class Param:
    """One uncertain parameter of a spec.

    Attributes
    ----------
    path : str
        The path as written (may hold a ``*`` wildcard).
    targets : tuple of str
        The concrete paths it sets.
    low, high : float
        The range, in the parameter's units (a factor when ``relative``).
    baseline : float
        The scenario's own value in those units (1.0 when ``relative``).
    distribution : str
        One of :data:`DISTRIBUTIONS`.
    relative : bool
        Whether the value multiplies each target's own value.
    mode, mean, sd : float or None
        Shape of ``triangular`` and ``normal``.
    label : str
        Display name.
    bases : tuple of float
        The targets' values in the scenario.
    """

    path: str
    targets: tuple[str, ...]
    low: float
    high: float
    baseline: float
    distribution: str = "uniform"
    relative: bool = False
    mode: float | None = None
    mean: float | None = None
    sd: float | None = None
    label: str = ""
    bases: tuple[float, ...] = ()

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Map probabilities ``u`` in [0, 1] to values (the inverse CDF).

        Parameters
        ----------
        u : numpy.ndarray
            Uniform draws or quasi-random points.

        Returns
        -------
        numpy.ndarray
            Values in ``[low, high]``.
        """
        lo, hi = self.low, self.high
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.distribution == "triangular" and hi > lo:
            c = ((self.mode if self.mode is not None else self.baseline) - lo) / (hi - lo)
            return np.asarray(stats.triang.ppf(u, c, loc=lo, scale=hi - lo), dtype=float)
        if self.distribution == "normal" and hi > lo:
            mean = self.mean if self.mean is not None else self.baseline
            sd = self.sd if self.sd is not None else (hi - lo) / 4.0
            a, b = (lo - mean) / sd, (hi - mean) / sd
            return np.asarray(stats.truncnorm.ppf(u, a, b, loc=mean, scale=sd), dtype=float)
        if self.distribution == "loguniform":
            return np.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
        return lo + u * (hi - lo)

    def assign(self, value: float) -> dict[str, float]:
        """Return the concrete path -> value mapping for ``value``.

        Parameters
        ----------
        value : float
            The parameter's value (a factor when ``relative``).

        Returns
        -------
        dict
            One entry per target.
        """
        if self.relative:
            return {t: float(b * value) for t, b in zip(self.targets, self.bases, strict=True)}
        return {t: float(value) for t in self.targets}


@dataclass(frozen=True)
class Spec:
    """A validated sensitivity spec.

    Attributes
    ----------
    params : tuple of Param
        The uncertain parameters, in file order.
    source : str
        File the spec was read from.
    scenario : str or None
        Scenario file named by the spec (resolved against the spec's folder).
    """

    params: tuple[Param, ...]
    source: str = "<memory>"
    scenario: str | None = None

    @property
    def names(self) -> list[str]:
        """Parameter labels (the path unless a ``label`` was given)."""
        return [p.label or p.path for p in self.params]

    def resolve(self, x: Sequence[float]) -> dict[str, float]:
        """Turn one point (one value per parameter) into a concrete sample.

        Parameters
        ----------
        x : sequence of float
            Values in the parameters' units, in spec order.

        Returns
        -------
        dict
            Concrete path -> value, ready for :func:`apply_sample`.
        """
        out: dict[str, float] = {}
        for p, v in zip(self.params, x, strict=True):
            out.update(p.assign(float(v)))
        return out

    def digest(self) -> str:
        """SHA-256 of the spec's content (not its path or comments)."""
        doc = [asdict(p) for p in self.params]
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def load_spec(path: str | Path, scenario: Scenario) -> Spec:
    """Read and validate a spec file against ``scenario``.

    Parameters
    ----------
    path : str or Path
        ``.toml`` or ``.json`` spec.
    scenario : Scenario
        The scenario whose ids and values the paths refer to.

    Returns
    -------
    Spec
        The validated spec.

    Raises
    ------
    ScenarioError
        Listing every problem (file, field, value, rule).

    Examples
    --------
    >>> from solver import MODELS_DIR, load_scenario, default_scenario_path
    >>> s = load_scenario(default_scenario_path())
    >>> spec = load_spec(MODELS_DIR / "dprk_2018_sensitivity.toml", s)
    >>> len(spec.params) > 10
    True
    """
    doc = read_document(path)
    spec = spec_from_dict(doc, scenario, source=str(path))
    if spec.scenario is not None:
        spec = Spec(spec.params, spec.source, str(Path(path).parent / spec.scenario))
    return spec


def named_scenario(path: str | Path) -> Path | None:
    """Return the scenario file a spec names (``scenario = ...``), resolved, or ``None``.

    Parameters
    ----------
    path : str or Path
        The spec file.

    Returns
    -------
    Path or None
        The scenario path relative to the spec's folder, when the spec names one.
    """
    scen = read_document(path).get("scenario")
    return Path(path).parent / scen if isinstance(scen, str) else None


def spec_from_dict(doc: Mapping[str, Any], scenario: Scenario, *, source: str = "<memory>") -> Spec:
    """Validate a parsed spec document and build a :class:`Spec`.

    Parameters
    ----------
    doc : Mapping
        Parsed TOML/JSON with a ``parameter`` array of tables.
    scenario : Scenario
        The scenario the paths refer to.
    source : str, optional
        Name used in error messages.

    Returns
    -------
    Spec
        The validated spec.

    Raises
    ------
    ScenarioError
        Listing every problem.
    """
    problems: list[str] = []
    for key in doc:
        if key not in ("scenario", "description", "parameter"):
            problems.append(
                f"{source}: {key} is not a known field; allowed: scenario, description, parameter"
            )
    entries = doc.get("parameter")
    if not isinstance(entries, list) or not entries:
        problems.append(f"{source}: parameter is {entries!r}; it must be a non-empty [[parameter]]")
        raise ScenarioError(problems)
    params: list[Param] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        p = _param(entry, i, scenario, source, problems)
        if p is None:
            continue
        clash = seen.intersection(p.targets)
        if clash:
            problems.append(
                f"{source}: parameter[{i}].path is {p.path!r}; it sets {sorted(clash)[0]} "
                "which an earlier parameter already sets"
            )
        seen.update(p.targets)
        params.append(p)
    if problems:
        raise ScenarioError(problems)
    scen = doc.get("scenario")
    return Spec(tuple(params), source, scen if isinstance(scen, str) else None)


def _param(
    entry: Any, i: int, scenario: Scenario, source: str, problems: list[str]
) -> Param | None:
    where = f"{source}: parameter[{i}]"
    if not isinstance(entry, dict):
        problems.append(f"{where} is {entry!r}; it must be a table")
        return None
    n0 = len(problems)
    for key in entry:
        if key not in _KEYS:
            problems.append(f"{where}.{key} is not a known field; allowed: {', '.join(_KEYS)}")
    path = entry.get("path")
    if not isinstance(path, str):
        problems.append(f"{where}.path is {path!r}; it must be a string such as 'discount'")
        return None
    where = f"{where} ({path})"
    relative = entry.get("relative", False)
    if not isinstance(relative, bool):
        problems.append(f"{where}.relative is {relative!r}; it must be true or false")
        return None
    try:
        addrs = parse_path(path, scenario, wildcard=relative)
    except KeyError as exc:
        problems.append(f"{where}.path is {path!r}; {exc.args[0]}")
        return None
    low_high = _range(entry.get("range"), where, problems)
    shape = _shape(entry, where, problems)
    if low_high is None or shape is None or len(problems) > n0:
        return None
    return _build(entry, path, addrs, low_high, shape, scenario, where, problems)


def _range(rng: Any, where: str, problems: list[str]) -> tuple[float, float] | None:
    ok = (
        isinstance(rng, list)
        and len(rng) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in rng)
        and all(_finite(v) for v in rng)
    )
    if not ok:
        problems.append(f"{where}.range is {rng!r}; it must be [low, high], two finite numbers")
        return None
    lo, hi = float(rng[0]), float(rng[1])
    if lo > hi:
        problems.append(f"{where}.range is {rng!r}; low must not exceed high")
        return None
    return lo, hi


def _finite(v: float) -> bool:
    """Whether ``v`` is a finite number (an integer too large for a float is not)."""
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


def _shape(entry: Mapping[str, Any], where: str, problems: list[str]) -> dict[str, Any] | None:
    dist = entry.get("distribution", "uniform")
    if dist not in DISTRIBUTIONS:
        problems.append(
            f"{where}.distribution is {dist!r}; it must be one of {', '.join(DISTRIBUTIONS)}"
        )
        return None
    shape: dict[str, Any] = {"distribution": dist}
    for key in ("mode", "mean", "sd"):
        v = entry.get(key)
        if v is not None and (not isinstance(v, int | float) or isinstance(v, bool)):
            problems.append(f"{where}.{key} is {v!r}; it must be a number")
            return None
        if v is not None and not _finite(v):
            problems.append(f"{where}.{key} is {v!r}; it must be a finite number")
            return None
        shape[key] = None if v is None else float(v)
    if shape["sd"] is not None and shape["sd"] <= 0:
        problems.append(f"{where}.sd is {shape['sd']!r}; it must be positive")
        return None
    label = entry.get("label", "")
    if not isinstance(label, str):
        problems.append(f"{where}.label is {label!r}; it must be a string")
        return None
    shape["label"] = label
    return shape


def _build(
    entry: Mapping[str, Any],
    path: str,
    addrs: list[Address],
    low_high: tuple[float, float],
    shape: dict[str, Any],
    scenario: Scenario,
    where: str,
    problems: list[str],
) -> Param | None:
    lo, hi = low_high
    relative = bool(entry.get("relative", False))
    bases = [current_value(scenario, a) for a in addrs]
    unset = [a.path for a, b in zip(addrs, bases, strict=True) if b is None]
    if unset and relative:
        problems.append(f"{where}.path is {path!r}; {unset[0]} is not set in the scenario")
        return None
    fld = addrs[0].field
    for a, b in zip(addrs, bases, strict=True):
        for v in (lo, hi):
            actual = v * b if relative and b is not None else v
            if not in_bounds(fld, actual):
                problems.append(
                    f"{where}.range is {[lo, hi]!r}; it would set {a.path} to {actual:g}, "
                    f"which must be {bounds_text(fld)}"
                )
                return None
    dist = shape["distribution"]
    if dist == "loguniform" and lo <= 0:
        problems.append(f"{where}.range is {[lo, hi]!r}; a loguniform range must be positive")
        return None
    baseline = 1.0 if relative else (bases[0] if bases[0] is not None else (lo + hi) / 2)
    mode = shape["mode"]
    if dist == "triangular" and not lo <= (baseline if mode is None else mode) <= hi:
        problems.append(f"{where}.mode is {mode!r}; the triangular peak must lie in the range")
        return None
    return Param(
        path=path,
        targets=tuple(a.path for a in addrs),
        low=lo,
        high=hi,
        baseline=float(baseline),
        distribution=dist,
        relative=relative,
        mode=mode,
        mean=shape["mean"],
        sd=shape["sd"],
        label=shape["label"],
        bases=tuple(float(b) if b is not None else math.nan for b in bases),
    )
