"""``hydra/launcher=zonesim_joblib``: Hydra's joblib launcher (loky worker processes, one per core
by default) that survives a dead worker.

When a worker process dies mid-sweep (killed, out of memory), joblib aborts the whole batch with
``TerminatedWorkerError`` and the plain joblib launcher ends the sweep with a traceback, no
failure records and no manifest.  This launcher launches the sweep's jobs again instead, up to
``restarts`` times: every job that completed is found complete (its ``DONE`` verified) and
skipped, the interrupted ones run again, and the sweep ends as an uninterrupted one would, with
its aggregate and manifest.  Only if workers keep dying does the error reach Hydra.

Its options are joblib's (``n_jobs``, ...) plus ``restarts``.  The experiments of
``configs/experiment/`` use it.

(No ``from __future__ import annotations`` here: Hydra executes plugin modules without entering
them in ``sys.modules``, where dataclasses look string annotations up.)
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from hydra.core.config_store import ConfigStore
from hydra.core.utils import JobReturn
from hydra_plugins.hydra_joblib_launcher.config import JobLibLauncherConf
from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher

log = logging.getLogger("zonesim")


@dataclass
class ResilientJoblibLauncherConf(JobLibLauncherConf):
    _target_: str = "hydra_plugins.zonesim_launcher.resilient_joblib.ResilientJoblibLauncher"
    # times the sweep's jobs are launched again after a worker process died (complete runs are skipped)
    restarts: int = 2


ConfigStore.instance().store(
    group="hydra/launcher", name="zonesim_joblib", node=ResilientJoblibLauncherConf, provider="zonesim"
)


class ResilientJoblibLauncher(JoblibLauncher):
    """The joblib launcher, launching the jobs again when a worker process dies."""

    def __init__(self, restarts: int = 2, **kwargs: object) -> None:
        super().__init__(**kwargs)
        if restarts < 0:
            raise ValueError(f"hydra.launcher.restarts = {restarts} must be >= 0")
        self.restarts = int(restarts)

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        from joblib.externals.loky.process_executor import BrokenProcessPool, ShutdownExecutorError

        from sim.experiments.callbacks import wait_for_warm_up

        wait_for_warm_up()  # the workers' warm-up has the pool to itself until it is done
        for attempt in range(1, self.restarts + 2):
            try:
                return super().launch(job_overrides, initial_job_idx)
            except (BrokenProcessPool, ShutdownExecutorError) as exc:  # TerminatedWorkerError is a BrokenProcessPool
                if attempt > self.restarts:
                    raise
                cause = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                log.warning(
                    "a worker process died (%s): launching the sweep's %d jobs again (restart %d of %d); "
                    "complete runs are skipped",
                    cause,
                    len(job_overrides),
                    attempt,
                    self.restarts,
                )
        raise AssertionError("unreachable")
