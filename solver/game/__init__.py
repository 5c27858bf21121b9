"""Game-theoretic incentive check of relief plans (see ``docs/game.md``).

Public API
----------
check(scenario, plan) -> ICReport
    Subgame-perfect incentive check of every phase of a plan or schedule.
equilibria(A, B) -> Equilibria
    Every extreme Nash equilibrium of a bimatrix game (vertex enumeration).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from solver.game.check import ICReport, PhaseCheck, check
    from solver.game.credibility import Credibility, credibility_table, snapback_credibility
    from solver.game.equilibria import Equilibria, equilibria, is_equilibrium
    from solver.game.inspection import InspectionGame, violation_probability
    from solver.game.nfg import NfgError, NfgGame, parse_nfg, read_nfg
    from solver.game.normal_form import TaggedEquilibrium, stage_bimatrix, stage_equilibria
    from solver.game.stage import PhaseGame
    from solver.game.thresholds import critical_discount, grim_trigger_threshold

# The names load on first use (PEP 562): the incentive check (solver.game.check,
# which every solve imports) runs this file first and needs no equilibrium
# enumeration or .nfg reader.
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(("ICReport", "PhaseCheck", "check"), "solver.game.check"),
    **dict.fromkeys(
        ("Credibility", "credibility_table", "snapback_credibility"), "solver.game.credibility"
    ),
    **dict.fromkeys(("Equilibria", "equilibria", "is_equilibrium"), "solver.game.equilibria"),
    **dict.fromkeys(("InspectionGame", "violation_probability"), "solver.game.inspection"),
    **dict.fromkeys(("NfgError", "NfgGame", "parse_nfg", "read_nfg"), "solver.game.nfg"),
    **dict.fromkeys(
        ("TaggedEquilibrium", "stage_bimatrix", "stage_equilibria"), "solver.game.normal_form"
    ),
    "PhaseGame": "solver.game.stage",
    **dict.fromkeys(("critical_discount", "grim_trigger_threshold"), "solver.game.thresholds"),
}

__all__ = [
    "Credibility",
    "Equilibria",
    "ICReport",
    "InspectionGame",
    "NfgError",
    "NfgGame",
    "PhaseCheck",
    "PhaseGame",
    "TaggedEquilibrium",
    "check",
    "credibility_table",
    "critical_discount",
    "equilibria",
    "grim_trigger_threshold",
    "is_equilibrium",
    "parse_nfg",
    "read_nfg",
    "snapback_credibility",
    "stage_bimatrix",
    "stage_equilibria",
    "violation_probability",
]


class _Package(types.ModuleType):
    """This package's module type: ``check`` and ``equilibria`` stay the functions.

    Loading the submodule :mod:`solver.game.check` sets the package attribute
    of the same name to the module; the eager imports used to rebind it to
    the function right away.  Here the function replaces the module whenever
    the import system sets it.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    """Import a public name on first access (:pep:`562`).

    Parameters
    ----------
    name : str
        The attribute asked for.

    Returns
    -------
    Any
        The object, cached in the module's namespace for the next access.

    Raises
    ------
    AttributeError
        When ``name`` is not a public name of the package.
    """
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'solver.game' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Return the module's names, the lazily imported public ones included.

    Returns
    -------
    list of str
        Sorted attribute names.
    """
    return sorted(set(globals()) | set(_EXPORTS))
