"""Snapback credibility (re-exported from :mod:`solver.credibility`, the one judge)."""

from __future__ import annotations

from solver.credibility import (
    ANY_ONE,
    MAJORITY,
    Credibility,
    credibility_table,
    deciders,
    net_gain,
    snapback_credibility,
)

__all__ = [
    "ANY_ONE",
    "MAJORITY",
    "Credibility",
    "credibility_table",
    "deciders",
    "net_gain",
    "snapback_credibility",
]
