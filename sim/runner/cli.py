"""``zonesim``: the command line (a thin Hydra wrapper around :func:`sim.runner.run.run`).

    zonesim                                   # baseline on the embedded Ningxia data
    zonesim scenario=full_reform seed=3 policy.devolution.powers=20
    zonesim -m scenario=baseline,full_reform seed='range(5)'

Every command is checked before Hydra starts it (:func:`check_command`): the command line is
parsed, and the configuration of the single run, or of every point of a sweep, is composed,
validated, its data loaded and its size held against this machine's memory; the launcher's
settings and the output folder are checked too.  A bad input ends the command with ONE line on
stderr naming the key / file / row and what is admissible, exit status 2, and no output or
sweep folder.  In a multirun each job writes ``<sweep dir>/runs/<key>/`` (see
:mod:`sim.runner.jobs`): complete runs are skipped, a job that fails is recorded and the
others go on, and the command ends with status 1 if any failed or the manifest or aggregation
failed.  A second multirun into a folder another one is writing waits for it to end.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import logging
import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from sim.config import limits
from sim.config.schema import register_configs
from sim.config.validate import ConfigError, check_value, from_dictconfig
from sim.data import DataError, build_region
from sim.exit_codes import EXIT_BAD_INPUT
from sim.layout import CONFIG_DIR

log = logging.getLogger("zonesim")

register_configs()

#: what a bad input raises on its way to the one line on stderr
BAD_INPUT = (ConfigError, DataError, HydraException, OmegaConfBaseException, ValueError)


@hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")
def task(cfg: DictConfig) -> None:
    """One Hydra job: validate, run, write outputs (a run folder, or ``runs/<key>/`` in a multirun)."""
    from sim.runner.jobs import failure_key, record_failure, run_job
    from sim.runner.run import run

    hc = HydraConfig.get()
    job_dir = Path(hc.runtime.output_dir)
    multirun = hc.mode == RunMode.MULTIRUN
    overrides = list(hc.overrides.task)
    try:
        params = from_dictconfig(cfg)
        region = build_region(params)
    except (ConfigError, DataError) as exc:
        log.error("%s", exc)
        if multirun:  # recorded; the other runs of the experiment go on
            record_failure(Path(hc.sweep.dir), failure_key(overrides), overrides, exc)
            return
        logging.shutdown()
        shutil.rmtree(job_dir, ignore_errors=True)  # Hydra's folder for this job only, never output.dir
        raise SystemExit(EXIT_BAD_INPUT) from exc
    if multirun:
        run_job(params, region, Path(hc.sweep.dir), overrides)
        return
    out_dir = Path(cfg.output.dir) if cfg.output.dir else job_dir
    result = run(params, out_dir, region, overrides=overrides)
    if params.output.print_summary:
        table = result.summary.T.rename(columns={0: "value"})
        print(table.to_string(float_format=lambda v: f"{v:,.3f}"))
        print(f"outputs: {out_dir}")


# --------------------------------------------------------------------------- one line per error
_NOISE = (
    "See https://",
    "Set the environment variable",
    "Config search path",
    "provider=",
    "full_key:",
    "object_type=",
    "reference_type=",
)
_GRAMMAR = "https://hydra.cc/docs/advanced/override_grammar/basic/"


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in str(text).splitlines() if ln.strip() and not ln.strip().startswith(_NOISE)]


def _one_line(exc: BaseException) -> str:
    """One line for any error a bad input raises: Hydra's and OmegaConf's several lines (a
    message, hints, the config search path) reduced to the cause and the admissible values."""
    if isinstance(exc, (ConfigError, DataError)):
        return " ".join(_lines(exc)) or type(exc).__name__
    text = str(exc)
    lines = _lines(text)
    if not lines:
        return type(exc).__name__
    first = lines[0]
    cause = exc.__cause__
    m = re.match(r"Cannot find primary config '([^']+)'", first)
    if m:
        names = sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))
        return f"--config-name {m.group(1)}: no such configuration (available: {', '.join(names)})"
    m = re.search(r"Could not find '(.+)/([^/']+)'", text)
    if m and "Available options in" in text:  # an unknown option of a config group
        group, option = m.groups()
        options = []
        for ln in text.split("Available options in", 1)[1].splitlines()[1:]:
            if not ln.startswith("\t"):
                break
            options.append(ln.strip())
        what = "scenario" if group == "scenario" else f"option of config group {group}"
        return f"{group}={option}: no such {what} (available: {', '.join(options)})"
    if first.startswith("Could not override '") and isinstance(cause, OmegaConfBaseException):
        key = first.split("'")[1]
        return f"{key}: unknown configuration key{_suggest(key)}"
    if first.startswith("Error merging override") and isinstance(cause, OmegaConfBaseException):
        return _type_message(cause) or f"{first.removeprefix('Error merging override ')}: {_lines(cause)[0]}"
    m = re.match(r"Ambiguous value for argument '(.+)'", first)
    if m:
        arg = m.group(1)
        key, _, value = arg.partition("=")
        return (
            f"{arg}: a list of values sweeps only with -m (zonesim -m {arg}); "
            f"for a list value write {key}=[{value}], for a text quote it: {key}='{value}'"
        )
    m = re.match(r"Sweeping over Hydra's configuration is not supported : '(.+)'", first)
    if m:
        return f"{m.group(1)}: Hydra's own settings (hydra.*) cannot be swept; give one value"
    m = re.match(r"Could not override '(.+)'\. No match in the defaults list\.", first)
    if m:
        from sim.layout import config_groups

        return (
            f"{m.group(1)}: not a config group of this configuration "
            f"(groups: {', '.join(config_groups())}; a configuration key is set as key.name=value)"
        )
    m = re.match(r"Could not append to config\. An item is already at '(.+)'\.", first)
    if m:
        return f"+{m.group(1)}=...: {m.group(1)} is already in the configuration; set it without the '+'"
    if isinstance(exc, OmegaConfBaseException) and getattr(exc, "full_key", None):
        return f"{exc.full_key}: {first}"
    return " ".join(lines)


def _type_message(err: OmegaConfBaseException) -> str | None:
    """``seed = 'abc' is not an integer`` for OmegaConf's conversion errors (None for others)."""
    key, value = getattr(err, "full_key", None), getattr(err, "value", None)
    msg = str(getattr(err, "msg", "") or err)
    if not key:
        return None
    for needle, what in (
        ("converted to Integer", "an integer"),
        ("converted to Float", "a number"),
        ("valid bool", "a boolean (true or false)"),
        ("converted to String", "a text"),
    ):
        if needle in msg:
            return f"{key} = {value!r} is not {what}"
    m = re.match(r"Cannot assign (\w+) to (Dict|List)", msg)
    if m:
        kind = "a table (set one entry: KEY.NAME=VALUE)" if m.group(2) == "Dict" else "a list ([a,b])"
        return f"{key} = {value!r} is not {kind}"
    m = re.match(r"Invalid value '(.+)', expected one of \[(.+)\]", msg)
    if m:
        return f"{key} = {value!r} is not one of {m.group(2)}"
    return None


