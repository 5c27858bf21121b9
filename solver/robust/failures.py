"""Where a fixed plan fails: the readable PRIM box (``relief sensitivity --plan``, the report)."""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_RESTRICTED", "failure_boxes"]

MAX_RESTRICTED = 3
"""At most this many parameters in a reported failure box (scenario discovery keeps boxes
small enough to read; Bryant and Lempert 2010)."""


def failure_boxes(result: Any, spec: Any) -> list[dict[str, Any]]:
    """The PRIM box of the worlds where the fixed plan fails, with its words.

    The box is the last step of the peeling trajectory that restricts at most
    :data:`MAX_RESTRICTED` parameters (then pasted and pruned), so that it can
    be read; its density is stated beside the share of failures over all
    worlds, which says how much the box concentrates them.

    Parameters
    ----------
    result : solver.robust.batch.PlanInWorlds
        The plan judged across worlds.
    spec : solver.sensitivity.Spec or None
        The spec the worlds come from (its labels name the parameters).

    Returns
    -------
    list of dict
        The box's ``to_dict()`` with ``base_density`` and ``text``; empty when
        the plan fails everywhere or nowhere.
    """
    from solver.robust.prim import describe, find_box

    failed = ~result.works
    if not failed.any() or failed.all():
        return []
    labels = {} if spec is None else {t: p.label for p in spec.params for t in p.targets if p.label}
    names = list(result.worlds.paths)
    first = find_box(result.worlds.values, failed, names=names)
    if not first.boxes:
        return []
    steps = [t for t in first.boxes[0].trajectory if t.n_restricted <= MAX_RESTRICTED]
    if not steps:
        return []
    res = find_box(result.worlds.values, failed, names=names, select=steps[-1].step)
    base = float(failed.mean())
    out = []
    for b in res.boxes:
        text = describe(b, labels)
        out.append(
            {
                **b.to_dict(trajectory=False),
                "base_density": base,
                "text": f"{text} (failures in {100 * base:.0f} % of all worlds)",
            }
        )
    return out
