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

import logging
import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.config.schema import register_configs
from sim.config.validate import ConfigError, from_dictconfig
from sim.data import DataError
from sim.exit_codes import EXIT_BAD_INPUT
from sim.layout import CONFIG_DIR

# the command line, the checks and the one-line messages live in their own modules; re-exported
# here, where callers and tests have always found them
from sim.runner.checks import (  # noqa: F401
    BAD_INPUT,
    UNCHECKED,
    check_command,
    check_run,
    precheck,
    probe_folder,
)
from sim.runner.command import INFO_FLAGS, parse_overrides  # noqa: F401
from sim.runner.messages import _one_line  # noqa: F401

log = logging.getLogger("zonesim")

register_configs()


@hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")
def task(cfg: DictConfig) -> None:
    """One Hydra job: validate, run, write outputs (a run folder, or ``runs/<key>/`` in a multirun)."""
    from sim.runner.jobs import failure_key, record_failure, run_job
    from sim.runner.run import region_of, run

    hc = HydraConfig.get()
    job_dir = Path(hc.runtime.output_dir)
    multirun = hc.mode == RunMode.MULTIRUN
    overrides = list(hc.overrides.task)
    try:
        params = from_dictconfig(cfg)
        region = region_of(params)
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


@contextmanager
def _mode_known(mode: object):
    """Hydra composes the whole configuration once only to read its ``hydra.mode`` (``Hydra.get_mode``,
    0.2 s) before composing it again to run; :func:`check_command` has just composed it and read the
    mode, so Hydra is given that answer (``tests/test_cli_start.py`` checks it is Hydra's own)."""
    if mode is UNCHECKED:
        yield
        return
    from hydra._internal.hydra import Hydra

    def get_mode(self, config_name, overrides):
        return mode

    original = Hydra.get_mode
    Hydra.get_mode = get_mode
    try:
        yield
    finally:
        Hydra.get_mode = original


def start_workers(master) -> None:
    """A sweep on joblib's workers: start them (they import the model) while the command's check
    composes and validates the jobs, the 2-3 s before Hydra starts (the experiment callback would
    start them only then).  A check that fails after this ends the command as before, once the
    workers have started (about 2 s)."""
    from sim.runner.workers import joblib_settings, warm_workers

    settings = joblib_settings(master)
    if settings:
        warm_workers(settings)


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    argv = sys.argv[1:] if argv is None else argv
    if not CONFIG_DIR.is_dir():
        _refuse(f"config folder {CONFIG_DIR} not found (reinstall zonesim: `pip install .`)")
    need = missing_extra(argv)
    if need:
        _refuse(need)
    try:
        mode = check_command(argv, on_sweep=start_workers)
    except (*BAD_INPUT, OSError) as exc:
        _refuse(_one_line(exc))
    except Exception as exc:  # a fault of the check itself: still one line (HYDRA_FULL_ERROR=1 shows where)
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        _refuse(
            f"the command could not be checked ({type(exc).__name__}: {_one_line(exc)}); HYDRA_FULL_ERROR=1 shows where"
        )
    sys.argv = [sys.argv[0], *argv]
    with _mode_known(mode):
        task()
    from sim.runner.jobs import STATUS

    if STATUS["exit"]:  # the multirun's failures, should a Hydra version swallow the callback's SystemExit
        sys.exit(STATUS["exit"])


if __name__ == "__main__":
    main()
