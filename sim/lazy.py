"""Imports on first use, so that a process pays only for what it uses.

* :func:`lazy_names`: our packages' names are imported on first use (PEP 562), so that importing one
  light part (a Hydra callback, a command's parser) does not import the heavy rest (SALib,
  scipy.stats, matplotlib).
* :func:`import_deferring`: a library's submodules that its package imports eagerly and we never use
  (Mesa's cell spaces, which import scipy.spatial and networkx) are imported on first use.
"""

from __future__ import annotations

import importlib
import sys
import types
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


class _DeferredSubmodule(types.ModuleType):
    """Stands for a package's submodule, as the package's attribute, until a name of it is read:
    then the real submodule is imported (its code runs once, as at any import; the import makes it
    the package's attribute in place of this stand-in) and answers."""

    def __getattr__(self, name: str):  # only for names the stand-in does not carry itself
        return getattr(self._real(name), name)

    def __dir__(self) -> list[str]:
        return dir(self._real("__dir__"))

    def _real(self, name: str) -> types.ModuleType:
        if sys.modules.get(self.__name__) is self:  # its package is being imported (and asks, e.g. for
            # ``__file__`` as ``inspect`` does of every module): the real submodule cannot load yet
            raise AttributeError(f"deferred module {self.__name__!r} has no attribute {name!r} yet")
        return importlib.import_module(self.__name__)


def import_deferring(package: str, submodules: tuple[str, ...]) -> types.ModuleType:
    """Import ``package`` without the ``submodules`` that its ``__init__`` imports eagerly: each is
    imported on first use instead.

    While the package is imported, each of those submodules has a stand-in in ``sys.modules``
    (:class:`_DeferredSubmodule`), which the package's own ``import package.sub`` binds.  The
    stand-ins leave ``sys.modules`` when the package's import is over, so any later import of the
    submodule or of one of its parts (``from package.sub import X``, ``import package.sub.part``)
    imports the real one, as if nothing had been deferred; reading a name through the package
    (``package.sub.X``) does too.  If the package is already imported, it is returned as it is.
    """
    if package in sys.modules:
        return sys.modules[package]
    stand_ins = {f"{package}.{name}": _DeferredSubmodule(f"{package}.{name}") for name in submodules}
    for fullname, stand_in in stand_ins.items():
        sys.modules.setdefault(fullname, stand_in)
    try:
        return importlib.import_module(package)
    finally:
        for fullname, stand_in in stand_ins.items():
            if sys.modules.get(fullname) is stand_in:
                del sys.modules[fullname]
