"""Normal-form view of a stage game: all Nash equilibria, tagged subgame-perfect or not.

For phase ``k`` and one instrument ``i`` (the others held at their
backward-induction choice) the stage game is the 2 x 2 bimatrix

==========  =============================  =====================
            snapback                       sustain
==========  =============================  =====================
comply      ``V^C``, ``U``                 ``V^C``, ``U``
backslide   ``V^D(s_i=1)``, ``U^D + p g``  ``V^D(s_i=0)``, ``U^D``
==========  =============================  =====================

where ``g`` is the pivotal actor's net gain from snapping back (a
commitment, ``credibility_override``, counts as ``max(g, 0)``), ``p`` the
probability that the target's best deviation is detected within the next
phase, and ``V^D`` the value of its best option against the column
(:class:`~solver.game.stage.PhaseGame`).  Against
*comply* the coalition's choice is never reached, so it is indifferent: a
snapback threat it would not carry out still supports *comply* as a Nash
equilibrium.  Such an equilibrium is not subgame perfect -- the coalition's
strategy must be optimal at its own node -- and is tagged so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solver.game.equilibria import equilibria
from solver.game.stage import PhaseGame
from solver.game.tolerances import DECISION_TOL, PROB_TOL

ROWS = ("comply", "backslide")
COLS = ("snapback", "sustain")


@dataclass(frozen=True)
class TaggedEquilibrium:
    """A Nash equilibrium of a stage game and whether it is subgame perfect.

    Attributes
    ----------
    row, col : numpy.ndarray
        Target's probabilities over (comply, backslide) and the coalition's
        over (snapback, sustain).
    subgame_perfect : bool
        Whether the coalition's strategy is optimal at its decision node.
    """

    row: np.ndarray
    col: np.ndarray
    subgame_perfect: bool


def stage_bimatrix(game: PhaseGame, instrument: str) -> tuple[np.ndarray, np.ndarray]:
    """Target and coalition payoffs ``(A, B)`` of the stage game for one instrument.

    Raises
    ------
    KeyError
        If no relief through ``instrument`` is granted by this phase.
    """
    gain = game.coalition_gain[instrument]
    if game.committed.get(instrument, False):
        gain = max(gain, 0.0)
    choice = game.coalition_choice()
    snap = game.deviate_value({**choice, instrument: True})
    keep = game.deviate_value({**choice, instrument: False})
    a = np.array([[game.comply_value, game.comply_value], [snap, keep]])
    u, ud, p = game.steps_value, game.steps_kept, game.best_option().detection_next
    b = np.array([[u, u], [ud + p * gain, ud]])
    return a, b


def rational_actions(game: PhaseGame, instrument: str) -> tuple[bool, bool]:
    """Whether (snapback, sustain) is optimal for the coalition at its own node."""
    if game.committed.get(instrument, False):
        return True, False
    g = game.coalition_gain[instrument]
    return g >= -DECISION_TOL, g <= DECISION_TOL


def stage_equilibria(game: PhaseGame, instrument: str) -> list[TaggedEquilibrium]:
    """All extreme Nash equilibria of the stage game, each tagged.

    Parameters
    ----------
    game : PhaseGame
        The phase's stage game.
    instrument : str
        An instrument with relief granted by this phase.

    Returns
    -------
    list of TaggedEquilibrium
        Computed by :func:`solver.game.equilibria` (vertex enumeration).

    Examples
    --------
    >>> from solver.game.check import check
    >>> from solver.game.examples import toy_scenario
    >>> s, sched = toy_scenario(credible=False)
    >>> eqs = stage_equilibria(check(s, sched).games[0], "unsc")
    >>> for e in eqs:
    ...     print(e.row.tolist(), e.col.round(3).tolist(), e.subgame_perfect)
    [0.0, 1.0] [0.0, 1.0] True
    [1.0, 0.0] [0.619, 0.381] False
    [1.0, 0.0] [1.0, 0.0] False

    Backsliding unpunished is the only subgame-perfect outcome; *comply*
    is sustained only by China's non-credible threat (snapback with
    probability at least 72 / (135 - 26.85), see the toy's derivation).
    """
    a, b = stage_bimatrix(game, instrument)
    ok_snap, ok_sustain = rational_actions(game, instrument)
    out = []
    for x, y in equilibria(a, b).pairs:
        spe = (y[0] <= PROB_TOL or ok_snap) and (y[1] <= PROB_TOL or ok_sustain)
        out.append(TaggedEquilibrium(row=x, col=y, subgame_perfect=bool(spe)))
    return out
