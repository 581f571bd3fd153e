"""Packages whose names are imported on first use (PEP 562), so that importing one light part
(a Hydra callback, a command's parser) does not import the heavy rest (SALib, scipy.stats,
matplotlib)."""

from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_names(namespace: dict, exports: dict[str, str]) -> tuple[Callable, Callable]:
    """The module-level ``__getattr__`` and ``__dir__`` of a package whose ``exports`` map each name to
    the module that defines it; ``namespace`` is the package's ``globals()`` (a name is imported
    once, then kept there)."""

    def __getattr__(name: str):
        if name not in exports:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(exports[name]), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
