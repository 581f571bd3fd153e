"""The worker processes of a sweep on joblib's launcher, started ahead of the jobs.

A worker's first job would otherwise wait for the worker to start and import the model (about 1.5 s
on these machines).  :func:`warm_workers` starts joblib's reusable worker pool in the background,
with the same ``Parallel`` arguments as the launcher's (so the launcher reuses these workers), and
has each worker import the model: the ``zonesim`` command does so as soon as a sweep's master
configuration has composed (:func:`sim.runner.cli.start_workers`), so the workers start while the
command's check composes and validates the jobs and Hydra composes the sweep.  The launcher waits
for the warm-up (:func:`wait_for_warm_up`) before it hands the pool its jobs.
"""

from __future__ import annotations

import importlib
import logging
import threading

log = logging.getLogger("zonesim")

#: what every job imports (pandas, Mesa, the model, the runner): a worker's warm-up
RUN_MODULES = ("sim.model.model", "sim.runner.jobs", "sim.runner.run")


def joblib_settings(config) -> dict | None:
    """The joblib launcher's ``Parallel`` arguments, or None for any other launcher."""
    launcher = config.hydra.get("launcher") or {}
    if "joblib" not in str(launcher.get("_target_", "")):
        return None
    settings = {k: v for k, v in launcher.items() if k not in ("_target_", "restarts")}  # restarts: zonesim_joblib's
    settings["backend"] = "loky"  # as the launcher itself forces
    return settings


def _import_modules(names: tuple[str, ...]) -> int:
    """Import ``names`` (run in a worker, or in a thread of this process)."""
    for name in names:
        importlib.import_module(name)
    return 0


def warm_workers(settings: dict, modules: tuple[str, ...] = RUN_MODULES) -> threading.Thread | None:
    """Start the worker processes of ``settings`` (``Parallel`` arguments), each importing
    ``modules``, in a background thread; return the thread.

    A second call with the same settings and modules returns the first warm-up (the command's
    and the experiment callback's are one).  ``None`` (nothing started) for fewer than two
    workers: the jobs then run in this process.
    """
    from joblib import Parallel, cpu_count, delayed

    n = settings.get("n_jobs") or -1
    workers = n if n > 0 else max(cpu_count() + 1 + n, 1)  # joblib's reading of a negative n_jobs
    if workers <= 1:
        return None
    global _WARM, _WARM_KEY
    key = (repr(sorted(settings.items())), modules)
    if _WARM is not None and _WARM_KEY == key:
        return _WARM

    def warm() -> None:
        try:
            with Parallel(**settings) as parallel:
                parallel(delayed(_import_modules)(modules) for _ in range(workers))
        except Exception:  # noqa: BLE001 - only a head start: the launcher starts workers anyway
            log.debug("worker warm-up failed", exc_info=True)

    thread = threading.Thread(target=warm, name="zonesim-warm-workers", daemon=True)
    thread.start()
    _WARM, _WARM_KEY = thread, key
    return thread


_WARM: threading.Thread | None = None
_WARM_KEY: tuple | None = None  # the settings and modules of that warm-up


def wait_for_warm_up(timeout: float = 120.0) -> None:
    """Wait until the warm-up of :func:`warm_workers` is over: two ``Parallel`` calls must not use
    the reusable worker pool at once (a worker dying under both deadlocks joblib's shutdown)."""
    if _WARM is not None:
        _WARM.join(timeout)


def import_after_warm_up(names: tuple[str, ...]) -> threading.Thread:
    """Import ``names`` in this process, in a background thread, once the workers' warm-up is over
    (not competing with it for the cores): what this process needs after the jobs, imported while
    the workers run them and it is otherwise idle.  Nobody waits for it; a failure here is only
    a lost head start (the module is imported again where it is used, and fails there)."""

    def run() -> None:
        wait_for_warm_up()
        try:
            _import_modules(names)
        except Exception:  # noqa: BLE001
            log.debug("importing %s ahead failed", names, exc_info=True)

    thread = threading.Thread(target=run, name="zonesim-import", daemon=True)
    thread.start()
    return thread
