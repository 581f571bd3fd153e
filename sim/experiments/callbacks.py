"""Hydra callback of every multirun: provenance manifest, aggregation, exit status.

Hydra has no aggregation of multirun results; this callback adds it.  At the start it takes
the sweep folder's lock (a second sweep into the same folder waits until the first has ended,
then reuses its runs: :class:`~sim.runner.files.SweepLock`), removes the staging leftovers of
dead processes, and notes the number of jobs and the start time (for progress lines); at the
end it writes ``manifest.json`` (resolved configs by key, seeds, package versions, git commit,
start/end, wall time per run), aggregates every complete run (``aggregate/``), prints the
effects table, and ends the command with status 1 if any run failed or anything it did failed.

Hydra turns an exception in a callback into a warning; so every failure here is logged, kept in
:data:`~sim.runner.jobs.STATUS` and raised as ``SystemExit``, which Hydra lets through, and the entry point
(:func:`sim.runner.cli.main`) exits with :data:`STATUS` as well.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from sim.exit_codes import EXIT_BAD_INPUT, EXIT_FAILURES
from sim.layout import AGGREGATE_DIR, FAILURES, FIGURES_DIR, MANIFEST, RUN_JSON, RUNS, STATE
from sim.runner.files import DONE, SweepLock, check_done, clean_stale, write_json
from sim.runner.jobs import STATUS, count_done
from sim.runner.run import git_commit, package_versions
from sim.runner.workers import import_after_warm_up, joblib_settings, wait_for_warm_up, warm_workers

log = logging.getLogger("zonesim")


def count_jobs(config: DictConfig) -> int:
    """Number of jobs the basic sweep grammar expands to (sweeper params and command line)."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    params = config.hydra.sweeper.get("params") or {}
    args = [f"{k}={v}" for k, v in params.items()] + list(config.hydra.overrides.task)
    parsed = OverridesParser.create().parse_overrides(args)
    return sum(len(batch) for batch in BasicSweeper.split_arguments(parsed, None))


#: what drawing the figures imports (matplotlib), in the workers that draw them at the end: not at
#: the workers' warm-up (the first jobs would wait for it) but while this process reads the runs
FIGURE_MODULES = ("sim.experiments.figures",)
#: what aggregating imports in this process at the end (pandas, pyarrow, scipy.special)
AGGREGATION_MODULES = ("sim.experiments.aggregate.build",)


def write_manifest(exp_dir: Path, started: float, command: list[str]) -> dict:
    """Write ``manifest.json`` (whole or not at all) of the complete runs (``DONE`` present and the
    listed files of the recorded sizes) and the failure records; return it."""
    runs = []
    for done in sorted((exp_dir / RUNS).glob(f"*/{DONE}")):
        problem = check_done(done.parent, hashes=False, legacy=True)
        if problem:
            log.warning("run %s left out of the manifest: %s", done.parent.name, problem)
            continue
        meta = json.loads((done.parent / RUN_JSON).read_text())
        runs.append(
            {k: meta.get(k) for k in ("key", "scenario", "seed", "overrides", "started", "wall_seconds")}
            | {"config": meta.get("config")}
        )
    failures = [json.loads(p.read_text()) for p in sorted((exp_dir / FAILURES).glob("*.json"))]
    ended = time.time()
    manifest = {
        "command": command,
        "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
        "ended": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(ended)),
        "wall_seconds": round(ended - started, 3),
        "git_commit": git_commit(),
        "versions": package_versions(),
        "runs": runs,
        "failures": [{k: f[k] for k in ("key", "overrides", "error")} for f in failures],
    }
    write_json(exp_dir / MANIFEST, manifest)
    return manifest


