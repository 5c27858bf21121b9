"""The CP-SAT formulation of relief sequencing: the step model in exact integer arithmetic.

CP-SAT (OR-tools) reasons only over integers, with integer coefficients.  This
formulation writes the step model of :mod:`solver.formulation.step` (the same
columns, rows and objective, so the same optimum) as a CP-SAT model, solves it,
and hands back a :class:`~solver.backends.Solution` of the step model, so the
pipeline reads it out and the independent verifier judges it like any other.
``docs/formulation.md`` ("The CP-SAT formulation") states the translation,
its scaling and its tolerance; in short:

1. **Definitions substituted.**  A free continuous column defined by an
   equality row over integer columns (the aggregates ``R_t, C_t, O_t, Q_t,
   B_t``) is replaced in every other row by its definition (one sparse
   product), so it never needs a grid.
2. **Integral auxiliaries.**  A continuous column that every row allows to
   decrease, whose lower-bounding rows are integer rows in it and integer
   columns, and whose objective weight does not reward it (the activation
   columns ``n_k, o_k, act``), takes an integer value at some optimum
   (lower it to the largest of its integer lower bounds): it becomes an
   integer variable.  A ``[0, 1]`` column written as the AND of binaries
   (``a <= y``, ``a <= 1 - z``, ``a >= y - z``: a flow in force until an
   event) is a Boolean.
3. **Money on a grid.**  Every other continuous column (leverage ``L_k``,
   ``Lmin``, restored costs ``rho``, the leximin levels) is an integer count
   of ``1 / (sigma_j * U)`` USD m, ``U`` the grid per USD m (the coarsest of
   :data:`UNITS`, ``1e3`` to ``1e9``, within :data:`ROW_TOLERANCE`) and
   ``sigma_j`` a column scale chosen so that each row, multiplied by its own
   factor, has an *integer* coefficient on every such column (exactly, not
   rounded; a row or column for which no such scale exists is refused).
4. **Rounded integer parts, relaxed rows.**  In every row the coefficients
   of the integer columns are rounded to the grid; the row's bounds are
   widened by the largest total rounding error the integer columns can make,
   so every plan feasible in the step model stays feasible here, and a plan
   feasible here violates a step row by at most that error (below
   :data:`ROW_TOLERANCE` of the row's scale, checked, else refused).
5. **Exact read-out.**  CP-SAT's integer columns are fixed in the step
   model and its continuous columns re-solved as an LP (HiGHS), so the
   returned values, objective and leverage are the step model's own.  A CP
   answer that the step model rejects is an ``ERROR``, never passed on.

Refused (status ``ERROR``, message ``refused: ...``): a model with a
continuous column that fits none of 1-3, an integer column without finite
bounds, or a row whose exact scaling would overflow CP-SAT's 64-bit
arithmetic.  The shipped scenarios all translate (a test checks each one
against the step MIP).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from solver.backends import Solution, Status, run_backend
from solver.formulation import step
from solver.formulation.common import BuildOptions, Built
from solver.model import LinearModel
from solver.scenario import Scenario

__all__ = [
    "ENGINE",
    "ROW_TOLERANCE",
    "UNIT",
    "UNITS",
    "CPSATRefused",
    "Translation",
    "build",
    "level_solver",
    "solve_model",
    "translate",
]

ENGINE = "cpsat"
"""The name of the formulation (and the ``backend`` label of its solutions)."""

UNIT = 1e9
"""The finest money grid: integer counts of ``1e-9`` USD m (a tenth of a cent)."""

MIN_UNIT = 1e3
"""The coarsest money grid (``1e-3`` USD m, a thousand dollars)."""

UNITS = tuple(10.0**k for k in range(3, 10))
"""Money grids tried, coarsest first (:data:`MIN_UNIT` to :data:`UNIT`): the first
whose rounding relaxes no row by more than :data:`ROW_TOLERANCE` is kept.  Coarse
first because CP-SAT is unreliable on huge coefficients: on ``generate(40, 5,
seed=1)`` OR-tools 9.15 answered ``OPTIMAL`` 704.04 for the first leximin level
on the ``1e9`` grid, where the MIP's plan (821.51) is feasible in the same CP
model, and proved 821.51 on the ``1e4`` grid (rows relaxed by at most
``9.4e-8``), both in 0.02 s (``docs/formulation.md``)."""

ROW_TOLERANCE = 1e-7
"""Largest relaxation of a step row (its rounding error, in the row's units, relative
to ``max(1, |bound|)``): ten times tighter than the verifier's ``FEAS_TOL`` (1e-6)."""

OBJECTIVE_TOLERANCE = 1e-9
"""Largest rounding error of the CP objective's plan terms (model units) sought by
refining its own multiplier (tenfold steps, up to ``1e9`` beyond the grid, while the
objective's reach stays below ``MAX_ACTIVITY / 8``)."""