def _suggest(key: str) -> str:
    """`` (did you mean ...?)`` or the keys of its parent (from the schema), for an unknown key."""
    import dataclasses

    from sim.config.schema import ModelConfig

    *parent, name = key.split(".")
    everything = " (zonesim --help lists the main keys, zonesim --cfg job all of them)"
    if parent and parent[0] == "hydra":
        return " of Hydra's settings (zonesim --hydra-help; a launcher's settings depend on hydra/launcher)"
    node: Any = ModelConfig()
    for part in parent:
        node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
        if not (dataclasses.is_dataclass(node) or isinstance(node, dict)):
            return everything
    known = list(node) if isinstance(node, dict) else [f.name for f in dataclasses.fields(node)]
    close = difflib.get_close_matches(name, known, n=3)
    if close:
        return f" (did you mean {' or '.join('.'.join([*parent, c]) for c in close)}?)"
    if parent and len(known) <= 12:
        return f" ({'.'.join(parent)} has: {', '.join(known)})"
    return everything


# --------------------------------------------------------------------------- the command line
#: flags that show something instead of running: Hydra answers them, nothing is checked
INFO_FLAGS = (
    "-h",
    "--help",
    "--hydra-help",
    "--version",
    "-c",
    "--cfg",
    "-i",
    "--info",
    "-sc",
    "--shell-completion",
    "--resolve",
    "-p",
    "--package",
    "--experimental-rerun",
    "-cp",
    "--config-path",
    "-cd",
    "--config-dir",
)


def _parse_args(argv: list[str]):
    """Hydra's own argument parser, its errors raised (not printed with the usage)."""
    from hydra._internal.utils import get_args_parser

    parser = get_args_parser()

    def fail(message: str):
        raise ConfigError(f"{message} (zonesim --help lists the usage)")

    parser.error = fail  # type: ignore[method-assign]
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        raise ConfigError(
            f"unknown option {unknown[0]} (the options: -m/--multirun, -cn NAME, --cfg job, --info, "
            "--help, --hydra-help; key=value sets a configuration key)"
        )
    if args.run and args.multirun:
        raise ConfigError("-r/--run and -m/--multirun: give one of them")
    return args


