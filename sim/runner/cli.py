"""``zonesim``: the command line (a thin Hydra wrapper around :func:`sim.runner.run.run`).

    zonesim                                   # baseline on the embedded Ningxia data
    zonesim scenario=full_reform seed=3 policy.devolution.powers=20
    zonesim -m scenario=baseline,full_reform seed='range(5)'

A single run is validated before Hydra starts it: an unknown key, a value out of range or a
broken data file ends the command with one line on stderr naming it, exit status 2, and no
output folder.  In a multirun each job writes ``<sweep dir>/runs/<key>/`` (see
:mod:`sim.experiments.jobs`): complete runs are skipped, a job that fails is recorded and the
others go on, and the command ends with status 1 if any failed or the manifest or aggregation
failed.  A second multirun into a folder another one is writing waits for it to end.
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from sim.config.schema import register_configs
from sim.config.validate import ConfigError, from_dictconfig
from sim.data import DataError, build_region
from sim.runner.entry import CONFIG_DIR
from sim.runner.files import check_writable

EXIT_BAD_INPUT = 2
log = logging.getLogger("zonesim")

register_configs()


def _one_line(exc: BaseException) -> str:
    """The first informative line of an error (Hydra and OmegaConf add hints after it)."""
    text = str(exc).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return type(exc).__name__
    first = lines[0]
    detail = next((ln for ln in lines[1:] if ln.startswith("Key ") or "full_key" in ln), None)
    return f"{first} ({detail})" if detail and detail not in first else first


def precheck(overrides: list[str]) -> None:
    """Compose, validate and load the data of a single run, raising on the first problem."""
    from sim.api import compose_config

    params = from_dictconfig(compose_config(overrides))
    build_region(params)
    if params.output.dir:
        try:
            check_writable(Path(params.output.dir))
        except OSError as exc:
            raise ConfigError(f"output.dir = {params.output.dir}: cannot write there ({exc.strerror or exc})") from exc


@hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")
def task(cfg: DictConfig) -> None:
    """One Hydra job: validate, run, write outputs (a run folder, or ``runs/<key>/`` in a multirun)."""
    from sim.experiments.jobs import failure_key, record_failure, run_job
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


_NO_PRECHECK = {"-m", "--multirun", "-h", "--help", "--hydra-help", "--info", "-i", "--cfg", "-c",
                "--shell-completion", "-sc", "--version", "--resolve", "-p", "--package"}


def _is_sweep(argv: list[str]) -> bool:
    """Does the command line sweep (``a=1,2``, ``range(…)``)?  Then Hydra validates each job."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        parsed = OverridesParser.create().parse_overrides([a for a in argv if not a.startswith("-")])
    except HydraException:
        return False  # let precheck report the malformed override
    return any(o.is_sweep_override() for o in parsed)


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
                return (f"hydra/launcher={value} needs the {extra!r} extra, which is not installed: "
                        f"pip install -e \".[{extra}]\" (or pip install \"zonesim[{extra}]\")")
    return None


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    argv = sys.argv[1:] if argv is None else argv
    if not CONFIG_DIR.is_dir():
        print(f"zonesim: error: config folder {CONFIG_DIR} not found (reinstall zonesim: `pip install .`)",
              file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    need = missing_extra(argv)
    if need:
        print(f"zonesim: error: {need}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    if not any(a.split("=")[0] in _NO_PRECHECK for a in argv) and not _is_sweep(argv):
        try:
            precheck([a for a in argv if not a.startswith("-") and not a.startswith("hydra.")])
        except (ConfigError, DataError, HydraException, OmegaConfBaseException, ValueError) as exc:
            print(f"zonesim: error: {_one_line(exc)}", file=sys.stderr)
            sys.exit(EXIT_BAD_INPUT)
    sys.argv = [sys.argv[0], *argv]
    task()
    from sim.experiments.callbacks import STATUS

    if STATUS["exit"]:  # the multirun's failures, should a Hydra version swallow the callback's SystemExit
        sys.exit(STATUS["exit"])


if __name__ == "__main__":
    main()
