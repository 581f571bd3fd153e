"""The ``zonesim`` command line as Hydra reads it: its options, its overrides (parsed one at a
time so an error names the override), and Hydra's composer for the configs."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from typing import Any

from hydra.errors import HydraException

from sim.config.validate import ConfigError
from sim.layout import CONFIG_DIR
from sim.runner.messages import _GRAMMAR, _lines

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


#: the job name Hydra gives the ``zonesim`` command's runs: that of the module of its task function
#: (``sim/runner/cli.py``), which ``hydra.job.name`` records and the job's log file is named after
HYDRA_JOB_NAME = "cli"


@contextlib.contextmanager
def _hydra(job_name: str = "zonesim") -> Iterator[Any]:
    """Hydra's composer for the configs (its global state cleared afterwards)."""
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from sim.api import _lock

    with _lock, initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3", job_name=job_name):
        yield GlobalHydra.instance().hydra


def _job_config(cfg, copy_first: bool = True) -> Any:
    """A composed config without its ``hydra`` node (what a job receives): a copy, or ``cfg``
    itself when the caller owns it (``copy_first=False``)."""
    from omegaconf import open_dict, read_write

    job = copy.deepcopy(cfg) if copy_first else cfg
    with read_write(job), open_dict(job):
        job.pop("hydra", None)
    return job