class ExperimentCallback(Callback):
    """Registered in ``configs/config.yaml``; acts on multiruns only."""

    def __init__(self, aggregate: bool = True, figures: bool = True) -> None:
        self.aggregate = aggregate
        self.figures = figures
        self._started = time.time()
        self._settings: dict | None = None
        self._lock: SweepLock | None = None

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        exp_dir = Path(config.hydra.sweep.dir)
        STATUS["exit"] = 0
        try:
            self._lock = SweepLock(exp_dir).acquire()  # waits while another sweep writes into the folder
        except OSError as exc:  # an exception here would only be a warning: stop before anything runs
            log.error("cannot lock the sweep folder %s: %s", exp_dir, exc)
            raise SystemExit(EXIT_BAD_INPUT) from exc
        self._started = time.time()
        clean_stale(
            exp_dir, exp_dir / RUNS, exp_dir / FAILURES, exp_dir / AGGREGATE_DIR, exp_dir / AGGREGATE_DIR / FIGURES_DIR
        )
        from sim.runner.checks import CHECKED_KEYS  # the command's check ran in this process

        total = count_jobs(config)
        # this sweep's run keys, from the command's check (none when it did not check the jobs):
        # only those count as done, not every complete folder (runs of older code are re-run)
        keys = list(CHECKED_KEYS) if len(CHECKED_KEYS) == total else None
        done = count_done(exp_dir, keys, failed=False)  # a failed run is tried again
        state = {"total": total, "started": self._started, "done_at_start": done}
        write_json(exp_dir / STATE, state | ({"keys": keys} if keys is not None else {}))
        log.info("experiment %s: %d jobs (%d already complete)", exp_dir, total, done)
        self._settings = joblib_settings(config)
        if self._settings and total > done:
            workers = warm_workers(self._settings)  # started by the command's check already, if zonesim's
            if workers is not None and self.aggregate:  # this process is idle while the workers run the jobs
                import_after_warm_up(AGGREGATION_MODULES)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        exp_dir = Path(config.hydra.sweep.dir)
        status = 0
        try:
            status = self._finish(exp_dir, list(config.hydra.overrides.task))
        except Exception as exc:  # noqa: BLE001 - Hydra would make it a warning: fail the command instead
            log.error("ending the experiment %s failed: %s: %s", exp_dir, type(exc).__name__, exc)
            status = EXIT_FAILURES
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None
        STATUS["exit"] = status
        if status:
            raise SystemExit(status)

    def _finish(self, exp_dir: Path, command: list[str]) -> int:
        """Manifest, aggregate and report; the exit status (1 if a run or the aggregation failed)."""
        # every worker has ended and the lock is held: a dead worker's staging folder goes now, not
        # at the next sweep into this folder
        clean_stale(exp_dir / RUNS, exp_dir / FAILURES)
        manifest = write_manifest(exp_dir, self._started, command)
        status = 0
        if self.aggregate and manifest["runs"]:
            try:
                from sim.experiments.aggregate import aggregate, print_report

                if self.figures and self._settings:  # the workers import matplotlib while the runs are read here
                    warm_workers(self._settings, FIGURE_MODULES)
                tables = aggregate(exp_dir, figures=False)
                if self.figures:
                    from sim.experiments.figures import make_figures

                    wait_for_warm_up()
                    make_figures(exp_dir, tables, parallel=self._settings)
                print_report(tables, exp_dir)
            except Exception as exc:  # noqa: BLE001 - runs are saved; report and fail the command
                log.error(
                    "aggregation of %s failed: %s: %s (re-run it with zonesim-aggregate)",
                    exp_dir,
                    type(exc).__name__,
                    exc,
                )
                log.debug("aggregation failure", exc_info=True)
                status = EXIT_FAILURES
            finally:
                wait_for_warm_up()  # no Parallel call left running in the background at exit
        from sim.experiments.aggregate import damaged_runs  # pandas is loaded only at the end

        damaged = damaged_runs(exp_dir)
        if damaged:
            log.error(
                "%d run(s) in %s marked complete have missing or truncated files and were left out: %s",
                len(damaged),
                exp_dir / RUNS,
                ", ".join(damaged),
            )
            status = EXIT_FAILURES
        if manifest["failures"]:
            log.error(
                "%d of %d runs failed (see %s/failures and aggregate/failures.csv)",
                len(manifest["failures"]),
                len(manifest["failures"]) + len(manifest["runs"]),
                exp_dir,
            )
            status = EXIT_FAILURES
        return status
