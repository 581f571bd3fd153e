"""Running a design: the ``zonesim`` multirun over every sample row and scenario (a subprocess),
the check of the command's overrides before anything is written, and the split of the command
line into design choices, model overrides and Hydra settings."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path

from sim.experiments.sensitivity.base import DesignError
from sim.experiments.sensitivity.design import Design
from sim.layout import SAMPLES

log = logging.getLogger("zonesim")

_PLAIN = re.compile(r"^[\w/.\-:+~@]+$")


def _quote(value: str) -> str:
    """A Hydra override value: bare when it can be, else single-quoted."""
    if _PLAIN.match(value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def zonesim_command(exp_dir: Path, design: Design, hydra_overrides: list[str] | None = None) -> list[str]:
    """The ``zonesim`` multirun that evaluates every sample row (for every scenario of the design)."""
    return [
        sys.executable,
        "-m",
        "sim.runner.cli",
        "--multirun",
        f"experiment={design.experiment}",
        f"hydra.sweep.dir={_quote(str(exp_dir))}",
        "hydra.callbacks.sensitivity.analyse=false",  # analysed by the command, once
        f"sample.file={_quote(str(exp_dir / SAMPLES))}",
        f"sample.index=range(0,{design.rows()})",
        f"scenario={','.join(design.scenarios)}",
        f"seed={design.seed}",
        *design.overrides,
        *(hydra_overrides or []),
    ]


def precheck(design: Design) -> None:
    """Compose and validate a run of every scenario with the command's overrides in this process
    (as ``zonesim`` does for a single run), so that a bad override stops the command before any
    folder is written or N runs fail.  (The sampled values lie inside the schema's ranges.)"""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from sim.config.validate import ConfigError
    from sim.data import DataError
    from sim.runner import cli

    for scenario in design.scenarios:
        overrides = [f"scenario={scenario}", f"seed={design.seed}", *design.overrides]
        try:
            cli.precheck(overrides)
        except (ConfigError, DataError, HydraException, OmegaConfBaseException, ValueError) as exc:
            raise DesignError(cli._one_line(exc)) from exc


def launch(exp_dir: Path, design: Design, hydra_overrides: list[str] | None = None) -> int:
    """Run the multirun as a subprocess (Hydra's global state stays out of this process);
    its progress lines go to this process's stderr.  Returns its exit status.

    While the subprocess starts (one process checking and composing the jobs: a core is free),
    this one imports what the analysis after it needs (pandas, SALib, scipy.stats, matplotlib)."""
    cmd = zonesim_command(exp_dir, design, hydra_overrides)
    log.info("sensitivity: %d runs: %s", design.rows() * len(design.scenarios), " ".join(cmd[1:]))
    with subprocess.Popen(cmd) as proc:
        try:
            import sim.experiments.sensitivity.indices  # noqa: F401
            import sim.experiments.sensitivity.writing  # noqa: F401
        finally:
            status = proc.wait()
    return status


def split_overrides(overrides: list[str]) -> tuple[dict, list[str], list[str]]:
    """(scenario/seed/experiment choices, model overrides, hydra overrides) of the command line."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    picked: dict[str, str] = {}
    model, hydra_ov = [], []
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except HydraException as exc:
        raise DesignError(str(exc).splitlines()[0]) from exc
    for text, o in zip(overrides, parsed):
        key = o.get_key_element()
        if o.is_sweep_override():
            raise DesignError(
                f"{text}: a sweep inside the sensitivity design is not supported "
                f"(run one experiment per value, each with its own --dir)"
            )
        if key.startswith("sample.") or key in ("sample", "hydra.sweep.dir", "experiment", "hydra.mode"):
            raise DesignError(f"{text}: set by zonesim-sensitivity (use --dir, --experiment)")
        if key in ("scenario", "seed"):
            picked[key] = o.value()
        elif key.startswith(("hydra.", "hydra/", "~hydra")):
            hydra_ov.append(text)  # how runs execute (launcher, workers): not part of the design
        else:
            model.append(text)
    return picked, model, hydra_ov
