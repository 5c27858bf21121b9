"""Named tolerances of the game module.

Payoff comparisons go through these constants (``payoff >= best - tol``,
never ``==``), scaled by the game's payoff range where the docstring says so.
The plan-level incentive verdict is :func:`solver.tolerances.incentive_compatible`,
the predicate the verifier and the sweeps use too.
"""

from __future__ import annotations

from solver.tolerances import DECISION_TOL as DECISION_TOL  # the core's; re-exported here

VERTEX_TOL: float = 1e-9
"""Slack under which a polytope constraint counts as tight (label present),
and over which a candidate vertex counts as infeasible (normalised payoffs)."""

SINGULAR_TOL: float = 1e-10
"""Smallest ratio of singular values for a basis matrix to be nonsingular."""

EQ_TOL: float = 1e-7
"""Best-response tolerance when verifying a candidate equilibrium, relative
to the player's payoff range: ``u(x, y) >= max_i u(e_i, y) - EQ_TOL * range``."""

PROB_TOL: float = 1e-9
"""Negative probabilities above ``-PROB_TOL`` are float noise and clipped to 0."""


BISECT_TOL: float = 1e-10
"""Width at which a bisection for a threshold stops."""
