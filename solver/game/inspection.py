"""The inspection-game variant: verification effort against violation.

Two players, simultaneous moves (Tsebelis 1990; Avenhaus, von Stengel and
Zamir 2002).  The inspectee (the target, rows) violates or complies; the
inspector (the coalition, columns) inspects at cost ``e`` or not.  An
inspection catches a violation with probability ``p``.  Payoffs relative to
compliance without inspection:

==============  ====================================  ===============
                inspect                                not inspect
==============  ====================================  ===============
violate         ``(1-p) g - p f``, ``-e - (1-p) d``    ``g``, ``-d``
comply          ``0``, ``-e``                          ``0``, ``0``
==============  ====================================  ===============

with ``g`` the target's gain from an uncaught violation, ``f`` its loss when
caught and ``d`` the coalition's damage from an uncaught violation.  When
``g > 0``, ``p (g + f) > g`` and ``0 < e < p d`` there is no pure equilibrium
and the unique one is mixed: the inspector makes the target indifferent,
inspecting with probability ``g / (p (g + f))``, and the target makes the
inspector indifferent, violating with probability ``e / (p d)`` -- which
depends only on the *inspector's* payoffs (Tsebelis's point).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class InspectionGame:
    """Parameters of one inspection game (see the module docstring)."""

    gain: float
    penalty: float
    detection: float
    inspection_cost: float
    damage: float

    def bimatrix(self) -> tuple[np.ndarray, np.ndarray]:
        """Payoffs ``(A, B)``: rows violate/comply, columns inspect/not inspect."""
        g, f, p, e, d = self.gain, self.penalty, self.detection, self.inspection_cost, self.damage
        a = np.array([[(1 - p) * g - p * f, g], [0.0, 0.0]])
        b = np.array([[-e - (1 - p) * d, -d], [-e, 0.0]])
        return a, b


def violation_probability(game: InspectionGame) -> tuple[float, float]:
    """Closed-form equilibrium ``(violation probability, inspection probability)``.

    Covers every case with a unique equilibrium: no gain from violating
    (comply, no inspection); inspection too costly or useless (violate if
    profitable, never inspect); deterrence impossible even with certain
    inspection (violate, inspect); otherwise the mixed equilibrium above.

    Examples
    --------
    >>> violation_probability(InspectionGame(1.0, 3.0, 0.5, 1.0, 10.0))
    (0.2, 0.5)
    """
    g, f, p, e, d = game.gain, game.penalty, game.detection, game.inspection_cost, game.damage
    if g <= 0:
        return 0.0, 0.0
    if p * d <= e:
        return 1.0, 0.0
    if p * (g + f) <= g:
        return 1.0, 1.0
    return e / (p * d), g / (p * (g + f))