def parse_overrides(overrides: list[str], parser=None) -> list:
    """Hydra's parsed overrides, one at a time so that an error names the override it is in."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    expand_globs = parser is not None  # glob() needs the config loader of a parser made with one
    parser = parser or OverridesParser.create()
    out = []
    for text in overrides:
        try:
            o = parser.parse_override(text)
            o.config_loader = parser.config_loader  # as parse_overrides sets it (glob() lists a group's options)
        except HydraException as exc:
            cause = " ".join(ln for ln in _lines(exc) if not ln.startswith("Error parsing override"))
            raise ConfigError(f"{text}: cannot parse this override: {cause} (grammar: {_GRAMMAR})") from exc
        if not o.key_or_group:
            raise ConfigError(f"{text}: no key before '=' (key=value sets a configuration key)")
        if o.is_sweep_override() and (expand_globs or o.value_type.name != "GLOB_CHOICE_SWEEP"):
            if not o.is_discrete_sweep():
                raise ConfigError(
                    f"{text}: a sweep takes lists (a,b), range() and choice(), "
                    f"not {o.value_type.name.lower().replace('_sweep', '')}()"
                )
            try:
                values = list(o.sweep_string_iterator())
            except Exception as exc:  # noqa: BLE001 - range(1,5,0), glob() without a group, ...
                raise ConfigError(f"{text}: {_lines(exc)[0] if _lines(exc) else type(exc).__name__}") from exc
            if not values:
                raise ConfigError(f"{text}: the sweep has no values")
        out.append(o)
    return out


def _refuse_deletions(parsed: list, is_group) -> None:
    """``~key`` of a configuration key: every key has its default in the schema, and Hydra's own
    settings interpolate some of them (the run folder names the seed)."""
    for o in parsed:
        if o.is_delete() and not is_group(o.key_or_group):
            raise ConfigError(
                f"{o.input_line}: a configuration key cannot be deleted (each has a default); "
                f"set a value instead: {o.key_or_group}=VALUE"
            )


@contextlib.contextmanager
def _hydra(job_name: str = "zonesim") -> Iterator[Any]:
    """Hydra's composer for the configs (its global state cleared afterwards)."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from sim.api import _lock

    with _lock, initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3", job_name=job_name):
        yield GlobalHydra.instance().hydra


def _job_config(cfg) -> Any:
    """A copy of a composed config without its ``hydra`` node (what a job receives)."""
    from omegaconf import open_dict, read_write

    job = copy.deepcopy(cfg)
    with read_write(job), open_dict(job):
        job.pop("hydra", None)
    return job


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
        self.repo = gh.config_loader.repository
        self.bases: dict[tuple, Any] = {}  # composed configs without hydra, by group overrides
        self.replicates: dict[tuple, Any] = {}  # validated parameters, by overrides other than seed
        self.regions: dict[str, Any] = {}

    def is_group(self, key: str) -> bool:
        return self.repo.group_exists(key)

    def params(self, job: list[str]):
        """The validated parameters of the job with these overrides (as the launcher composes it).
        Replicates (jobs that differ only in an integer ``seed``) are validated in full once; the
        others' seeds alone (``seed`` is in no cross-field rule): the parameters returned are the
        first replicate's, for what does not depend on the seed (data, sizes)."""
        parsed = self.parser.parse_overrides(job)
        seeds = [o for o in parsed if o.key_or_group == "seed" and o.type.name == "CHANGE" and type(o.value()) is int]
        rest = tuple(o.input_line for o in parsed if not (len(seeds) == 1 and o is seeds[0]))
        if len(seeds) == 1 and rest in self.replicates:
            check_value("seed", seeds[0].value())
            return self.replicates[rest]
        params = self._compose(parsed)
        if len(seeds) == 1:
            self.replicates[rest] = params
        return params

    def _compose(self, parsed: list):
        from hydra._internal.config_loader_impl import ConfigLoaderImpl

        groups = tuple(o.input_line for o in parsed if self.is_group(o.key_or_group))
        if groups not in self.bases:
            self.bases[groups] = _job_config(self.gh.config_loader.load_sweep_config(self.master, list(groups)))
        cfg = copy.deepcopy(self.bases[groups])
        ConfigLoaderImpl._apply_overrides_to_config([o for o in parsed if not self.is_group(o.key_or_group)], cfg)
        return from_dictconfig(cfg)

    def region(self, params):
        """The region of ``params`` (whose bounds have been checked), built once per region config."""
        key = repr(params.region)
        if key not in self.regions:
            self.regions[key] = build_region(params)
        return self.regions[key]


def check_run(params, region=None, runs_at_once: int = 1, workers_key: str = "") -> None:
    """Bounds, data and memory of one run's validated ``params`` (the region built if not given)."""
    limits.check_bounds(params)
    region = region if region is not None else build_region(params)
    limits.check_memory(params, region, runs_at_once, workers_key)