MAX_ACTIVITY = 2.0**60
"""Largest absolute activity a scaled row may reach (CP-SAT computes in int64)."""

SAFE_PARAMETERS: dict[str, object] = {
    "use_lns": False,
    "cp_model_probing_level": 0,
    "keep_symmetry_in_presolve": True,
}
"""CP-SAT parameters of every relief solve (measured workarounds, OR-tools 9.15):
with default presolve CP-SAT returned ``OPTIMAL`` 0.2590909 on ``six_party_2007``
(objective ``speed``) while the step MIP's plan, feasible in the same CP model, scores
0.2591008 (probing off or symmetry kept each restores it); its large-neighbourhood
workers and, with presolve off, its search aborted the process (``std::bad_alloc``) on
the default scenario's leximin levels, whose money columns span ``1e14`` grid units.
A solve that raises ``MemoryError`` all the same is tried again with each setting of
:data:`RETRIES` in turn, and reported as an ``ERROR`` if every one fails."""

RETRIES: tuple[dict[str, object], ...] = (
    {"max_presolve_iterations": 0},
    {"cp_model_presolve": False},
)
"""Extra parameters for the second and third try after a ``MemoryError``, or after an
``INFEASIBLE`` answer on a model that the hint (the previous leximin level's plan)
satisfies: on ``dprk_2018_no_reverse_veto`` OR-tools 9.15 called the second level
infeasible, although fixing the MIP's plan in the same CP model gives a feasible point."""

RETRY_SECONDS = 30.0
"""Time limit of a retry when the call has none (half the time left when it has one)."""

RELIEF_WORKERS = 1
"""CP-SAT workers for a relief model: one, so a solve is deterministic (the models
are small: the default scenario's levels take milliseconds)."""

INTEGRAL_TOL = 1e-9
"""Relative distance from an integer under which an exact-scaled coefficient is integral."""


class CPSATRefused(ValueError):
    """The step model has a part CP-SAT cannot state exactly; the message says which."""


def build(scenario: Scenario, options: BuildOptions | None = None) -> Built:
    """Build the CP-SAT formulation of ``scenario``: the step model, solved by CP-SAT.

    The returned model is the step formulation's (same columns, rows and
    objective); :func:`solve_model` translates it to CP-SAT when it is solved
    (``solver.pipeline`` does so for the ``cpsat`` formulation).

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    options : BuildOptions, optional
        Objective, incentive rows, credibility overrides.

    Returns
    -------
    Built
        The step model (named ``...-cpsat``), ``info["engine"] == "cpsat"``.

    Examples
    --------
    >>> from solver import load_scenario, default_scenario_path
    >>> b = build(load_scenario(default_scenario_path()))
    >>> b.info["engine"], b.model.name.endswith("-cpsat")
    ('cpsat', True)
    """
    built = step.build(scenario, options)
    built.model.name = f"{scenario.name}-cpsat"
    built.info["engine"] = ENGINE
    return built


@dataclass
class Translation:
    """A step model written as a CP-SAT model, and how to map values back.

    Attributes
    ----------
    cp : ortools.sat.python.cp_model.CpModel
        The CP-SAT model.
    cols : dict
        Step column -> CP-SAT variable, for every column kept (not substituted).
    scale : dict
        Step column -> CP units per model unit (1 for integer columns).
    kinds : dict
        Step column -> ``"integer"``, ``"auxiliary"``, ``"and"`` or ``"money"``.
    substituted : list of int
        Columns replaced by their definitions.
    unit : float
        The money grid used (per USD m).
    objective_scale : float
        CP objective units per model objective unit.
    objective_slack : float
        Largest rounding error of the CP objective (model units).
    max_relaxation : float
        Largest relaxation of any row, relative to ``max(1, |bound|)``.
    """

    cp: Any
    cols: dict[int, Any]
    scale: dict[int, float]
    kinds: dict[int, str]
    substituted: list[int]
    unit: float
    objective_scale: float
    objective_slack: float
    max_relaxation: float
    integer_cols: list[int] = field(default_factory=list)
    box: float = math.inf


def _isint(v: float) -> bool:
    return abs(v - round(v)) <= INTEGRAL_TOL * max(1.0, abs(v))


