"""The ``zonesim`` console script: ``--help`` and ``--version`` answered at once, without Hydra;
everything else handed to :func:`sim.runner.cli.main` (Hydra, the model) only then imported."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

from sim.layout import CONFIG_DIR, NOT_RUN_GROUPS  # noqa: F401 - CONFIG_DIR is imported from here by callers
from sim.layout import config_groups as _groups

#: the keys an analyst changes first, shown with their unit, range and default
MAIN_KEYS = (
    "seed",
    "time.start",
    "time.end",
    "time.spinup_years",
    "region.kind",
    "region.data_dir",
    "output.dir",
    "policy.devolution.powers",
    "policy.devolution.regional_assessment_items",
    "policy.devolution.one_stop_agent",
    "policy.consolidation.max_blocks",
    "policy.assessment.years_to_abolish",
    "policy.zombie_disposal.enabled",
    "policy.approval_process.transit_cut",
    "protection.base",
    "credit.growth",
)


def version_line() -> str:
    """``zonesim <version> (commit <short hash>)``; the commit when the code is a git checkout."""
    try:
        version = metadata.version("zonesim")
    except metadata.PackageNotFoundError:
        version = "unknown (not installed)"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=CONFIG_DIR.parent, capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"zonesim {version}" + (f" (commit {commit})" if commit else "")


def _field(key: str):
    """The schema's declaration of a dotted ``key``: (default, metadata)."""
    import dataclasses

    from sim.config.schema import ModelConfig

    obj = ModelConfig()
    *path, name = key.split(".")
    for part in path:
        obj = getattr(obj, part)
    field = next(f for f in dataclasses.fields(obj) if f.name == name)
    return getattr(obj, name), dict(field.metadata)


def _as_yaml(value) -> str:
    """A default as it is written on the command line (``null``, ``true``, ``''``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value) if value != "" else "''"


def help_text() -> str:
    from sim.config.schema import range_text

    groups = _groups()
    scenarios = groups.pop("scenario", [])
    lines = [
        f"{version_line()}: agent-based simulation of development-zone (开发区) reform",
        "",
        "usage:",
        "  zonesim [key=value ...]                one run (baseline unless scenario=NAME) into outputs/<scenario>/",
        "  zonesim experiment=compare             the main job: 7 scenarios x 10 seeds, aggregated (multirun/compare)",
        "  zonesim -m key=a,b 'seed=range(5)'     a sweep (Hydra's grammar), aggregated in its sweep folder",
        "",
        "scenarios (scenario=NAME): " + ", ".join(scenarios),
        "config groups (group=option):",
        *(f"  {g}: {', '.join(opts)}" for g, opts in groups.items()),
        "main keys (key=value; unit, range, default; every key of the schema can be set):",
    ]
    for key in MAIN_KEYS:
        default, meta = _field(key)
        lines.append(f"  {key} = {_as_yaml(default)}   ({meta.get('unit') or '-'}; {range_text(meta, default)})")
    commands = sorted(
        {ep.name for ep in metadata.entry_points(group="console_scripts") if ep.name.startswith("zonesim-")}
    )
    lines += [
        "other commands (each has --help): " + ", ".join(commands),
        "the whole configuration: zonesim --cfg job; Hydra's own help: zonesim --hydra-help",
        "parameters with units and sources: docs/ODD.md; outputs: README.md",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``zonesim``."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-h", "--help") and len(argv) == 1:
        print(help_text())
        return
    if argv == ["--version"]:
        print(version_line())
        return
    from sim.runner.cli import main as run

    run(with_run_dir(argv))


def with_run_dir(argv: list[str]) -> list[str]:
    """A single run given ``output.dir=D`` keeps Hydra's own files (``.hydra/``, the log) in D too,
    rather than in a stray ``outputs/`` folder (unless ``hydra.run.dir`` is given)."""
    if any(a in ("-m", "--multirun") for a in argv) or any(a.startswith("hydra.run.dir=") for a in argv):
        return argv
    given = [a.split("=", 1)[1] for a in argv if a.startswith("output.dir=")]
    if not given or given[-1] in ("", "null", "None"):
        return argv
    return [*argv, f"hydra.run.dir={given[-1]}"]


if __name__ == "__main__":
    main()
