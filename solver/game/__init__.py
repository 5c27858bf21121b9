"""Game-theoretic incentive check of relief plans (see ``docs/game.md``)."""

from __future__ import annotations

from solver.game.equilibria import Equilibria, equilibria, is_equilibrium

__all__ = ["Equilibria", "equilibria", "is_equilibrium"]
