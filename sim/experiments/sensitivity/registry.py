"""The sensitivity methods by name (SALib's sampler and analyser of each, :mod:`.base`)."""

from __future__ import annotations

from sim.experiments.sensitivity.base import Method
from sim.experiments.sensitivity.morris import COLUMNS as MORRIS_COLUMNS
from sim.experiments.sensitivity.morris import Morris
from sim.experiments.sensitivity.sobol import COLUMNS as SOBOL_COLUMNS
from sim.experiments.sensitivity.sobol import Sobol

REGISTRY: dict[str, Method] = {m.name: m for m in (Morris(), Sobol())}
METHODS = tuple(REGISTRY)

__all__ = ["METHODS", "MORRIS_COLUMNS", "REGISTRY", "SOBOL_COLUMNS", "get_method"]


def get_method(name: str) -> Method:
    """The registered method ``name``; ``ValueError`` for an unknown one."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"method = {name!r} is not one of {', '.join(METHODS)}") from None
