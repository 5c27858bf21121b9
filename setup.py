"""Build hook: ship ``models/`` inside the package, as ``solver/models/``.

``models/`` at the top of the repository stays the one editable source of the
shipped scenarios, sensitivity specs, plans and case records (a source checkout
and an editable install read it in place, see ``solver/shipped.py``).  Building
a wheel copies it into the built package, so an installed wheel finds the
default scenario from any folder.  Everything else is in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

MODELS = Path(__file__).resolve().parent / "models"


class BuildPyWithModels(build_py):
    """``build_py`` that also copies ``models/`` to ``<build>/solver/models``."""

    def run(self) -> None:
        """Build the Python files, then the models (not for an editable install)."""
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads models/ in place
        if not (MODELS / "dprk_2018.toml").is_file():
            raise SystemExit(f"{MODELS}: the shipped models are missing; the wheel needs them")
        target = Path(self.build_lib) / "solver" / "models"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(MODELS, target, ignore=shutil.ignore_patterns("__pycache__", "*.py[cod]"))


setup(cmdclass={"build_py": BuildPyWithModels})