def _substitute(
    model: LinearModel, integral: np.ndarray
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, np.ndarray, float, list[int], list[int]]:
    """Replace free continuous columns defined by equality rows over integral columns.

    Returns the reduced matrix (rows kept x all columns, substituted columns
    zero), its row bounds, the objective, its constant, the substituted
    columns and the rows kept.
    """
    a = model.matrix().tocsr()
    lb_r = np.asarray(model.row_lb, dtype=float)
    ub_r = np.asarray(model.row_ub, dtype=float)
    integer = integral
    lo = np.asarray(model.lb, dtype=float)
    hi = np.asarray(model.ub, dtype=float)
    free = ~integer & np.isinf(lo) & np.isinf(hi)
    defined: dict[int, int] = {}
    for i in range(model.num_rows):
        if lb_r[i] != ub_r[i] or not math.isfinite(lb_r[i]):
            continue
        cols = a.indices[a.indptr[i] : a.indptr[i + 1]]
        cont = [int(c) for c in cols if not integer[c]]
        if len(cont) == 1 and free[cont[0]] and cont[0] not in defined:
            defined[cont[0]] = i
    c = np.asarray(model.obj, dtype=float)
    const = float(model.obj_constant)
    keep = [i for i in range(model.num_rows) if i not in set(defined.values())]
    if not defined:
        return a, lb_r, ub_r, c, const, [], keep
    jj = np.array(sorted(defined), dtype=int)
    ii = np.array([defined[j] for j in jj], dtype=int)
    piv = np.asarray(a[ii, :][:, jj].diagonal(), dtype=float).ravel()
    d = a[ii, :].tolil()
    d[:, jj] = 0.0
    d = sp.csr_matrix(d)
    inv = sp.diags(1.0 / piv)
    b = lb_r[ii]
    rest = a[keep, :]
    coup = rest[:, jj] @ inv  # (kept rows, defined)
    new = sp.lil_matrix(rest - coup @ d)
    new[:, jj] = 0.0
    shift = coup @ b
    cj = c[jj] / piv
    c2 = c - (sp.csr_matrix(cj) @ d).toarray().ravel()
    c2[jj] = 0.0
    const += float(cj @ b)
    new_csr = sp.csr_matrix(new)
    new_csr.eliminate_zeros()
    return new_csr, lb_r[keep] - shift, ub_r[keep] - shift, c2, const, list(jj), keep


def _row_lists(a: sp.csr_matrix) -> list[tuple[np.ndarray, np.ndarray]]:
    return [
        (a.indices[a.indptr[i] : a.indptr[i + 1]], a.data[a.indptr[i] : a.indptr[i + 1]])
        for i in range(a.shape[0])
    ]


def _and_columns(
    rows: list[tuple[np.ndarray, np.ndarray]],
    lb: np.ndarray,
    ub: np.ndarray,
    integer: np.ndarray,
    cands: Sequence[int],
) -> dict[int, list[tuple[int, bool]]]:
    """``[0, 1]`` columns that their rows fix to an AND of binary literals.

    The pattern: ``x - l <= 0`` for every literal ``l`` (a column or ``1 - column``)
    and ``x - sum l >= 1 - n``; returns column -> [(column, positive)].
    """
    upper: dict[int, list[tuple[int, bool]]] = {}
    lower: dict[int, list[tuple[int, bool]]] = {}
    cand = set(cands)
    for i, (cols, vals) in enumerate(rows):
        mine = [k for k, col in enumerate(cols) if int(col) in cand]
        if len(mine) != 1 or abs(vals[mine[0]] - 1.0) > 1e-12:
            continue
        x = int(cols[mine[0]])
        others = [(int(cols[k]), float(vals[k])) for k in range(len(cols)) if k != mine[0]]
        if not all(integer[col] and abs(abs(v) - 1.0) < 1e-12 for col, v in others):
            continue
        lits = [(col, v < 0) for col, v in others]  # -col: positive literal col
        negs = sum(1 for _, pos in lits if not pos)
        if len(others) == 1 and math.isinf(lb[i]) and ub[i] == float(negs):
            upper.setdefault(x, []).append(lits[0])  # x - l <= 0 (x + col <= 1 for 1 - col)
        elif math.isinf(ub[i]) and lb[i] == float(1 - len(lits) + negs):
            lower[x] = lits  # x - sum(l) >= 1 - n
    out: dict[int, list[tuple[int, bool]]] = {}
    for x, lits in lower.items():
        if sorted(upper.get(x, [])) == sorted(lits) and lits:
            out[x] = lits
    return out


