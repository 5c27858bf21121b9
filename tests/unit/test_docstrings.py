"""Every public function and class in ``solver`` has a docstring (house style)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import solver


def _public_members():
    for info in pkgutil.walk_packages(solver.__path__, prefix="solver."):
        mod = importlib.import_module(info.name)
        for name, obj in vars(mod).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                yield f"{mod.__name__}.{name}", obj


def test_public_functions_have_docstrings():
    missing = [name for name, obj in _public_members() if not inspect.getdoc(obj)]
    assert not missing, f"public objects without docstrings: {missing}"


def test_public_functions_with_parameters_document_them():
    undocumented = []
    for name, obj in _public_members():
        if not inspect.isfunction(obj):
            continue
        params = [p for p in inspect.signature(obj).parameters if p not in ("self", "cls")]
        doc = inspect.getdoc(obj) or ""
        if len(params) >= 3 and "Parameters" not in doc:
            undocumented.append(name)
    assert not undocumented, (
        f"functions with 3+ parameters lacking a Parameters section: {undocumented}"
    )
