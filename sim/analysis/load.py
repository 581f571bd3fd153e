"""Open a saved experiment folder and read its tables.

Two kinds of folder are recognised:

- an **experiment** (comparison or sweep, ``zonesim -m ...`` / ``zonesim experiment=compare``):
  ``runs/<key>/`` per run plus ``aggregate/`` (``meta.json``, ``effects.csv``, ``summary.csv``,
  ``run_outcomes.parquet``, ``runs.parquet``, ``approvals.parquet``, ``figures/*.png``) and
  ``manifest.json`` (provenance);
- a **sensitivity** experiment (``zonesim-sensitivity``): ``design.json``, ``samples.parquet``,
  ``indices.csv``, ``outcomes.csv``, ``figures/sensitivity_<outcome>.png``, ``runs/<key>/``.

:func:`open_folder` returns an :class:`Experiment` or a :class:`Sensitivity`, or raises
:class:`NotAnExperimentError` naming the folder and the file it looked for.  Tables are read
lazily and cached, so a notebook pays only for what it uses.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from sim.layout import AGGREGATE_DIR, DESIGN, FIGURES_DIR, INDICES, MANIFEST, META, RUN_JSON, RUNS, SUMMARY_CSV
from sim.runner.outputs import TABLES, project_approvals, stream_approvals

AGGREGATE = AGGREGATE_DIR
RUN_TABLES = TABLES
"""Per-run Parquet tables (see README, "Outputs of a single run"); the runner writes the same list."""
OPTIONAL_RUN_TABLES = ("firms_yearly", "sectors_yearly", "firm_panel", "land_yearly")
"""Run tables that older outputs lack (written by later model code): check
:meth:`Experiment.has_run_table` before reading one, or catch :class:`MissingRunTableError`."""

DEFAULT_FOLDERS = {
    "ZONESIM_EXPERIMENT": "multirun/compare",
    "ZONESIM_LEVERS": "multirun/levers",
    "ZONESIM_PROCESS_LEVERS": "multirun/process_levers",
    "ZONESIM_SENSITIVITY": "multirun/sensitivity/morris",
    "ZONESIM_SENSITIVITY_EFFECT": "multirun/sensitivity/morris_minus_baseline",
}
"""Environment variable read by the notebooks → the folder used when it is unset (repository-relative)."""


class NotAnExperimentError(ValueError):
    """The folder is not an experiment folder (or has not been aggregated yet)."""


class MissingRunTableError(NotAnExperimentError):
    """Some runs of the experiment lack a per-run table (e.g. outputs written before the model recorded it)."""


def repo_root(start: Path | None = None) -> Path:
    """The repository holding ``start`` (default: the working directory): the first parent with a
    ``pyproject.toml``; ``start`` itself when there is none."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").exists():
            return folder
    return start


def folder_from_env(variable: str) -> Path:
    """The experiment folder a notebook reads: ``$variable`` if set, else its default of
    :data:`DEFAULT_FOLDERS`; a relative path is taken from the repository root."""
    value = os.environ.get(variable) or DEFAULT_FOLDERS[variable]
    path = Path(value)
    return path if path.is_absolute() else repo_root() / path


def shown_path(path: Path) -> str:
    """``path`` as shown to readers: relative to the repository root when inside it."""
    path = Path(path).resolve()
    try:
        return str(path.relative_to(repo_root()))
    except ValueError:
        return str(path)


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


