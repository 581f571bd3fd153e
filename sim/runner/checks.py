"""The checks of a ``zonesim`` command before Hydra starts it (:func:`check_command`): the
configuration of the single run, or of every point of a sweep, composed, validated, its data
loaded and its size held against this machine's memory; the launcher's settings, the callbacks
and the output folders checked too.  Each check raises on the first problem."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf.errors import OmegaConfBaseException

from sim.config import limits
from sim.config.validate import ConfigError, check_value, from_dictconfig
from sim.data import DataError
from sim.runner.command import (
    HYDRA_JOB_NAME,
    INFO_FLAGS,
    _hydra,
    _job_config,
    _parse_args,
    _refuse_deletions,
    parse_overrides,
)
from sim.runner.messages import _lines, _one_line
from sim.runner.run import region_of, run_key
from sim.runner.sweep_configs import SweepConfigs, forget_shapes

#: what a bad input raises on its way to the one line on stderr
BAD_INPUT = (ConfigError, DataError, HydraException, OmegaConfBaseException, ValueError)


# --------------------------------------------------------------------------- folders
def probe_folder(key: str, folder: str | Path) -> None:
    """Could ``folder`` be made and written?  Its nearest existing folder must be a folder this
    process can write in (tried with a private temporary folder, removed at once); nothing of
    ``folder`` itself is created, so a refused command leaves no folder and the run makes it."""
    import tempfile

    path = Path(folder).absolute()
    long = next((part for part in path.parts if len(part.encode()) > 255), None)
    if long:
        raise ConfigError(f"{key} = {str(folder)[:60]}...: the folder name {long[:20]}... is longer than 255 bytes")
    p = path
    try:
        while not p.exists() and p != p.parent:
            p = p.parent
        if not p.is_dir():
            raise ConfigError(f"{key} = {folder}: {p} is a file, not a folder")
        Path(tempfile.mkdtemp(prefix=".zonesim-probe-", dir=p)).rmdir()
    except OSError as exc:
        raise ConfigError(
            f"{key} = {folder}: cannot write there (no folder can be made in {p}: {exc.strerror or exc})"
        ) from exc


def _resolved(cfg, key: str) -> str:
    """The folder ``key`` (``hydra.run.dir``, ``hydra.sweep.dir``) names, its interpolations resolved."""
    from omegaconf import OmegaConf

    try:
        value = OmegaConf.select(cfg, key, throw_on_resolution_failure=True)
    except OmegaConfBaseException as exc:
        *parent, name = key.split(".")
        raw = OmegaConf.to_container(OmegaConf.select(cfg, ".".join(parent)), resolve=False).get(name)
        raise ConfigError(f"{key} = {raw}: {_lines(exc)[0]}") from exc
    if value in (None, ""):
        raise ConfigError(f"{key} is empty: give a folder")
    return str(value)


def _check_hydra_folders(cfg, top: str, key: str) -> None:
    """The folders Hydra makes for a job: ``top`` (the run or sweep folder, named by ``key``), the
    first job's ``hydra.sweep.subdir`` in a sweep, and in it ``hydra.output_subdir`` (.hydra)."""
    from omegaconf import OmegaConf

    probe_folder(key, top)
    job = Path(top)
    if key == "hydra.sweep.dir":
        sub = str(OmegaConf.to_container(cfg.hydra.sweep, resolve=False).get("subdir") or "")
        sub = sub.replace("${hydra.job.num}", "0")
        if sub and "${" not in sub:
            job = job / sub
            probe_folder("hydra.sweep.subdir", job)
    out = cfg.hydra.get("output_subdir")
    if out:
        probe_folder("hydra.output_subdir", job / str(out))


def _check_callbacks(cfg) -> None:
    """Every Hydra callback's ``_target_`` can be imported (Hydra would fail after making folders)."""
    from hydra._internal.utils import _locate

    for name, spec in (cfg.hydra.get("callbacks") or {}).items():
        target = spec.get("_target_") if hasattr(spec, "get") else None
        try:
            _locate(str(target))
        except Exception as exc:  # noqa: BLE001 - ImportError, ValueError of a malformed path
            raise ConfigError(
                f"hydra.callbacks.{name}._target_ = {target!r} cannot be imported "
                f"({' '.join(_lines(exc))[:200] or type(exc).__name__})"
            ) from exc


