"""Formulation builders: each ``build(scenario, options) -> Built`` (a backend-neutral model)."""
