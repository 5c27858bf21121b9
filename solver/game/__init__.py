"""Game-theoretic incentive check of relief plans (see ``docs/game.md``).

Public API
----------
check(scenario, plan) -> ICReport
    Subgame-perfect incentive check of every phase of a plan or schedule.
equilibria(A, B) -> Equilibria
    Every extreme Nash equilibrium of a bimatrix game (vertex enumeration).
"""

from __future__ import annotations

from solver.game.check import ICReport, PhaseCheck, check
from solver.game.credibility import Credibility, credibility_table, snapback_credibility
from solver.game.equilibria import Equilibria, equilibria, is_equilibrium
from solver.game.inspection import InspectionGame, violation_probability
from solver.game.nfg import NfgError, NfgGame, parse_nfg, read_nfg
from solver.game.normal_form import TaggedEquilibrium, stage_bimatrix, stage_equilibria
from solver.game.stage import PhaseGame
from solver.game.thresholds import critical_discount, grim_trigger_threshold

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