def _auxiliary(
    j: int,
    rows_of: list[list[tuple[int, float]]],
    rows: list[tuple[np.ndarray, np.ndarray]],
    lb: np.ndarray,
    ub: np.ndarray,
    integer: np.ndarray,
    obj: float,
    maximize: bool,
    col_lb: float,
    col_ub: float,
    bounds: tuple[np.ndarray, np.ndarray],
) -> tuple[int, int] | None:
    """The integer domain of a column that may always be lowered to an integer, else None."""
    if (obj > 0) if maximize else (obj < 0):
        return None
    if not (math.isfinite(col_lb) and _isint(col_lb)):
        return None
    top = round(col_lb)
    for i, a in rows_of[j]:
        lower_ge = a > 0 and math.isfinite(lb[i])
        lower_le = a < 0 and math.isfinite(ub[i])
        if lb[i] == ub[i] or (lower_ge and lower_le):
            return None
        if not (lower_ge or lower_le):
            continue  # lowering x can only loosen this row
        cols, vals = rows[i]
        rhs = lb[i] if lower_ge else ub[i]
        if abs(abs(a) - 1.0) > 1e-12 or not _isint(rhs):
            return None
        best = rhs if lower_ge else -rhs  # x >= best - sign * sum(v * col)
        sign = 1.0 if lower_ge else -1.0
        for col, v in zip(cols, vals, strict=True):
            if int(col) == j:
                continue
            if not integer[col] or not _isint(v):
                return None
            # the most the others can require, over the column's bounds
            best += max(-sign * v * bounds[0][col], -sign * v * bounds[1][col])
        top = max(top, math.floor(best + 1e-9))
    return round(col_lb), min(top, int(col_ub)) if math.isfinite(col_ub) else top


def _row_multiplier(coefs: Sequence[float], bounds: Sequence[float], span: float) -> float:
    """The smallest power of ten that makes a row integral, or rounds it within tolerance.

    Small multipliers keep CP-SAT's coefficients small: on rows scaled to
    ``1e15`` OR-tools 9.15's presolve cut off the optimum of a shipped
    scenario (``six_party_2007``, objective ``speed``).
    """
    for k in range(0, 13):
        mult = 10.0**k
        if all(_isint(v * mult) for v in coefs) and all(_isint(b * mult) for b in bounds):
            return mult
    for k in range(6, 16):
        mult = 10.0**k
        err = sum(abs(round(v * mult) - v * mult) for v in coefs)
        if math.ceil(err) / mult <= ROW_TOLERANCE * 1e-2 * max(1.0, span):
            return mult
    return 10.0 ** min(15, math.floor(math.log10(MAX_ACTIVITY / 8 / max(span, 1e-300))))


def _exact_factor(coefs: Sequence[float]) -> float | None:
    """A factor ``f`` with ``f * c`` integral for every ``c``, or None."""
    if all(_isint(c) for c in coefs):
        return 1.0
    frac = [abs(c) for c in coefs if not _isint(c)]
    for base in sorted(set(frac)):
        f = 1.0 / base
        if all(_isint(f * c) for c in coefs):
            return f
    return None


def translate(model: LinearModel, *, unit: float | None = None) -> Translation:
    """Write ``model`` as a CP-SAT model (see the module docstring for the rules).

    Parameters
    ----------
    model : LinearModel
        A step-formulation model (or any model of the same kinds of columns).
    unit : float, optional
        The money grid per model unit; default: the coarsest of :data:`UNITS`
        within :data:`ROW_TOLERANCE` that does not overflow.

    Returns
    -------
    Translation
        The CP-SAT model and the maps back.

    Raises
    ------
    CPSATRefused
        When a column or row cannot be written exactly (the message names it),
        on ``unit`` or, by default, on every grid of :data:`UNITS`.
    """
    if unit is not None:
        try:
            return _translate(model, unit)
        except _Overflow as exc:
            raise CPSATRefused(str(exc)) from None
    reason = ""
    for grid in UNITS:
        try:
            return _translate(model, grid)
        except _TooCoarse as exc:  # a finer grid rounds less
            reason = str(exc)
        except _Overflow as exc:  # a finer grid overflows more
            raise CPSATRefused(f"{exc} (grid {1 / grid:g} USD m; {reason})") from None
    raise CPSATRefused(reason)


class _TooCoarse(CPSATRefused):
    """A row's rounding on this grid relaxes it beyond :data:`ROW_TOLERANCE`."""


class _Overflow(Exception):
    """A scaled row would exceed :data:`MAX_ACTIVITY`."""


