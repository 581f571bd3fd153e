"""Hashes of source files, for what is keyed on the code that made it: the model kernels' numba
cache (:mod:`sim.model.kernel_cache`), a run's key (:func:`sim.runner.run.code_fingerprint`) and the
code behind a run's stored outcomes (:func:`sim.runner.outcomes.outcomes_fingerprint`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def hash_sources(h, root: Path, sources: Iterable[str], suffixes: tuple[str, ...]):
    """Update the hashlib object ``h`` with the name (relative to ``root``, ``/``-separated) and the
    bytes of every file of ``sources`` (paths under ``root``: a file, or a folder searched whole, in
    sorted order) whose suffix is one of ``suffixes``; return ``h``."""
    for source in sources:
        path = root / source
        for f in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if f.suffix in suffixes:
                h.update(f.relative_to(root).as_posix().encode())
                h.update(f.read_bytes())
    return h