def precheck(overrides: list[str]) -> None:
    """Compose, validate and load the data of a single run of ``overrides`` (configuration keys,
    no Hydra settings), check its size and output folder, raising on the first problem."""
    from sim.api import compose_config

    params = from_dictconfig(compose_config(overrides))
    check_run(params)
    if params.output.dir:
        probe_folder("output.dir", params.output.dir)


def check_command(argv: list[str]) -> None:
    """Check a whole ``zonesim`` command line before Hydra starts (see the module docstring);
    raises on the first problem, with a message :func:`_one_line` makes one line of."""
    if any(a.split("=", 1)[0] in INFO_FLAGS for a in argv):
        return
    args = _parse_args(argv)
    overrides = list(args.overrides)
    parsed = parse_overrides(overrides)
    config_name = args.config_name or "config"
    with _hydra() as gh:
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
        _check_callbacks(cfg)
        checker = _Checker(gh, cfg)
        if mode == RunMode.RUN:
            params = from_dictconfig(_job_config(cfg))
            check_run(params, checker.region(params))
            if params.output.dir:
                probe_folder("output.dir", params.output.dir)
            _check_hydra_folders(cfg, _resolved(cfg, "hydra.run.dir"), "hydra.run.dir")
            return
        jobs = _sweep_points(cfg, checker)
        at_once, workers_key = _check_launcher(cfg.hydra.launcher, len(jobs))
        swept = _swept_keys(jobs)
        for i, job in enumerate(jobs):
            try:
                params = checker.params(job)
                limits.check_bounds(params)
                region = checker.region(params)
                limits.check_memory(params, region, at_once, workers_key)
            except BAD_INPUT as exc:
                line = _one_line(exc)
                if i > 0 and swept:  # the first points passed: the combination is at fault
                    point = " ".join(o for o in job if o.split("=", 1)[0] in swept)
                    line = f"{line} (sweep point {i + 1} of {len(jobs)}: {point})"
                raise ConfigError(line) from exc
        _check_hydra_folders(cfg, _resolved(cfg, "hydra.sweep.dir"), "hydra.sweep.dir")


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


#: launchers of configs/hydra/launcher/ that need an optional extra: launcher -> (plugin module, extra)
LAUNCHER_EXTRAS = {
    "ray_local": ("hydra_plugins.hydra_ray_launcher", "cluster"),
    "ray_cluster": ("hydra_plugins.hydra_ray_launcher", "cluster"),
    "slurm": ("hydra_plugins.hydra_submitit_launcher", "cluster"),
}


def missing_extra(argv: list[str], find_spec=None) -> str | None:
    """One line naming the extra to install when ``argv`` selects a launcher whose plugin is not
    installed (``hydra/launcher=ray_local`` without the ``cluster`` extra), else None."""
    import importlib.util

    find_spec = find_spec or importlib.util.find_spec
    for arg in argv:
        key, _, value = arg.partition("=")
        if key.lstrip("+~") == "hydra/launcher" and value in LAUNCHER_EXTRAS:
            module, extra = LAUNCHER_EXTRAS[value]
            try:
                found = find_spec(module) is not None
            except ModuleNotFoundError:  # its parent package is missing
                found = False
            if not found:
                return (
                    f"hydra/launcher={value} needs the {extra!r} extra, which is not installed: "
                    f'pip install -e ".[{extra}]" (or pip install "zonesim[{extra}]")'
                )
    return None


def _refuse(line: str) -> None:
    print(f"zonesim: error: {line}", file=sys.stderr)
    sys.exit(EXIT_BAD_INPUT)


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    argv = sys.argv[1:] if argv is None else argv
    if not CONFIG_DIR.is_dir():
        _refuse(f"config folder {CONFIG_DIR} not found (reinstall zonesim: `pip install .`)")
    need = missing_extra(argv)
    if need:
        _refuse(need)
    try:
        check_command(argv)
    except (*BAD_INPUT, OSError) as exc:
        _refuse(_one_line(exc))
    except Exception as exc:  # a fault of the check itself: still one line (HYDRA_FULL_ERROR=1 shows where)
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        _refuse(
            f"the command could not be checked ({type(exc).__name__}: {_one_line(exc)}); HYDRA_FULL_ERROR=1 shows where"
        )
    sys.argv = [sys.argv[0], *argv]
    task()
    from sim.runner.jobs import STATUS

    if STATUS["exit"]:  # the multirun's failures, should a Hydra version swallow the callback's SystemExit
        sys.exit(STATUS["exit"])


if __name__ == "__main__":
    main()