def _translate(model: LinearModel, unit: float) -> Translation:
    from ortools.sat.python import cp_model

    n = model.num_vars
    integer = np.asarray(model.integer, dtype=bool)
    col_lb = np.asarray(model.lb, dtype=float)
    col_ub = np.asarray(model.ub, dtype=float)
    unit01 = [j for j in range(n) if not integer[j] and col_lb[j] == 0.0 and col_ub[j] == 1.0]
    ands = _and_columns(_row_lists(model.matrix().tocsr()), np.asarray(model.row_lb, float),
                        np.asarray(model.row_ub, float), integer, unit01)  # fmt: skip
    integral = integer.copy()
    integral[list(ands)] = True
    a, lb, ub, obj, const, subst, _ = _substitute(model, integral)
    rows = _row_lists(a)
    rows_of: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for i, (cols, vals) in enumerate(rows):
        for col, v in zip(cols, vals, strict=True):
            rows_of[int(col)].append((i, float(v)))
    names = model.var_names
    gone = set(subst)
    for j in range(n):
        if integer[j] and not (math.isfinite(col_lb[j]) and math.isfinite(col_ub[j])):
            raise CPSATRefused(f"integer column {names[j]} has no finite bounds")
    cont = [j for j in range(n) if not integer[j] and j not in gone]
    kinds: dict[int, str] = {j: "integer" for j in range(n) if integer[j]}
    domain: dict[int, tuple[int, int]] = {
        j: (round(col_lb[j]), round(col_ub[j])) for j in range(n) if integer[j]
    }
    for j in cont:
        if j in ands:
            kinds[j], domain[j] = "and", (0, 1)
            continue
        aux = _auxiliary(j, rows_of, rows, lb, ub, integer, float(obj[j]), model.maximize,
                         float(col_lb[j]), float(col_ub[j]), (col_lb, col_ub))  # fmt: skip
        if aux is not None:
            kinds[j], domain[j] = "auxiliary", aux
        else:
            kinds[j] = "money"
    money = [j for j in cont if kinds[j] == "money"]
    dlo, dhi = col_lb.copy(), col_ub.copy()  # the CP domains of the non-money columns
    for j, (lo_d, hi_d) in domain.items():
        dlo[j], dhi[j] = lo_d, hi_d
    # Column scales: a money column with one distinct non-integer coefficient
    # magnitude is measured in units of that magnitude (rho in the covert rows).
    sigma = {j: 1.0 for j in money}
    for j in money:
        frac = sorted({round(abs(v), 12) for _, v in rows_of[j] if not _isint(v)})
        if len(frac) == 1:
            sigma[j] = frac[0]
    # Range of the money columns: a few times the most money a row's plan columns
    # (integer and AND columns: no big-M activations, no bounds) add up to, times
    # the most money columns in one row; a read-out value outside it is refused.
    reach = 1.0
    width = 1
    plan_kinds = ("integer", "and")
    for cols, vals in rows:
        width = max(width, sum(1 for c in cols if kinds.get(int(c)) == "money"))
        part = 0.0
        for c, v in zip(cols, vals, strict=True):
            if kinds.get(int(c)) in plan_kinds:
                part += abs(v) * max(abs(dlo[c]), abs(dhi[c]))
        reach = max(reach, part)
    box = 4.0 * reach * width
    cp = cp_model.CpModel()
    cp.name = model.name
    var: dict[int, Any] = {}
    scale: dict[int, float] = {}
    total = 0

    for j in range(n):
        if j in gone:
            continue
        if kinds[j] == "money":
            s = sigma[j] * unit
            lo_v = -box if math.isinf(col_lb[j]) else max(-box, col_lb[j])
            hi_v = box if math.isinf(col_ub[j]) else min(box, col_ub[j])
            lo_i, hi_i = math.ceil(lo_v * s - 1e-6), math.floor(hi_v * s + 1e-6)
            if max(abs(lo_i), abs(hi_i)) > MAX_ACTIVITY / 4:
                raise _Overflow(f"column {names[j]}: range {box:.3g} does not fit the grid")
            var[j] = cp.new_int_var(lo_i, hi_i, names[j])
            scale[j] = s
            total += hi_i - lo_i
        elif kinds[j] == "and":
            var[j] = cp.new_bool_var(names[j])
            scale[j] = 1.0
        else:
            lo_i, hi_i = domain[j]
            var[j] = (cp.new_bool_var(names[j]) if (lo_i, hi_i) == (0, 1)
                      else cp.new_int_var(lo_i, hi_i, names[j]))  # fmt: skip
            scale[j] = 1.0
    if total > MAX_ACTIVITY:  # CP-SAT needs the sum of all domain sizes in int64
        raise _Overflow(f"the money columns' ranges ({box:.3g} USD m) add up beyond int64")
    for j, lits in ands.items():
        terms = [var[c] if pos else ~var[c] for c, pos in lits]
        cp.add_bool_and(terms).only_enforce_if(var[j])
        cp.add_bool_or([~t for t in terms] + [var[j]])
    worst = 0.0
    for i, (cols, vals) in enumerate(rows):
        worst = max(worst, _add_row(cp, i, cols, vals, lb[i], ub[i], var, scale, kinds,
                                    dlo, dhi, unit, names))  # fmt: skip
    oscale, oslack = _set_objective(cp, model, obj, var, scale, kinds, dlo, dhi, unit,
                                    gone)  # fmt: skip
    return Translation(
        cp=cp, cols=var, scale=scale, kinds=kinds, substituted=list(subst), unit=unit,
        objective_scale=oscale, objective_slack=oslack + abs(const) * 0.0,
        max_relaxation=worst, integer_cols=[j for j in range(n) if integer[j]], box=box,
    )  # fmt: skip