@dataclass
class Experiment:
    """An aggregated comparison or sweep: scenarios (and swept parameters) × seeds.

    ``group`` labels a scenario and its swept-parameter values; effects are paired differences of
    each group versus the reference group over same-seed runs (common random numbers).
    """

    folder: Path
    kind = "experiment"

    @cached_property
    def meta(self) -> dict:
        """``aggregate/meta.json``: groups, swept parameters, reference, confidence level, outcome units."""
        return _read_json(self.folder / AGGREGATE / META)

    @cached_property
    def manifest(self) -> dict:
        """``manifest.json`` (provenance: command, git commit, versions, times); empty if absent."""
        return _read_json(self.folder / MANIFEST)

    @property
    def level(self) -> float:
        return float(self.meta.get("level", 0.95))

    @property
    def groups(self) -> list[str]:
        return list(self.meta.get("groups", []))

    @property
    def swept(self) -> list[str]:
        """The swept parameters' dotted keys (``policy.devolution.powers``)."""
        return list(self.meta.get("swept", []))

    def column(self, key: str) -> str:
        """The column of the swept parameter ``key`` in the experiment's tables
        (``policy__devolution__powers``, :func:`sim.vocabulary.parameter_column`)."""
        from sim.vocabulary import parameter_column

        return parameter_column(key)

    @property
    def swept_columns(self) -> list[str]:
        return [self.column(k) for k in self.swept]

    @property
    def reference(self) -> str:
        return str(self.meta.get("reference_label", ""))

    @property
    def id_columns(self) -> list[str]:
        """Columns identifying a run: key, scenario, swept parameters, seed, group."""
        return ["key", "scenario", *self.swept_columns, "seed", "group"]

    def outcome_label(self, outcome: str) -> str:
        return self.meta.get("outcomes", {}).get(outcome, {}).get("label", outcome)

    def outcome_unit(self, outcome: str) -> str:
        return self.meta.get("outcomes", {}).get(outcome, {}).get("unit", "")

    @cached_property
    def effects(self) -> pd.DataFrame:
        """Paired differences versus the reference: one row per group and outcome (``effects.csv``)."""
        return pd.read_csv(self.folder / AGGREGATE / "effects.csv")

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Mean and interval of each outcome per group across seeds (``summary.csv``)."""
        return pd.read_csv(self.folder / AGGREGATE / SUMMARY_CSV)

    @cached_property
    def run_outcomes(self) -> pd.DataFrame:
        """One row per run with its run-level outcomes (``run_outcomes.parquet``)."""
        return pd.read_parquet(self.folder / AGGREGATE / "run_outcomes.parquet")

    @cached_property
    def monthly(self) -> pd.DataFrame:
        """The monthly region series of every run with the run's identity (``runs.parquet``)."""
        return pd.read_parquet(self.folder / AGGREGATE / "runs.parquet")

    @cached_property
    def stream_approvals(self) -> pd.DataFrame:
        """Every new project's approval record in every run, of every stream (``approvals.parquet``:
        enterprise projects filed and approved, government projects; column ``stream``)."""
        return stream_approvals(pd.read_parquet(self.folder / AGGREGATE / "approvals.parquet"))

    @cached_property
    def approvals(self) -> pd.DataFrame:
        """The enterprise projects' approval records in every run (the headline latency's projects)."""
        return project_approvals(self.stream_approvals)

    @cached_property
    def failures(self) -> pd.DataFrame:
        path = self.folder / AGGREGATE / "failures.csv"
        return pd.read_csv(path) if path.exists() else pd.DataFrame(columns=["key", "overrides", "error"])

    @property
    def figures(self) -> list[Path]:
        """The aggregated figures (``aggregate/figures/*.png``), in name order."""
        return sorted((self.folder / AGGREGATE / FIGURES_DIR).glob("*.png"))

    def run_table(self, name: str) -> pd.DataFrame:
        """A per-run table (one of :data:`RUN_TABLES`) of every aggregated run, with the run's identity
        columns in front (an event table with no rows in a run contributes nothing)."""
        if name not in RUN_TABLES:
            raise ValueError(f"unknown run table {name!r}; one of {', '.join(RUN_TABLES)}")
        if name not in self._run_tables:
            self._run_tables[name] = self._read_run_table(name)
        return self._run_tables[name]

    def missing_run_table(self, name: str) -> list[str]:
        """The keys of the aggregated runs whose folder has no ``<name>.parquet``."""
        return [key for key in self.run_outcomes["key"] if not (self.folder / RUNS / key / f"{name}.parquet").exists()]

    def has_run_table(self, name: str) -> bool:
        """Whether every aggregated run has the per-run table ``name`` (older outputs may lack
        :data:`OPTIONAL_RUN_TABLES`)."""
        return not self.missing_run_table(name)

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        self._run_tables: dict[str, pd.DataFrame] = {}

    def _read_run_table(self, name: str) -> pd.DataFrame:
        missing = self.missing_run_table(name)
        if missing:
            path = self.folder / RUNS / missing[0] / f"{name}.parquet"
            if name in OPTIONAL_RUN_TABLES:
                raise MissingRunTableError(
                    f"{len(missing)} of {self.run_outcomes['key'].nunique()} runs of {self.folder} have no "
                    f"{name}.parquet (e.g. {path}): they were written by model code that did not record it; "
                    "re-run the experiment to get it"
                )
            raise NotAnExperimentError(f"{path} is missing: the run folder {path.parent} is incomplete")
        ident = self.run_outcomes[self.id_columns]
        parts = []
        for row in ident.itertuples(index=False):
            path = self.folder / RUNS / row.key / f"{name}.parquet"
            table = pd.read_parquet(path)
            if len(table):
                table = table.rename(columns={"key": "firm_key"}) if "key" in table else table
                parts.append(table.assign(**dict(zip(self.id_columns, row))))
        if not parts:
            return pd.DataFrame(columns=self.id_columns)
        out = pd.concat(parts, ignore_index=True)
        return out[self.id_columns + [c for c in out.columns if c not in self.id_columns]]

    @cached_property
    def run_records(self) -> dict[str, dict]:
        """Each aggregated run's ``run.json`` (scenario, seed, overrides, resolved configuration, model
        code hash, versions), by run key."""
        return {key: _read_json(self.folder / RUNS / key / RUN_JSON) for key in self.run_outcomes["key"]}