# --------------------------------------------------------------------------- launchers
def _check_launcher(launcher, n_runs: int) -> tuple[int, str]:
    """The launcher's settings a sweep will fail on (a joblib launcher's): one line naming the key;
    returns how many runs it runs at once and the key that says so."""
    target = str(launcher.get("_target_", ""))
    if "joblib" not in target:
        return 1, ""
    from joblib import Parallel, cpu_count

    settings = {k: v for k, v in launcher.items() if k not in ("_target_", "restarts")}
    n = settings.get("n_jobs")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n == 0):
        raise ConfigError(
            f"hydra.launcher.n_jobs = {n!r}: the number of worker processes must be 1 or more, "
            "or negative for all cores but some (-1: one per core)"
        )
    restarts = launcher.get("restarts", 0)
    if restarts is not None and restarts < 0:
        raise ConfigError(f"hydra.launcher.restarts = {restarts} is out of range [0, inf]")
    timeout = settings.get("timeout")
    if timeout is not None and timeout <= 0:
        raise ConfigError(f"hydra.launcher.timeout = {timeout} must be greater than 0 (seconds), or null")
    from contextlib import suppress

    with suppress(ImportError):
        from hydra_plugins.hydra_joblib_launcher._core import process_joblib_cfg

        process_joblib_cfg(settings)
    for key, value in settings.items():
        try:
            Parallel(**{key: value})
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"hydra.launcher.{key} = {value!r}: {_lines(exc)[0] if _lines(exc) else exc}") from exc
    pre = settings.get("pre_dispatch")
    if (
        isinstance(pre, str)
        and pre != "all"
        and not re.fullmatch(r"\s*(\d+\s*\*\s*)?n_jobs(\s*\*\s*\d+)?\s*|\s*\d+\s*", pre)
    ):
        raise ConfigError(
            f"hydra.launcher.pre_dispatch = {pre!r}: expected 'all', a number or an expression such as 2*n_jobs"
        )
    n = -1 if n is None else n
    workers = n if n > 0 else max(cpu_count() + 1 + n, 1)
    return max(1, min(workers, n_runs)), f"hydra.launcher.n_jobs = {n}"


# --------------------------------------------------------------------------- the checks
class _Checker:
    """Validates the configurations of a command's runs, sharing the work between sweep points:
    one composition per choice of config groups, one region per region configuration."""

    def __init__(self, gh, master) -> None:
        from hydra.core.override_parser.overrides_parser import OverridesParser

        self.gh, self.master = gh, master
        self.parser = OverridesParser.create(config_loader=gh.config_loader)
        self.configs = SweepConfigs(gh.config_loader, master)  # one composition per choice of config groups
        self.replicates: dict[tuple, Any] = {}  # validated parameters, by overrides other than seed
        self.regions: dict[str, Any] = {}

    def params(self, job: list[str]):
        """The validated parameters of the job with these overrides (as the launcher composes it).
        Replicates (jobs that differ only in an integer ``seed``) are validated in full once; the
        others' seeds alone (``seed`` is in no cross-field rule): their parameters are the first
        replicate's with the job's seed."""
        parsed = self.parser.parse_overrides(job)
        seeds = [o for o in parsed if o.key_or_group == "seed" and o.type.name == "CHANGE" and type(o.value()) is int]
        rest = tuple(o.input_line for o in parsed if not (len(seeds) == 1 and o is seeds[0]))
        if len(seeds) == 1 and rest in self.replicates:
            return dataclasses.replace(self.replicates[rest], seed=check_value("seed", seeds[0].value()))
        params = self._compose(parsed)
        if len(seeds) == 1:
            self.replicates[rest] = params
        return params

    def _compose(self, parsed: list):
        """The job's configuration as the launcher composes it (one composition per choice of
        config groups, :class:`~sim.runner.sweep_configs.SweepConfigs`), validated."""
        job = self.configs.load([o.input_line for o in parsed])  # a fresh copy: changed in place
        return from_dictconfig(_job_config(job, copy_first=False), copy_first=False)

    def region(self, params):
        """The region of ``params`` (whose bounds have been checked), built once per region config."""
        key = repr(params.region)
        if key not in self.regions:
            self.regions[key] = region_of(params)  # kept by the process: a single run reuses it
        return self.regions[key]


def check_run(params, region=None, runs_at_once: int = 1, workers_key: str = "") -> None:
    """Bounds, data and memory of one run's validated ``params`` (the region built if not given)."""
    limits.check_bounds(params)
    region = region if region is not None else region_of(params)
    limits.check_memory(params, region, runs_at_once, workers_key)


def precheck(overrides: list[str]) -> None:
    """Compose, validate and load the data of a single run of ``overrides`` (configuration keys,
    no Hydra settings), check its size and output folder, raising on the first problem."""
    from sim.api import compose_config

    params = from_dictconfig(compose_config(overrides))
    check_run(params)
    if params.output.dir:
        probe_folder("output.dir", params.output.dir)