def _add_row(
    cp: Any, i: int, cols: np.ndarray, vals: np.ndarray, lo: float, hi: float,
    var: dict[int, Any], scale: dict[int, float], kinds: dict[int, str],
    col_lb: np.ndarray, col_ub: np.ndarray, unit: float, names: list[str],
) -> float:  # fmt: skip
    """Add one row; return its relaxation relative to ``max(1, |bound|)``."""
    if len(cols) == 0:
        if (math.isfinite(lo) and lo > 1e-9) or (math.isfinite(hi) and hi < -1e-9):
            raise CPSATRefused(f"row {i} has no columns and bounds [{lo}, {hi}]")
        return 0.0
    money = [
        (int(c), float(v)) for c, v in zip(cols, vals, strict=True) if kinds[int(c)] == "money"
    ]
    rest = [(int(c), float(v)) for c, v in zip(cols, vals, strict=True) if kinds[int(c)] != "money"]
    exact_int = (not money and all(_isint(v) for _, v in rest)
                 and all(not math.isfinite(b) or _isint(b) for b in (lo, hi)))  # fmt: skip
    span = sum(abs(v) * max(abs(col_lb[c]), abs(col_ub[c]), 1.0) for c, v in rest)
    span += max((abs(b) for b in (lo, hi) if math.isfinite(b)), default=0.0)
    if exact_int:
        mult = 1.0
    elif not money:  # free to choose: the coarsest power of ten that is exact or close enough
        mult = _row_multiplier([v for _, v in rest], [b for b in (lo, hi) if math.isfinite(b)],
                               span)  # fmt: skip
    else:
        f = _exact_factor([v / (scale[c] / unit) for c, v in money]) if money else 1.0
        if f is None:
            raise CPSATRefused(
                "row "
                + str(i)
                + " mixes money columns "
                + ", ".join(names[c] for c, _ in money[:4])
                + " with coefficients no common factor makes integral"
            )
        mult = f * unit
    coefs: list[int] = []
    terms: list[Any] = []
    err = 0.0
    activity = 0.0
    for c, v in rest:
        exact = v * mult
        r = round(exact)
        err += abs(r - exact) * max(abs(col_lb[c]), abs(col_ub[c]), 1.0 if kinds[c] != "integer"
                                    else 0.0)  # fmt: skip
        if r:
            coefs.append(int(r))
            terms.append(var[c])
            activity += abs(r) * max(abs(col_lb[c]), abs(col_ub[c]), 1.0)
    for c, v in money:
        r = round(v * mult / scale[c])
        coefs.append(int(r))
        terms.append(var[c])
        dom = var[c].proto.domain
        activity += abs(r) * max(abs(dom[0]), abs(dom[-1]))
    if activity > MAX_ACTIVITY:
        raise _Overflow(f"row {i} would reach {activity:.3g} in CP-SAT's integers")
    from ortools.sat.python import cp_model

    slack = math.ceil(err - 1e-12) if err > 1e-12 else 0
    lo_i = (
        cp_model.INT_MIN
        if math.isinf(lo)
        else math.ceil(lo * mult - 1e-9 * max(1.0, abs(lo * mult)))
    )
    hi_i = (
        cp_model.INT_MAX
        if math.isinf(hi)
        else math.floor(hi * mult + 1e-9 * max(1.0, abs(hi * mult)))
    )
    rel = slack / mult / max(1.0, span)
    if rel > ROW_TOLERANCE:
        raise _TooCoarse(
            f"row {i}: rounding to the grid relaxes it by {slack / mult:.3g}, above "
            f"{ROW_TOLERANCE:g} of its scale {span:.3g}"
        )
    if slack:
        lo_i = lo_i - slack if not math.isinf(lo) else lo_i
        hi_i = hi_i + slack if not math.isinf(hi) else hi_i
    if math.isinf(lo) and math.isinf(hi):
        return 0.0
    if not terms:
        if lo_i > 0 or hi_i < 0:
            raise CPSATRefused(f"row {i} rounds to an infeasible constant row")
        return rel
    # one-sided rows get the activity's own bound on the other side (finite ranges only)
    lo_i = max(lo_i, -int(activity) - 1)
    hi_i = min(hi_i, int(activity) + 1)
    cp.add_linear_constraint(cp_model.LinearExpr.weighted_sum(terms, coefs), lo_i, hi_i)
    return rel


