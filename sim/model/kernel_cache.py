"""Numba's on-disk cache of the model's kernels, made stale by any change to the model's code.

Numba stamps each cached kernel (``@njit(cache=True)``, kept in ``__pycache__``) with a hash of the
one source file its function is written in.  The model's kernels inline helpers and constants from
other modules: the approval kernels compile in :mod:`sim.model.approval_queues`,
:mod:`sim.model.approval_routing` and the codes of :mod:`sim.model.approval_layout`.  An edit there
would leave a stale kernel that numba loads without a word, and a run would silently use the old
code.  :func:`install` adds a hash of every source file of :mod:`sim.model` to the stamp of each of
its kernels, so that any change to the model compiles them afresh (once; ``python -m
sim.runner.warm`` does it at install).  The model's modules take ``njit`` from here, which installs
it first.

This is compiler infrastructure, read once per process when the kernels are defined; the model's
mechanisms do no I/O.

:func:`kernel` compiles a function that neither allocates nor returns an array (the kernels Python
calls on the model's state, and helpers they call apart): cached like the others, and without
numba's reference counting.  The kernels take the model's state as named tuples of arrays; numba
counts a reference to each of those arrays every time one is bound to a name, in particular at each
call of an inlined helper, and each count is an atomic instruction.  The approval kernels' helpers
take every tuple of the pipeline (about sixty arrays): the counting was three quarters of the time
of an approval event.  A kernel only reads and writes arrays its caller owns for the length of the
call, so the counts are never needed.  A function that allocates an array, or returns a view, does
not compile without them (numba refuses it at typing), so it keeps ``njit``.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from numba import njit
from numba.core import caching

from sim.digest import hash_sources

__all__ = ["install", "kernel", "model_source_digest", "njit"]

_PACKAGE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def model_source_digest() -> str:
    """A hash of the names and contents of every Python file of :mod:`sim.model`."""
    return hash_sources(hashlib.sha256(), _PACKAGE, ["."], (".py",)).hexdigest()


def _in_model(py_file: str) -> bool:
    try:
        return Path(py_file).resolve().is_relative_to(_PACKAGE)
    except OSError:
        return False


def _stamped(base: type) -> type:
    """``base`` (one of numba's cache locators) for the model's kernels, with the model's hash in the stamp."""

    class Stamped(base):
        zonesim_model = True

        def get_source_stamp(self):
            return (super().get_source_stamp(), model_source_digest())

        @classmethod
        def from_function(cls, py_func, py_file):
            if not _in_model(py_file):
                return None
            return super().from_function(py_func, py_file)

    Stamped.__name__ = Stamped.__qualname__ = f"Model{base.__name__}"
    return Stamped


def _numba(name: str):
    """One of numba's cache classes (named with a leading underscore before numba 0.68)."""
    return getattr(caching, name, None) or getattr(caching, "_" + name)


def install() -> None:
    """Put the stamped locators first in numba's list (idempotent); before any kernel is defined."""
    impl = _numba("CacheImpl")
    if any(getattr(c, "zonesim_model", False) for c in impl._locator_classes):
        return
    bases = [_numba(n) for n in ("UserProvidedCacheLocator", "InTreeCacheLocator", "UserWideCacheLocator")]
    impl._locator_classes = [_stamped(b) for b in bases] + list(impl._locator_classes)


install()


def kernel(func=None, *, cache: bool = True):
    """``@kernel``: compile ``func`` (cached, under the model's stamp) without reference counting
    (numba's ``_nrt=False``; see the module docstring).  It may neither allocate arrays nor return
    one; numba says so when it compiles one that does.  ``cache=False`` compiles in memory only
    (tests, to inspect the code)."""
    if func is None:
        return lambda f: kernel(f, cache=cache)
    return njit(cache=cache, _nrt=False)(func)