def check_command(argv: list[str], on_sweep: Callable[[Any], None] | None = None) -> object:
    """Check a whole ``zonesim`` command line before Hydra starts (see the module docstring);
    raises on the first problem, with a message :func:`_one_line` makes one line of.

    ``on_sweep(master)``: called with a sweep's master configuration once it has composed, before
    its jobs are checked (the command starts its worker processes then, :func:`sim.runner.cli.main`).

    Returns the configuration's ``hydra.mode`` as composed here (what Hydra's ``get_mode`` would
    compose the whole configuration again to find: :func:`sim.runner.cli.main` hands it over), or
    :data:`UNCHECKED` for an information flag (``--cfg``, ``--info``, ...), which is not checked."""
    CHECKED_JOBS.clear()  # only this command's jobs
    CHECKED_KEYS.clear()
    forget_shapes()  # the compositions kept are this command's, which its launcher reuses
    if any(a.split("=", 1)[0] in INFO_FLAGS for a in argv):
        return UNCHECKED
    args = _parse_args(argv)
    overrides = list(args.overrides)
    parsed = parse_overrides(overrides)
    config_name = args.config_name or "config"
    with _hydra(HYDRA_JOB_NAME) as gh:  # Hydra's own job name: the launcher's master configuration, to the bit
        _refuse_deletions(parsed, gh.config_loader.repository.group_exists)
        # the mode as Hydra finds it: -m, or the configuration's hydra.mode (an experiment's MULTIRUN)
        mode, cfg = (RunMode.MULTIRUN, None) if args.multirun else (None, None)
        if mode is None:
            first = RunMode.MULTIRUN if any(o.is_sweep_override() for o in parsed) else RunMode.RUN
            cfg = gh.compose_config(
                config_name, overrides, run_mode=first, with_log_configuration=False, validate_sweep_overrides=False
            )
            mode = RunMode.MULTIRUN if cfg.hydra.mode == RunMode.MULTIRUN else RunMode.RUN
            if mode != first:
                cfg = None
        if cfg is None or mode == RunMode.MULTIRUN:
            cfg = gh.compose_config(config_name, overrides, run_mode=mode, with_log_configuration=False)
        own_mode = cfg.hydra.mode  # the configuration's own, as Hydra's get_mode reads it
        if mode == RunMode.MULTIRUN and own_mode != RunMode.MULTIRUN:
            # -m: Hydra adds this override itself (hydra._internal.utils._run_app); composed with it,
            # this is the master configuration the launcher will have, whose compositions it reuses
            overrides = [*overrides, "hydra.mode=MULTIRUN"]
            cfg = gh.compose_config(config_name, overrides, run_mode=mode, with_log_configuration=False)
        _check_callbacks(cfg)
        if mode == RunMode.MULTIRUN and on_sweep is not None:
            on_sweep(cfg)
        checker = _Checker(gh, cfg)
        if mode == RunMode.RUN:
            params = from_dictconfig(_job_config(cfg), copy_first=False)  # _job_config made a copy
            check_run(params, checker.region(params))
            if params.output.dir:
                probe_folder("output.dir", params.output.dir)
            _check_hydra_folders(cfg, _resolved(cfg, "hydra.run.dir"), "hydra.run.dir")
            return cfg.hydra.mode
        jobs = _sweep_points(cfg, checker)
        at_once, workers_key = _check_launcher(cfg.hydra.launcher, len(jobs))
        swept = _swept_keys(jobs)
        keys = []
        for i, job in enumerate(jobs):
            try:
                params = checker.params(job)
                limits.check_bounds(params)
                region = checker.region(params)
                limits.check_memory(params, region, at_once, workers_key)
                keys.append(run_key(params))
            except BAD_INPUT as exc:
                line = _one_line(exc)
                if i > 0 and swept:  # the first points passed: the combination is at fault
                    point = " ".join(o for o in job if o.split("=", 1)[0] in swept)
                    line = f"{line} (sweep point {i + 1} of {len(jobs)}: {point})"
                raise ConfigError(line) from exc
        _check_hydra_folders(cfg, _resolved(cfg, "hydra.sweep.dir"), "hydra.sweep.dir")
        CHECKED_JOBS.update(tuple(job) for job in jobs)
        CHECKED_KEYS.extend(keys)
        return own_mode


#: :func:`check_command`'s answer for a command it does not check
UNCHECKED = object()


#: the sweep jobs (their overrides) that :func:`check_command` composed and validated in this
#: process: the sweeper does not compose them again to check them (``zonesim_sweeper``)
CHECKED_JOBS: set[tuple[str, ...]] = set()

#: the run key of each of those jobs, in sweep order: the runs this sweep will have when it ends
#: (a run folder of another key, e.g. of older code, is not one of them)
CHECKED_KEYS: list[str] = []


def _sweep_points(cfg, checker: _Checker) -> list[list[str]]:
    """Every job's overrides, as Hydra's basic sweeper expands them (its ``params`` and the
    command line's sweeps); a sweeper of another kind: the master configuration alone."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    sweeper = cfg.hydra.sweeper
    if "BasicSweeper" not in str(sweeper.get("_target_", "")):
        return [[o for o in cfg.hydra.overrides.task]]
    batch = sweeper.get("max_batch_size")
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or batch <= 0):
        raise ConfigError(f"hydra.sweeper.max_batch_size = {batch!r}: a number of jobs, 1 or more, or null (all)")
    params = [f"{k}={v}" for k, v in (sweeper.get("params") or {}).items()]
    parsed = parse_overrides(params + list(cfg.hydra.overrides.task), checker.parser)
    jobs = [job for b in BasicSweeper.split_arguments(parsed, None) for job in b]
    if not jobs:
        raise ConfigError("the sweep has no runs (an empty list of values)")
    return jobs


def _swept_keys(jobs: list[list[str]]) -> set[str]:
    """Keys whose value differs between the sweep's points."""
    values: dict[str, set[str]] = {}
    for job in jobs:
        for o in job:
            k, _, v = o.partition("=")
            values.setdefault(k, set()).add(v)
    return {k for k, v in values.items() if len(v) > 1}
