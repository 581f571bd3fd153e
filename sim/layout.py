"""Names of the folders and files the commands write and read, in one place.

A single run (``zonesim``, or ``runs/<key>/`` of an experiment) holds :data:`RUN_JSON`,
:data:`SUMMARY_CSV`, the Parquet tables and ``DONE`` (:mod:`sim.runner.files`).  An experiment
folder (a Hydra multirun sweep dir) holds::

    runs/<key>/                 RUNS: one folder per complete run
    failures/<key>.json         FAILURES: runs that raised
    .experiment.json            STATE: total jobs and start time of the running multirun
    manifest.json               MANIFEST: provenance, written when the multirun ends
    aggregate/                  AGGREGATE_DIR (zonesim-aggregate)
        meta.json               META
        figures/*.png           FIGURES_DIR
    design.json, samples.parquet, indices.csv, figures/sensitivity_<outcome>.png
                                a sensitivity experiment (zonesim-sensitivity)

The configuration folder (:data:`CONFIG_DIR`) is found here too.
"""

from __future__ import annotations

from pathlib import Path


def _config_dir() -> Path:
    """The Hydra configuration: inside the package when zonesim is installed from a wheel
    (``sim/configs``, see setup.py), else the source tree's top-level ``configs/``."""
    here = Path(__file__).resolve()
    packaged = here.parent / "configs"
    return packaged if packaged.is_dir() else here.parents[1] / "configs"


CONFIG_DIR = _config_dir()
#: config folders that are not groups of a run (read by other commands, or Hydra's own)
NOT_RUN_GROUPS = ("calibration", "hydra")


def config_groups() -> dict[str, list[str]]:
    """Config groups a run can select (``group=option``) and their options."""
    out = {}
    for folder in sorted(p for p in CONFIG_DIR.rglob("*") if p.is_dir()):
        rel = folder.relative_to(CONFIG_DIR)
        if rel.parts[0] in NOT_RUN_GROUPS:
            continue
        options = sorted(p.stem for p in folder.glob("*.yaml"))
        if options:
            out[rel.as_posix()] = options
    return out


# one run
RUN_JSON = "run.json"
SUMMARY_CSV = "summary.csv"

# an experiment folder
RUNS = "runs"
FAILURES = "failures"
STATE = ".experiment.json"  # written at the start of a multirun: total jobs, start time
MANIFEST = "manifest.json"
AGGREGATE_DIR = "aggregate"
META = "meta.json"
FIGURES_DIR = "figures"

# a sensitivity experiment
DESIGN = "design.json"
SAMPLES = "samples.parquet"
INDICES = "indices.csv"