def _set_objective(
    cp: Any, model: LinearModel, obj: np.ndarray, var: dict[int, Any], scale: dict[int, float],
    kinds: dict[int, str], col_lb: np.ndarray, col_ub: np.ndarray, unit: float, gone: set[int],
) -> tuple[float, float]:  # fmt: skip
    """Set the CP objective; return (CP units per model unit, rounding slack in model units)."""
    money = [(j, float(obj[j])) for j in var if kinds[j] == "money" and obj[j] != 0.0]
    rest = [(j, float(obj[j])) for j in var if kinds[j] != "money" and obj[j] != 0.0]
    f = _exact_factor([v / (scale[j] / unit) for j, v in money]) if money else 1.0
    if f is None:
        raise CPSATRefused("the objective's money columns have no common integral factor")

    # The objective gets its own power of ten on top of the grid: a coarse grid keeps
    # the rows' coefficients small, but rounding the plan terms of an objective on it
    # (the speed weights, the tie-breaks) would reorder plans (seen: `speed` on the
    # default scenario, 12.30743 against the MIP's 12.30815 on the 1e-4 grid).
    def rounded(mult: float) -> tuple[float, float]:
        err = sum(abs(round(v * mult) - v * mult) * _reach(j) for j, v in rest)
        top = sum(abs(round(v * mult)) * _reach(j) for j, v in rest) + sum(
            abs(v * mult / scale[j]) * _money_reach(j) for j, v in money
        )
        return err / mult, top

    def _reach(j: int) -> float:
        return max(abs(col_lb[j]), abs(col_ub[j]), 1.0)

    def _money_reach(j: int) -> float:
        dom = var[j].proto.domain
        return float(max(abs(dom[0]), abs(dom[-1]), 1))

    mult = f * unit
    slack, _ = rounded(mult)
    for k in range(1, 10):
        if slack <= OBJECTIVE_TOLERANCE:
            break
        finer = mult * 10.0**k
        err_k, top = rounded(finer)
        if top > MAX_ACTIVITY / 8:
            break
        if err_k < slack:
            mult, slack = finer, err_k
    coefs: list[int] = []
    terms: list[Any] = []
    err = 0.0
    for j, v in rest:
        r = round(v * mult)
        err += abs(r - v * mult) * _reach(j)
        if r:
            coefs.append(int(r))
            terms.append(var[j])
    for j, v in money:
        coefs.append(round(v * mult / scale[j]))
        terms.append(var[j])
    from ortools.sat.python import cp_model

    expr = cp_model.LinearExpr.weighted_sum(terms, coefs) if terms else 0
    if model.maximize:
        cp.maximize(expr)
    else:
        cp.minimize(expr)
    return mult, err / mult


