"""``hydra/launcher=zonesim_joblib``: Hydra's joblib launcher (loky worker processes, one per core
by default) that survives a dead worker.

When a worker process dies mid-sweep (killed, out of memory), joblib aborts the whole batch with
``TerminatedWorkerError`` and the plain joblib launcher ends the sweep with a traceback, no
failure records and no manifest.  This launcher launches the sweep's jobs again instead, up to
``restarts`` times: every job that completed is found complete (its ``DONE`` verified) and
skipped, the interrupted ones run again, and the sweep ends as an uninterrupted one would, with
its aggregate and manifest.  Only if workers keep dying does the error reach Hydra.

Each job's configuration is composed here, in the parent, once per distinct list of config-group
choices (:class:`sim.runner.sweep_configs.SweepConfigs`; those the ``zonesim`` command's check
composed already are reused), not by each worker from scratch (Hydra's joblib launcher: 0.14 s a
job), and a worker receives the composed configuration with the job callbacks only (not the whole
configuration loader, pickled again for every job).

Its options are joblib's (``n_jobs``, ...) plus ``restarts``.  The experiments of
``configs/experiment/`` use it.

(No ``from __future__ import annotations`` here: Hydra executes plugin modules without entering
them in ``sys.modules``, where dataclasses look string annotations up.)
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hydra.core.config_store import ConfigStore
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, configure_log, filter_overrides, run_job, setup_globals
from hydra.types import HydraContext
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

        from sim.runner.sweep_configs import SweepConfigs, forget_shapes
        from sim.runner.workers import wait_for_warm_up

        # composed while the workers warm up (they import the model meanwhile); the shapes the
        # command's check composed are reused, once: a later launch in this process composes anew
        configs = SweepConfigs.of(self.hydra_context.config_loader, self.config)
        jobs = [configs.load(overrides) for overrides in job_overrides]
        forget_shapes()
        wait_for_warm_up()  # the workers' warm-up has the pool to itself until it is done
        for attempt in range(1, self.restarts + 2):
            try:
                return self._launch(job_overrides, jobs, initial_job_idx)
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

    def _launch(
        self, job_overrides: Sequence[Sequence[str]], jobs: Sequence, initial_job_idx: int
    ) -> Sequence[JobReturn]:
        """Hydra's joblib launch (``hydra_joblib_launcher._core.launch``) of the configurations
        ``jobs`` composed by :meth:`launch`."""
        from hydra_plugins.hydra_joblib_launcher._core import process_joblib_cfg
        from joblib import Parallel, delayed

        setup_globals()
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        joblib_cfg = self.joblib
        joblib_cfg["backend"] = "loky"  # as Hydra's: the threading backend is incompatible with Hydra
        process_joblib_cfg(joblib_cfg)
        log.info(
            "Joblib.Parallel(%s) is launching %d jobs",
            ",".join(f"{k}={v}" for k, v in joblib_cfg.items()),
            len(job_overrides),
        )
        log.info("Launching jobs, sweep output dir : %s", sweep_dir)
        for idx, overrides in enumerate(job_overrides):
            log.info("\t#%d : %s", idx, " ".join(filter_overrides(overrides)))
        context = HydraContext(config_loader=None, callbacks=self.hydra_context.callbacks)
        singleton_state = Singleton.get_state()
        runs = Parallel(**joblib_cfg)(
            delayed(execute_composed)(initial_job_idx + idx, config, context, self.task_function, singleton_state)
            for idx, config in enumerate(jobs)
        )
        assert all(isinstance(run, JobReturn) for run in runs)
        return runs


def execute_composed(idx, sweep_config, hydra_context, task_function, singleton_state) -> JobReturn:
    """One job in a worker (Hydra's ``_core.execute_job``, its configuration already composed).

    Two of Hydra's steps are left out, as they redo in every job what a worker has already done:
    ``Singleton.set_state`` discovers the installed plugins again (the parent's state leaves the
    plugin registry out), so the worker's registry from its first job is kept; and ``run_job``
    sets the job's Hydra configuration itself, so it is not set here first as well."""
    from hydra.core.plugins import Plugins
    from omegaconf import open_dict

    setup_globals()
    plugins = Singleton._instances.get(Plugins)
    if plugins is not None:  # found by an earlier job in this process: the same installed plugins
        singleton_state["instances"][Plugins] = plugins
    Singleton.set_state(singleton_state)
    with open_dict(sweep_config):
        sweep_config.hydra.job.id = f"{sweep_config.hydra.job.name}_{idx}"
        sweep_config.hydra.job.num = idx
    return run_job(
        hydra_context=hydra_context,
        config=sweep_config,
        task_function=task_function,
        job_dir_key="hydra.sweep.dir",
        job_subdir_key="hydra.sweep.subdir",
    )