@dataclass
class Sensitivity:
    """A global sensitivity experiment (Morris screening or Sobol indices over assumed parameters)."""

    folder: Path
    kind = "sensitivity"

    @cached_property
    def design(self) -> dict:
        """``design.json``: method, sample size, parameters (range, unit, source), outcomes (unit)."""
        return _read_json(self.folder / DESIGN)

    @cached_property
    def manifest(self) -> dict:
        return _read_json(self.folder / MANIFEST)

    @property
    def method(self) -> str:
        return str(self.design.get("method", ""))

    @property
    def ranking_measure(self) -> str:
        """The index ranking parameters by importance: ``mu_star`` (Morris) or ``ST`` (Sobol)."""
        return "mu_star" if self.method == "morris" else "ST"

    @cached_property
    def indices(self) -> pd.DataFrame:
        """One row per outcome × parameter with the indices (``indices.csv``)."""
        return pd.read_csv(self.folder / INDICES)

    @cached_property
    def outcomes(self) -> pd.DataFrame:
        """One row per sample: the sampled parameter values and the run's outcomes (``outcomes.csv``)."""
        return pd.read_csv(self.folder / "outcomes.csv", index_col="sample")

    @property
    def figures(self) -> list[Path]:
        return sorted((self.folder / FIGURES_DIR).glob("*.png"))

    def outcome_unit(self, outcome: str) -> str:
        return str(self.design.get("outcomes", {}).get(outcome, ""))


def open_folder(folder: str | Path) -> Experiment | Sensitivity:
    """The experiment in ``folder``; :class:`NotAnExperimentError` (naming what is missing) otherwise."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotAnExperimentError(f"{folder} is not a folder")
    if (folder / DESIGN).exists():
        if not (folder / INDICES).exists():
            raise NotAnExperimentError(
                f"{folder} is a sensitivity experiment without {INDICES}: "
                f"run `zonesim-sensitivity --analyse-only --dir {folder}`"
            )
        return Sensitivity(folder)
    if (folder / AGGREGATE / META).exists():
        return Experiment(folder)
    if (folder / RUNS).is_dir():
        raise NotAnExperimentError(f"{folder} has runs but no {AGGREGATE}/{META}: run `zonesim-aggregate {folder}`")
    raise NotAnExperimentError(
        f"{folder} is not an experiment folder: no {AGGREGATE}/{META} (comparison or "
        f"sweep) and no {DESIGN} (sensitivity) in it"
    )


def open_experiment(folder: str | Path) -> Experiment:
    """The comparison or sweep in ``folder``; an error if it is a sensitivity folder or none."""
    exp = open_folder(folder)
    if not isinstance(exp, Experiment):
        raise NotAnExperimentError(f"{folder} is a sensitivity experiment, not a comparison or sweep")
    return exp


def open_sensitivity(folder: str | Path) -> Sensitivity:
    """The sensitivity experiment in ``folder``; an error if it is something else."""
    exp = open_folder(folder)
    if not isinstance(exp, Sensitivity):
        raise NotAnExperimentError(f"{folder} is not a sensitivity experiment: no {DESIGN} in it")
    return exp
