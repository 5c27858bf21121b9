"""Where the shipped scenario models are (``models/`` beside the package).

One definition of the location, for :mod:`solver` (which re-exports both names)
and for the subcommands that fall back to the default scenario.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["MODELS_DIR", "default_scenario_path"]

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
"""Directory of the shipped scenario models (in a source or editable install)."""


def default_scenario_path() -> Path:
    """Return the path of the shipped default scenario (``models/dprk_2018.toml``).

    Returns
    -------
    Path
        The default scenario file.
    """
    return MODELS_DIR / "dprk_2018.toml"