def solve_model(
    model: LinearModel,
    *,
    time_limit: float | None = None,
    start: np.ndarray | None = None,
    workers: int | None = None,
    seed: int = 0,
) -> Solution:
    """Solve ``model`` (a step model) with CP-SAT; read the answer out exactly.

    Parameters
    ----------
    model : LinearModel
        The model (any objective, level bounds included).
    time_limit : float, optional
        Wall-clock seconds for the translation, CP-SAT and the read-out.
    start : numpy.ndarray, optional
        A value for every column, given to CP-SAT as its hint.
    workers : int, optional
        CP-SAT search workers (default :data:`RELIEF_WORKERS`); the
        parameters :data:`SAFE_PARAMETERS` always apply.
    seed : int, optional
        CP-SAT's ``random_seed``.

    Returns
    -------
    Solution
        ``backend == "cpsat"``; ``x``, ``objective`` from the step model
        with CP-SAT's integer columns fixed (an LP solve); ``bound`` CP-SAT's
        bound widened by the objective's rounding slack; ``ERROR`` with
        ``refused: ...`` when the model cannot be translated exactly, or when
        the step model rejects CP-SAT's integer columns.
    """
    from ortools.sat.python import cp_model

    t0 = time.perf_counter()

    def done(status: Status, message: str, x: np.ndarray | None = None,
             objective: float | None = None, bound: float | None = None,
             nodes: int | None = None) -> Solution:  # fmt: skip
        return Solution(status, message, x, objective, bound, nodes,
                        time.perf_counter() - t0, ENGINE)  # fmt: skip

    try:
        tr = translate(model)
    except CPSATRefused as exc:
        return done(Status.ERROR, f"refused: {exc}")
    if start is not None:
        for j, v in tr.cols.items():
            if tr.kinds[j] != "money":
                tr.cp.add_hint(v, round(float(start[j])))
    failures = []
    for extra in ({}, *RETRIES):
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = RELIEF_WORKERS if workers is None else workers
        solver.parameters.random_seed = seed
        # bounded memory: CP-SAT stops with its best answer instead of growing without limit
        solver.parameters.max_memory_in_mb = 4000
        for key, value in {**SAFE_PARAMETERS, **extra}.items():
            setattr(solver.parameters, key, value)
        if time_limit is not None:
            left = time_limit - (time.perf_counter() - t0)
            if left <= 0:
                return done(Status.TIME_LIMIT, "time limit reached before CP-SAT could run")
            solver.parameters.max_time_in_seconds = max(0.01, left if not extra else left / 2)
        elif extra:
            solver.parameters.max_time_in_seconds = RETRY_SECONDS
        setting = ", ".join(f"{k}={v}" for k, v in extra.items()) or "defaults"
        try:
            raw = solver.solve(tr.cp)
        except MemoryError:
            failures.append(f"std::bad_alloc with {setting}")
            continue
        if raw == cp_model.INFEASIBLE and start is not None and _meets(model, start):
            # the hint (the previous level's plan) satisfies the model: not infeasible
            failures.append(f"a wrong INFEASIBLE with {setting}")
            continue
        break
    else:
        return done(Status.ERROR, "CP-SAT failed: " + "; ".join(failures))
    name = solver.status_name(raw)
    note = (f"CP-SAT {name}; grid {1 / tr.unit:g} USD m, {len(tr.substituted)} columns "
            f"substituted, rows relaxed by at most {tr.max_relaxation:.1e}")  # fmt: skip
    if failures:
        note += f" (after {'; '.join(failures)})"
    nodes = int(solver.num_branches)
    if raw == cp_model.INFEASIBLE:
        return done(Status.INFEASIBLE, note, nodes=nodes)
    if raw == cp_model.MODEL_INVALID:
        return done(Status.ERROR, f"{note}: {tr.cp.validate()}", nodes=nodes)
    if raw not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return done(Status.TIME_LIMIT, note, nodes=nodes)
    fixed = {j: float(solver.value(tr.cols[j])) for j in tr.integer_cols}
    lb = list(model.lb)
    ub = list(model.ub)
    for j, v in fixed.items():
        lb[j] = ub[j] = v
    lp = model.copy(lb=lb, ub=ub, blocks=())
    lp_limit = None if time_limit is None else max(0.05, time_limit - (time.perf_counter() - t0))
    sol = run_backend(lp, "highs", time_limit=lp_limit)
    if sol.status is not Status.OPTIMAL or sol.x is None:
        return done(Status.ERROR, f"{note}; the step model rejects CP-SAT's plan "
                    f"(read-out LP: {sol.status.value}, {sol.message})", nodes=nodes)  # fmt: skip
    outside = [j for j, k in tr.kinds.items() if k == "money" and abs(sol.x[j]) > tr.box]
    if outside:  # the CP box might have hidden plans needing such values: never guess
        return done(Status.ERROR, f"refused: {note}; column {model.var_names[outside[0]]} = "
                    f"{sol.x[outside[0]]:.6g} lies outside the CP range +-{tr.box:.3g}",
                    nodes=nodes)  # fmt: skip
    bound = solver.best_objective_bound / tr.objective_scale
    bound += float(model.obj_constant) * 0.0
    value = model.objective_value(sol.x)
    # CP-SAT's bound is on its rounded objective: widen it by the rounding slack.
    const_shift = value - solver.objective_value / tr.objective_scale
    bound = bound + const_shift + (tr.objective_slack if model.maximize else -tr.objective_slack)
    status = Status.OPTIMAL if raw == cp_model.OPTIMAL else Status.FEASIBLE
    return done(status, note, sol.x, value, bound, nodes)


def _meets(model: LinearModel, x: np.ndarray) -> bool:
    """Whether ``x`` satisfies every row and bound of ``model`` (``FEAS_TOL``, relative)."""
    from solver.tolerances import FEAS_TOL

    x = np.asarray(x, dtype=float)
    if x.shape != (model.num_vars,):
        return False
    act = model.matrix() @ x
    lo, hi = np.asarray(model.row_lb, float), np.asarray(model.row_ub, float)
    clo, chi = np.asarray(model.lb, float), np.asarray(model.ub, float)
    tol_r = FEAS_TOL * np.maximum(1.0, np.abs(act))
    tol_c = FEAS_TOL * np.maximum(1.0, np.abs(x))
    return bool(
        np.all(act >= lo - tol_r) and np.all(act <= hi + tol_r)
        and np.all(x >= clo - tol_c) and np.all(x <= chi + tol_c)
    )  # fmt: skip


def level_solver(
    model: LinearModel, time_limit: float | None, start: np.ndarray | None
) -> Solution:
    """One leximin level with CP-SAT (the :data:`solver.leximin.LevelSolver` signature).

    Parameters
    ----------
    model : LinearModel
        The level's model.
    time_limit : float or None
        Seconds for this level.
    start : numpy.ndarray or None
        The previous level's solution, given to CP-SAT as its hint.

    Returns
    -------
    Solution
        :func:`solve_model`'s answer.
    """
    return solve_model(model, time_limit=time_limit, start=start)
