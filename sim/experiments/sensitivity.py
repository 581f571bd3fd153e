"""``zonesim-sensitivity``: global sensitivity analysis of the model's outcomes (SALib).

    zonesim-sensitivity [--method morris|sobol] [--n N] [--dir DIR] [--paired-with SCENARIO]
                        [--experiment NAME] [--analyse-only] [--dry-run] [hydra overrides...]

The design — uncertain parameters and their ranges, method, sample size, scenario(s), model
seed, outcomes — is declared in ``configs/experiment/sensitivity.yaml`` under
``hydra.callbacks.sensitivity`` (the file also composes as the Hydra experiment
``experiment=sensitivity``, which sets the multirun mode, the launcher and the sweep folder).
Units, sources and admissible ranges of the parameters are read from the schema's field
metadata (:mod:`sim.config.schema`); a declared range outside the admissible one is an error.

The command

1. checks the command's overrides by composing one run per scenario (a typo stops it here, with
   exit status 2, before anything is written), builds the SALib problem (names, bounds) and
   samples it — Morris trajectories
   (:func:`SALib.sample.morris.sample`) or Saltelli/Sobol' points (:func:`SALib.sample.sobol.sample`)
   with a fixed seed, so re-running gives the same design — and writes ``<dir>/samples.parquet``
   (one column per dotted parameter key, one row per model run) and ``<dir>/design.json``;
2. runs every row through the ordinary runner as one Hydra multirun,
   ``zonesim experiment=sensitivity sample.file=<dir>/samples.parquet sample.index=range(0,N)
   scenario=… seed=… <overrides>`` (a subprocess; whatever launcher the config selects); the
   runner writes ``<dir>/runs/<key>/`` per run, skips complete runs, records failures;
3. reads ``summary.csv`` and ``run.json`` of every run back, matched to sample rows by the run's
   resolved ``sample.index`` (and checked against the sampled values), and writes
   ``outcomes.csv`` (one row per sample), ``indices.csv`` and ``indices.md`` (one row per
   outcome × parameter, with the parameter's unit) and ``figures/sensitivity_<outcome>.png``.

With ``--paired-with baseline`` every sample row is run in both scenarios with the same seed
and the analysed outcome is the difference (scenario − paired scenario): the sensitivity of the
reform *effect* rather than of the level.  Outcomes with a missing or failed row are not
analysed (SALib needs every row of the design) and the report says which rows are missing.

The indices
-----------
Morris elementary-effects screening (Morris 1991; Campolongo, Cariboni & Saltelli 2007): along
each trajectory one parameter moves by a step Δ of its range; the elementary effect is the
outcome change divided by Δ expressed as a share of the range, i.e. roughly the change in the
outcome when that parameter crosses its whole range (in the outcome's unit).

- ``mu_star`` — mean of the absolute elementary effects: overall importance of the parameter
  (the ranking measure);
- ``mu`` — mean of the signed effects: the direction; ``|mu| << mu_star`` means effects of both
  signs (non-monotone);
- ``sigma`` — standard deviation of the effects: non-linearity or interaction with other
  parameters (sigma/mu_star above ~1 is strongly non-linear/interacting);
- ``mu_star_conf`` — bootstrap half-width of the ``conf_level`` confidence interval of mu_star.

Sobol' variance decomposition (Sobol' 2001; Saltelli et al. 2010 estimators), outcome variance
over the uniform parameter box:

- ``S1`` — first-order index: share of the outcome variance explained by the parameter alone;
- ``ST`` — total-order index: share of variance involving the parameter, alone or in any
  interaction (``ST - S1`` = interactions; ``ST ≈ 0`` = the parameter can be fixed anywhere in
  its range);
- ``S1_conf``, ``ST_conf`` — bootstrap half-widths of their confidence intervals;
- ``S2`` (``indices_second_order.csv``, when ``calc_second_order``) — pairwise interaction shares.

The indices are computed by SALib (:func:`SALib.analyze.morris.analyze`,
:func:`SALib.analyze.sobol.analyze`); :func:`compute_indices` wraps them and is usable without
the simulator.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import math
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config.schema import ModelConfig
from sim.experiments.aggregate import dotted_get
from sim.runner.entry import CONFIG_DIR

try:  # the callback base class; Hydra is a dependency of the package, the import is only cosmetic
    from hydra.experimental.callback import Callback as _Callback
except ImportError:  # pragma: no cover
    _Callback = object

log = logging.getLogger("zonesim")

EXPERIMENT = "sensitivity"
METHODS = ("morris", "sobol")
SAMPLES = "samples.parquet"
DESIGN = "design.json"
EXIT_BAD_INPUT = 2


class DesignError(ValueError):
    """The declared design is invalid, or the experiment folder holds a different design."""


# --------------------------------------------------------------------------- design
@dataclass
class Parameter:
    """One uncertain parameter: its dotted key, sampled range and schema metadata."""

    name: str
    low: float
    high: float
    unit: str = ""
    source: str = ""
    default: Any = None
    integer: bool = False


@dataclass
class Design:
    """Everything that defines an experiment's samples and runs (saved as ``design.json``)."""

    method: str
    n: int
    parameters: list[Parameter]
    outcomes: dict[str, str]
    scenario: str = "full_reform"
    paired_with: str | None = None
    seed: int = 0
    sample_seed: int = 0
    num_levels: int = 4
    calc_second_order: bool = False
    num_resamples: int = 1000
    conf_level: float = 0.95
    overrides: list[str] = field(default_factory=list)  # model overrides (not hydra.*) of every run
    experiment: str = EXPERIMENT

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parameters]

    @property
    def scenarios(self) -> list[str]:
        return [self.scenario] + ([self.paired_with] if self.paired_with else [])

    def problem(self) -> dict:
        """The SALib problem: number of variables, names and [low, high] bounds."""
        return {"num_vars": len(self.parameters), "names": self.names,
                "bounds": [[p.low, p.high] for p in self.parameters]}

    def rows(self) -> int:
        """Number of sample rows (model runs per scenario) the design asks for."""
        d = len(self.parameters)
        if self.method == "morris":
            return self.n * (d + 1)
        return self.n * (2 * d + 2 if self.calc_second_order else d + 2)

    def identity(self) -> dict:
        """What must match for a folder's runs to belong to this design (not the analysis settings)."""
        keys = ("method", "n", "scenario", "paired_with", "seed", "sample_seed", "overrides")
        out = {k: getattr(self, k) for k in keys}
        out["parameters"] = [[p.name, p.low, p.high] for p in self.parameters]
        out["num_levels" if self.method == "morris" else "calc_second_order"] = (
            self.num_levels if self.method == "morris" else self.calc_second_order)
        return out

    def to_json(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Design:
        data = dict(data)
        data["parameters"] = [Parameter(**p) for p in data["parameters"]]
        return cls(**data)


def schema_field(key: str) -> tuple[dict, Any, type | None]:
    """Metadata (unit, source, ge/le/gt), default value and type of the schema field ``key``."""
    obj: Any = ModelConfig()
    parts = key.split(".")
    for i, part in enumerate(parts):
        if not dataclasses.is_dataclass(obj):
            break
        fields = {f.name: f for f in dataclasses.fields(obj)}
        if part not in fields:
            break
        if i == len(parts) - 1:
            value = getattr(obj, part)
            return dict(fields[part].metadata), value, type(value)
        obj = getattr(obj, part)
    raise DesignError(f"parameter {key!r} is not a key of the configuration schema")


def make_parameter(name: str, bounds: Any) -> Parameter:
    """A declared parameter, checked against the schema: numeric, ``low < high``, inside ``[ge, le]``
    (and above ``gt``); unit and source copied from the schema metadata."""
    meta, default, kind = schema_field(name)
    if kind is bool or kind not in (int, float):
        raise DesignError(f"parameter {name!r} is not numeric (default {default!r})")
    try:
        low, high = (float(b) for b in bounds)
    except (TypeError, ValueError) as exc:
        raise DesignError(f"parameter {name}: bounds {bounds!r} are not [low, high]") from exc
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise DesignError(f"parameter {name}: bounds [{low}, {high}] need low < high")
    unit = f" ({meta['unit']})" if meta.get("unit") else ""
    ge, le, gt = meta.get("ge"), meta.get("le"), meta.get("gt")
    if ge is not None and low < ge or le is not None and high > le or gt is not None and low <= gt:
        lo_s = f"({gt}" if gt is not None else f"[{'-inf' if ge is None else ge}"
        raise DesignError(f"parameter {name}: range [{low}, {high}] is outside the admissible range "
                          f"{lo_s}, {'inf' if le is None else le}]{unit}")
    return Parameter(name, low, high, unit=str(meta.get("unit", "")), source=str(meta.get("source", "")),
                     default=default, integer=kind is int)


def experiment_file(experiment: str = EXPERIMENT) -> Path:
    return CONFIG_DIR / "experiment" / f"{experiment}.yaml"


def load_spec(experiment: str = EXPERIMENT) -> tuple[dict, str]:
    """The ``hydra.callbacks.sensitivity`` node of ``configs/experiment/<experiment>.yaml`` and the
    experiment's default sweep folder (``hydra.sweep.dir``)."""
    from omegaconf import OmegaConf

    path = experiment_file(experiment)
    if not path.is_file():
        raise DesignError(f"experiment file {path} not found")
    cfg = OmegaConf.load(path)
    spec = OmegaConf.select(cfg, "hydra.callbacks.sensitivity")
    if spec is None:
        raise DesignError(f"{path} declares no hydra.callbacks.sensitivity")
    sweep_dir = OmegaConf.select(cfg, "hydra.sweep.dir", default=f"multirun/{experiment}")
    return OmegaConf.to_container(spec, resolve=True), str(sweep_dir)


def design_from_spec(spec: dict, *, method: str | None = None, n: int | None = None,
                     scenario: str | None = None, paired_with: str | None = None, seed: int | None = None,
                     overrides: list[str] | None = None, experiment: str = EXPERIMENT) -> Design:
    """Build and check the :class:`Design` from the declared spec and command-line choices."""
    method = method or spec.get("method", "morris")
    if method not in METHODS:
        raise DesignError(f"method = {method!r} is not one of {', '.join(METHODS)}")
    settings = spec.get(method) or {}
    n = int(n if n is not None else settings.get("n", 0))
    if n < 1:
        raise DesignError(f"{method}: sample size n = {n} must be at least 1")
    if method == "sobol" and n & (n - 1):
        raise DesignError(f"sobol: n = {n} must be a power of 2 (Saltelli sampling)")
    declared = spec.get("parameters") or {}
    if len(declared) < 2:
        raise DesignError("declare at least 2 uncertain parameters")
    outcomes = spec.get("outcomes") or {}
    if isinstance(outcomes, list):
        outcomes = {o: "" for o in outcomes}
    if not outcomes:
        raise DesignError("declare at least one outcome")
    num_levels = int(settings.get("num_levels", 4)) if method == "morris" else 4
    if method == "morris" and (num_levels < 2 or num_levels % 2):
        raise DesignError(f"morris: num_levels = {num_levels} must be even and at least 2")
    paired = paired_with if paired_with is not None else spec.get("paired_with")
    design = Design(
        method=method, n=n, parameters=[make_parameter(k, v) for k, v in declared.items()],
        outcomes={str(k): str(v or "") for k, v in outcomes.items()},
        scenario=str(scenario or spec.get("scenario", "full_reform")), paired_with=paired or None,
        seed=int(seed if seed is not None else spec.get("seed", 0)), sample_seed=int(spec.get("sample_seed", 0)),
        num_levels=num_levels, calc_second_order=bool(settings.get("calc_second_order", False)),
        num_resamples=int(spec.get("num_resamples", 1000)), conf_level=float(spec.get("conf_level", 0.95)),
        overrides=list(overrides or []), experiment=experiment,
    )
    sampled = [o for o in design.overrides if o.lstrip("+~").split("=", 1)[0] in design.names]
    if sampled:
        raise DesignError(f"{sampled[0]}: this parameter is sampled (the sample would overwrite it); "
                          f"change its range in the experiment file instead")
    if design.paired_with == design.scenario:
        raise DesignError(f"paired_with = {design.paired_with!r} is the analysed scenario itself")
    return design


# --------------------------------------------------------------------------- sampling
def sample(design: Design) -> pd.DataFrame:
    """The SALib sample of ``design``: one column per parameter (dotted key), one row per run."""
    problem = design.problem()
    if design.method == "morris":
        from SALib.sample import morris as morris_sample

        X = morris_sample.sample(problem, design.n, num_levels=design.num_levels, seed=design.sample_seed)
    else:
        from SALib.sample import sobol as sobol_sample

        X = sobol_sample.sample(problem, design.n, calc_second_order=design.calc_second_order,
                                seed=design.sample_seed)
    # SALib scales the unit cube as low + u * (high - low), which can land one rounding step
    # outside [low, high] (e.g. -0.19999999999999996 for high = -0.2): clip, or a range ending at a
    # schema limit would be refused by the runner's validation.
    bounds = np.array(problem["bounds"], dtype=float)
    X = np.clip(np.asarray(X, dtype=float), bounds[:, 0], bounds[:, 1])
    return pd.DataFrame(X, columns=design.names)


def prepare(exp_dir: Path, design: Design) -> pd.DataFrame:
    """Write (or, for the same design, re-use) ``design.json`` and ``samples.parquet`` in ``exp_dir``.

    A folder that already holds another design is refused: its runs would be matched to the
    wrong rows.  Returns the sample table.
    """
    exp_dir.mkdir(parents=True, exist_ok=True)
    design_path, samples_path = exp_dir / DESIGN, exp_dir / SAMPLES
    if design_path.exists():
        old = Design.from_json(json.loads(design_path.read_text()))
        a, b = old.identity(), design.identity()
        diff = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        if diff:
            details = "; ".join(f"{k}: {a.get(k)!r} -> {b.get(k)!r}" for k in diff)
            raise DesignError(f"{exp_dir} holds another design ({details}); use --dir for a new "
                              f"experiment or delete that folder")
    table = sample(design)
    if samples_path.exists():
        old_table = pd.read_parquet(samples_path)
        if list(old_table.columns) != list(table.columns) or not np.allclose(old_table.to_numpy(), table.to_numpy()):
            raise DesignError(f"{samples_path} differs from the design's sample (another SALib version?); "
                              f"delete it or use --dir")
        table = old_table
    else:
        table.to_parquet(samples_path, index=False)
    design_path.write_text(json.dumps(design.to_json(), indent=2, ensure_ascii=False))
    return table


# --------------------------------------------------------------------------- running
_PLAIN = re.compile(r"^[\w/.\-:+~@]+$")


def _quote(value: str) -> str:
    """A Hydra override value: bare when it can be, else single-quoted."""
    if _PLAIN.match(value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def zonesim_command(exp_dir: Path, design: Design, hydra_overrides: list[str] | None = None) -> list[str]:
    """The ``zonesim`` multirun that evaluates every sample row (for every scenario of the design)."""
    return [
        sys.executable, "-m", "sim.runner.cli", "--multirun", f"experiment={design.experiment}",
        f"hydra.sweep.dir={_quote(str(exp_dir))}",
        "hydra.callbacks.sensitivity.analyse=false",  # analysed by the command, once
        f"sample.file={_quote(str(exp_dir / SAMPLES))}", f"sample.index=range(0,{design.rows()})",
        f"scenario={','.join(design.scenarios)}", f"seed={design.seed}",
        *design.overrides, *(hydra_overrides or []),
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
    its progress lines go to this process's stderr.  Returns its exit status."""
    cmd = zonesim_command(exp_dir, design, hydra_overrides)
    log.info("sensitivity: %d runs: %s", design.rows() * len(design.scenarios), " ".join(cmd[1:]))
    return subprocess.run(cmd, check=False).returncode


# --------------------------------------------------------------------------- reading runs back
@dataclass
class Collected:
    """Outcomes of the runs, in sample order."""

    values: pd.DataFrame                    # index: sample row; columns: (scenario, outcome)
    failed: dict[tuple[str, int], str]      # (scenario, row) -> error of a recorded failure
    missing: list[tuple[str, int]]          # (scenario, row) without a complete run (failed or not run)
    absent: list[str] = field(default_factory=list)  # outcomes in no run's summary.csv
    stale: int = 0                          # runs used that were made by other model code


def _same_file(a: Any, b: Path) -> bool:
    try:
        return bool(a) and Path(str(a)).resolve() == b.resolve()
    except OSError:
        return False


def _matches(config: dict, row: pd.Series, design: Design) -> bool:
    """Does a run's resolved config carry the sampled values of ``row`` (integers rounded)?"""
    for p in design.parameters:
        got, want = dotted_get(config, p.name), float(row[p.name])
        if got is None:
            return False
        if p.integer:
            want = float(round(want))
        if not math.isclose(float(got), want, rel_tol=1e-9, abs_tol=1e-12):
            return False
    return True


def collect(exp_dir: Path, design: Design, samples: pd.DataFrame) -> Collected:
    """Outcomes of every complete run of this design, matched to sample rows by the run's
    resolved ``sample.index`` and scenario (runs of another sample file, seed or with other
    values are ignored), plus the failed and missing rows.  When a row has several runs (the
    model code changed between two executions of the command), the run of the current code is
    used, else the newest."""
    from sim.experiments.jobs import FAILURES, RUNS
    from sim.runner.run import DONE, code_fingerprint

    current = code_fingerprint()
    samples_path = exp_dir / SAMPLES
    n = len(samples)
    cols = pd.MultiIndex.from_product([design.scenarios, list(design.outcomes)], names=["scenario", "outcome"])
    values = pd.DataFrame(np.nan, index=pd.RangeIndex(n, name="sample"), columns=cols)
    chosen: dict[tuple[str, int], tuple[tuple[bool, float], str, str | None, pd.DataFrame]] = {}
    for done in sorted((exp_dir / RUNS).glob(f"*/{DONE}")):
        run_dir = done.parent
        try:
            meta = json.loads((run_dir / "run.json").read_text())
            summary = pd.read_csv(run_dir / "summary.csv")
            rank = (meta.get("code") == current, done.stat().st_mtime)
        except (OSError, ValueError) as exc:
            log.warning("sensitivity: cannot read %s (%s)", run_dir, exc)
            continue
        config = meta.get("config") or {}
        smp = config.get("sample") or {}
        idx, scen = smp.get("index"), config.get("scenario_name")
        if not _same_file(smp.get("file"), samples_path) or scen not in design.scenarios:
            continue
        if not isinstance(idx, int) or not 0 <= idx < n or config.get("seed") != design.seed:
            continue
        if not _matches(config, samples.iloc[idx], design):
            log.warning("sensitivity: run %s has sample.index=%d but not its sampled values; ignored",
                        run_dir.name, idx)
            continue
        if (scen, idx) not in chosen or rank > chosen[(scen, idx)][0]:
            chosen[(scen, idx)] = (rank, run_dir.name, meta.get("code"), summary)
    found = {k: v[1] for k, v in chosen.items()}
    columns: set[str] = set()
    codes: dict[str, int] = {}
    for (scen, idx), (_, _, code, summary) in chosen.items():
        columns.update(summary.columns)
        codes[str(code)] = codes.get(str(code), 0) + 1
        for outcome in design.outcomes:
            if outcome in summary.columns:
                values.loc[idx, (scen, outcome)] = pd.to_numeric(summary[outcome].iloc[0], errors="coerce")
    stale = sum(c for code, c in codes.items() if code != current)
    failed: dict[tuple[str, int], str] = {}
    for path in sorted((exp_dir / FAILURES).glob("*.json")):
        try:
            info = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        ov = dict(o.split("=", 1) for o in info.get("overrides", []) if "=" in o)
        if not _same_file(ov.get("sample.file", "").strip("'\""), samples_path):
            continue
        try:
            key = (ov.get("scenario", design.scenario), int(ov.get("sample.index", -1)))
        except ValueError:
            continue
        if key not in found and 0 <= key[1] < n:
            failed[key] = str(info.get("error", "failed"))
    missing = [(s, i) for s in design.scenarios for i in range(n) if (s, i) not in found]
    absent = [o for o in design.outcomes if found and o not in columns]
    return Collected(values, failed, missing, absent, stale)


def analysed_outcomes(design: Design, collected: Collected) -> pd.DataFrame:
    """The outcome analysed per sample row: the scenario's value, or scenario − paired_with."""
    v = collected.values
    out = v[design.scenario].copy()
    if design.paired_with:
        out = out - v[design.paired_with]
    return out


# --------------------------------------------------------------------------- indices (SALib)
MORRIS_COLUMNS = ("mu_star", "mu_star_conf", "mu", "sigma")
SOBOL_COLUMNS = ("S1", "S1_conf", "ST", "ST_conf")


def compute_indices(problem: dict, method: str, X: np.ndarray, Y: np.ndarray, *, num_levels: int = 4,
                    calc_second_order: bool = False, num_resamples: int = 1000, conf_level: float = 0.95,
                    seed: int | None = 0) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Sensitivity indices of one outcome ``Y`` (one value per row of the sample ``X``) by SALib.

    ``method="morris"``: :func:`SALib.analyze.morris.analyze` → columns ``mu_star`` (mean absolute
    elementary effect: importance, in the outcome's unit per crossing of the parameter's range),
    ``mu_star_conf`` (bootstrap CI half-width), ``mu`` (signed mean: direction) and ``sigma``
    (s.d. of the effects: non-linearity/interactions).

    ``method="sobol"``: :func:`SALib.analyze.sobol.analyze` → ``S1`` (first-order variance share),
    ``ST`` (total-order share, interactions included) and their CI half-widths ``S1_conf``,
    ``ST_conf``; with ``calc_second_order`` also the pairwise ``S2`` table (second return value).

    Returns ``(table, s2)``: ``table`` has one row per parameter (column ``parameter``, in the
    problem's order); ``s2`` is a parameter × parameter frame or ``None``.
    """
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float).ravel()
    if len(Y) != len(X):
        raise ValueError(f"{len(Y)} outcome values for {len(X)} sample rows")
    if not np.all(np.isfinite(Y)):
        raise ValueError("outcome values must all be finite (SALib needs every row)")
    names = list(problem["names"])
    s2 = None
    if method == "morris":
        from SALib.analyze import morris as morris_analyze

        res = morris_analyze.analyze(problem, X, Y, num_resamples=num_resamples, conf_level=conf_level,
                                     num_levels=num_levels, seed=seed)
        table = pd.DataFrame({c: np.asarray(res[c], dtype=float) for c in MORRIS_COLUMNS})
    elif method == "sobol":
        from SALib.analyze import sobol as sobol_analyze

        res = sobol_analyze.analyze(problem, Y, calc_second_order=calc_second_order,
                                    num_resamples=num_resamples, conf_level=conf_level, seed=seed)
        table = pd.DataFrame({c: np.asarray(res[c], dtype=float) for c in SOBOL_COLUMNS})
        if calc_second_order:
            s2 = pd.DataFrame(np.asarray(res["S2"], dtype=float), index=names, columns=names)
    else:
        raise ValueError(f"method = {method!r} is not one of {', '.join(METHODS)}")
    table.insert(0, "parameter", names)
    return table, s2


# --------------------------------------------------------------------------- report
@dataclass
class Report:
    """Result of :func:`analyse_experiment`."""

    indices: pd.DataFrame
    analysed: list[str]
    skipped: dict[str, str]                 # outcome -> why it was not analysed
    failed: dict[tuple[str, int], str]
    missing: list[tuple[str, int]]
    files: list[Path]
    stale: int = 0                          # runs used that were made by other model code


def _rows_text(rows: list[int], limit: int = 20) -> str:
    rows = sorted(rows)
    text = ", ".join(map(str, rows[:limit]))
    return text + (f", … ({len(rows)} rows)" if len(rows) > limit else "")


def analyse_experiment(exp_dir: Path, figures: bool = True) -> Report:
    """Read the runs of the experiment in ``exp_dir`` back, compute the indices of every outcome
    with all rows present and write ``outcomes.csv``, ``indices.csv``, ``indices.md`` and the
    figures.  Outcomes with missing rows are skipped (reported in ``indices.md``)."""
    exp_dir = Path(exp_dir)
    design = Design.from_json(json.loads((exp_dir / DESIGN).read_text()))
    samples = pd.read_parquet(exp_dir / SAMPLES)
    collected = collect(exp_dir, design, samples)
    Y = analysed_outcomes(design, collected)
    problem = design.problem()
    X = samples[design.names].to_numpy(dtype=float)
    by_param = {p.name: p for p in design.parameters}
    tables, s2_tables, skipped = [], [], {}
    for outcome in design.outcomes:
        y = Y[outcome]
        if outcome in collected.absent:
            skipped[outcome] = f"{outcome} is not a column of the runs' summary.csv"
            log.warning("sensitivity: %s not analysed (%s)", outcome, skipped[outcome])
            continue
        bad = [int(i) for i in y.index[~np.isfinite(y.to_numpy(dtype=float))]]
        if bad:
            miss = sorted({i for s, i in collected.missing} & set(bad))
            nan = sorted(set(bad) - set(miss))
            why = []
            if miss:
                why.append(f"rows without a complete run: {_rows_text(miss)}")
            if nan:
                why.append(f"rows where {outcome} is not a number: {_rows_text(nan)}")
            skipped[outcome] = "; ".join(why)
            log.warning("sensitivity: %s not analysed (%s)", outcome, skipped[outcome])
            continue
        if design.method == "sobol" and float(np.ptp(y.to_numpy(dtype=float))) == 0.0:
            skipped[outcome] = f"{outcome} is the same ({float(y.iloc[0]):g}) in every row: no variance to share"
            log.warning("sensitivity: %s not analysed (%s)", outcome, skipped[outcome])
            continue
        table, s2 = compute_indices(problem, design.method, X, y.to_numpy(dtype=float),
                                    num_levels=design.num_levels, calc_second_order=design.calc_second_order,
                                    num_resamples=design.num_resamples, conf_level=design.conf_level,
                                    seed=design.sample_seed)
        table.insert(0, "outcome", outcome)
        table.insert(2, "unit", [by_param[n].unit for n in table["parameter"]])
        table.insert(3, "low", [by_param[n].low for n in table["parameter"]])
        table.insert(4, "high", [by_param[n].high for n in table["parameter"]])
        table.insert(5, "outcome_unit", design.outcomes[outcome])
        tables.append(table)
        if s2 is not None:
            s2_tables.append(s2.rename_axis("parameter").reset_index().assign(outcome=outcome))
    columns = ["outcome", "parameter", "unit", "low", "high", "outcome_unit",
               *(MORRIS_COLUMNS if design.method == "morris" else SOBOL_COLUMNS)]
    indices = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=columns)
    indices.insert(0, "method", design.method)

    files = []
    table = samples.copy()
    table.index.name = "sample"
    for s in design.scenarios:
        for o in design.outcomes:
            table[f"{o}[{s}]" if design.paired_with else o] = collected.values[(s, o)]
    if design.paired_with:
        for o in design.outcomes:
            table[f"{o}[{design.scenario}-{design.paired_with}]"] = Y[o]
    table.to_csv(exp_dir / "outcomes.csv")
    indices.to_csv(exp_dir / "indices.csv", index=False)
    files += [exp_dir / "outcomes.csv", exp_dir / "indices.csv"]
    if s2_tables:
        pd.concat(s2_tables, ignore_index=True).to_csv(exp_dir / "indices_second_order.csv", index=False)
        files.append(exp_dir / "indices_second_order.csv")
    report = Report(indices, [o for o in design.outcomes if o not in skipped], skipped, collected.failed,
                    collected.missing, files, collected.stale)
    if report.stale:
        log.warning("sensitivity: %d runs were made by other model code; re-run the command to update them",
                    report.stale)
    (exp_dir / "indices.md").write_text(markdown(design, report, len(samples)), encoding="utf-8")
    files.append(exp_dir / "indices.md")
    if figures:
        for outcome in skipped:  # a figure of an earlier analysis would now be stale
            (exp_dir / "figures" / f"sensitivity_{outcome}.png").unlink(missing_ok=True)
        for outcome in report.analysed:
            path = exp_dir / "figures" / f"sensitivity_{outcome}.png"
            plot_indices(indices[indices["outcome"] == outcome], design, outcome, path)
            files.append(path)
    return report


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        if not math.isfinite(v):
            return ""
        return f"{v:.3g}" if abs(v) < 1e4 else f"{v:,.0f}"
    return str(v)


def markdown(design: Design, report: Report, rows: int) -> str:
    """``indices.md``: the design, failed rows, skipped outcomes and one table per outcome."""
    what = design.scenario + (f" − {design.paired_with} (same seed)" if design.paired_with else "")
    size = (f"{design.n} trajectories, {design.num_levels} levels" if design.method == "morris"
            else f"N = {design.n}{', second order' if design.calc_second_order else ''}")
    lines = [f"# Global sensitivity: {design.method} ({size})", "",
             (f"- outcome of: **{what}**, model seed {design.seed}, "
             f"{rows} sample rows × {len(design.scenarios)} scenario(s) = {rows * len(design.scenarios)} runs"),
             f"- overrides: `{' '.join(design.overrides) or '(none)'}`",
             f"- parameters: {len(design.parameters)}, uniform on their ranges; SALib sample seed {design.sample_seed}",
             f"- confidence intervals: {design.conf_level:.0%}, {design.num_resamples} bootstrap resamples", ""]
    if design.method == "morris":
        lines += [("mu* = mean |elementary effect| (importance; outcome units per crossing of the range), "
                  "mu = signed mean (direction), sigma = s.d. of the effects (non-linearity, interactions)."), ""]
    else:
        lines += [("S1 = share of the outcome's variance due to the parameter alone; ST = share involving it "
                  "(interactions included); ST − S1 = interactions."), ""]
    if report.failed:
        lines += [f"**Failed runs ({len(report.failed)})**:", ""]
        lines += [f"- {s} row {i}: {err.splitlines()[0] if err else 'failed'}" for (s, i), err in
                  sorted(report.failed.items())][:50]
        lines.append("")
    not_run = [k for k in report.missing if k not in report.failed]
    if not_run:
        lines += [f"**Rows not run ({len(not_run)})**: " + "; ".join(
            f"{s}: {_rows_text([i for t, i in not_run if t == s])}" for s in design.scenarios
            if any(t == s for t, _ in not_run)), ""]
    if report.stale:
        lines += [(f"**{report.stale} runs were made by other model code** than the current one (the model "
                  "changed since); re-running the command re-runs them."), ""]
    for outcome, why in report.skipped.items():
        lines += [f"**{outcome} not analysed** (SALib needs every row): {why}", ""]
    key = "mu_star" if design.method == "morris" else "ST"
    cols = list(MORRIS_COLUMNS if design.method == "morris" else SOBOL_COLUMNS)
    for outcome in report.analysed:
        t = report.indices[report.indices["outcome"] == outcome].sort_values(key, ascending=False)
        lines += [f"## {outcome} — {design.outcomes[outcome]}", "",
                  "| parameter | unit | range | " + " | ".join(cols) + " |",
                  "|---|---|---|" + "---:|" * len(cols)]
        for _, r in t.iterrows():
            lines.append(f"| {r['parameter']} | {r['unit']} | [{_fmt(r['low'])}, {_fmt(r['high'])}] | "
                         + " | ".join(_fmt(float(r[c])) for c in cols) + " |")
        lines.append("")
    return "\n".join(lines)


def _latin(text: str) -> str:
    """Plot text without CJK glyphs (the default fonts lack them)."""
    for zh, en in (("_亿", " (100M yuan)"), ("亿 yuan", "100M yuan"), ("万 yuan", "10k yuan"), ("亿", "100M"),
                   ("万", "10k")):
        text = text.replace(zh, en)
    return text


def plot_indices(table: pd.DataFrame, design: Design, outcome: str, path: Path) -> Path:
    """Morris: mu*–sigma scatter (points numbered by mu* rank; guide lines sigma/mu* = 0.1, 0.5, 1)
    beside the ranked mu* bars with their confidence intervals.  Sobol: S1 and ST bars per
    parameter with confidence intervals."""
    from matplotlib.figure import Figure

    path.parent.mkdir(parents=True, exist_ok=True)
    what = design.scenario + (f" - {design.paired_with}" if design.paired_with else "")
    unit = _latin(design.outcomes.get(outcome, "").split(" (")[0])
    title = f"{_latin(outcome)}, {what}: {design.method}"
    if design.method == "morris":
        t = table.sort_values("mu_star", ascending=False).reset_index(drop=True)
        fig = Figure(figsize=(12, 5.5), layout="constrained")
        ax, bars = fig.subplots(1, 2, width_ratios=[1.1, 1])
        x, y, conf = (t[c].to_numpy(float) for c in ("mu_star", "sigma", "mu_star_conf"))
        top = max(float(np.nanmax(x + conf)), float(np.nanmax(y)), 1e-12) * 1.08
        for ratio, style in ((1.0, "-"), (0.5, "--"), (0.1, ":")):
            ax.plot([0, top], [0, ratio * top], style, color="0.6", lw=0.8, label=f"sigma/mu* = {ratio:g}")
        ax.errorbar(x, y, xerr=conf, fmt="o", ms=5, capsize=2, color="C0", ecolor="0.7")
        for rank, (xi, yi) in enumerate(zip(x, y), start=1):
            ax.annotate(str(rank), (xi, yi), xytext=(3, 3), textcoords="offset points", fontsize=8)
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_xlabel(f"mu* = mean |elementary effect| ({unit})")
        ax.set_ylabel(f"sigma = s.d. of elementary effects ({unit})")
        ax.legend(fontsize=7, loc="upper left")
        pos = np.arange(len(t))[::-1]
        colors = ["C3" if m < 0 else "C0" for m in t["mu"]]
        bars.barh(pos, x, xerr=conf, color=colors, capsize=2)
        bars.set_yticks(pos, [f"{i}. {n}" for i, n in enumerate(t["parameter"], start=1)], fontsize=7)
        bars.set_xlabel(f"mu* ({unit}); red bar: mu < 0, the outcome falls as the parameter rises", fontsize=8)
        fig.suptitle(title, fontsize=10)
    else:
        fig = Figure(figsize=(8, 5.5), layout="constrained")
        ax = fig.subplots()
        t = table.sort_values("ST", ascending=True)
        pos = np.arange(len(t))
        ax.barh(pos - 0.2, t["S1"], 0.4, xerr=t["S1_conf"], label="S1 (first order)", color="C0", capsize=2)
        ax.barh(pos + 0.2, t["ST"], 0.4, xerr=t["ST_conf"], label="ST (total order)", color="C1", capsize=2)
        ax.set_yticks(pos, t["parameter"], fontsize=7)
        ax.axvline(0, color="0.3", lw=0.8)
        ax.set_xlabel("share of the outcome's variance")
        ax.legend(fontsize=8, loc="lower right")
        ax.set_title(title, fontsize=10)
    fig.savefig(path, dpi=130)
    return path


# --------------------------------------------------------------------------- Hydra callback
class SensitivityCallback(_Callback):
    """Holds the declared design in ``configs/experiment/sensitivity.yaml`` (its keyword arguments,
    read by ``zonesim-sensitivity``); when ``analyse`` is true it computes the indices at the end
    of a multirun whose sweep folder holds a ``design.json`` (a multirun started by hand)."""

    def __init__(self, analyse: bool = True, **design: Any) -> None:
        self.analyse = bool(analyse)

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        exp_dir = Path(config.hydra.sweep.dir)
        if self.analyse and (exp_dir / DESIGN).exists() and (exp_dir / SAMPLES).exists():
            report = analyse_experiment(exp_dir)
            log.info("sensitivity: indices of %d outcome(s) in %s", len(report.analysed), exp_dir / "indices.md")


# --------------------------------------------------------------------------- command
def _split_overrides(overrides: list[str]) -> tuple[dict, list[str], list[str]]:
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
            raise DesignError(f"{text}: a sweep inside the sensitivity design is not supported "
                              f"(run one experiment per value, each with its own --dir)")
        if key.startswith("sample.") or key in ("sample", "hydra.sweep.dir", "experiment", "hydra.mode"):
            raise DesignError(f"{text}: set by zonesim-sensitivity (use --dir, --experiment)")
        if key in ("scenario", "seed"):
            picked[key] = o.value()
        elif key.startswith(("hydra.", "hydra/", "~hydra")):
            hydra_ov.append(text)  # how runs execute (launcher, workers): not part of the design
        else:
            model.append(text)
    return picked, model, hydra_ov


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="zonesim-sensitivity",
        description="Global sensitivity analysis (SALib Morris or Sobol) of zonesim outcomes; the design is "
                    "declared in configs/experiment/<experiment>.yaml under hydra.callbacks.sensitivity.",
        epilog="Other arguments are Hydra overrides of every run, e.g. time.end=2025-12 scenario=devolution "
               "seed=3 hydra/launcher=basic hydra.launcher.n_jobs=4.")
    p.add_argument("--method", choices=METHODS, help="morris (screening) or sobol (variance shares)")
    p.add_argument("--n", type=int, help="morris: trajectories; sobol: base sample size (a power of 2)")
    p.add_argument("--dir", help="experiment folder (default: the experiment's hydra.sweep.dir/<method>)")
    p.add_argument("--paired-with", metavar="SCENARIO",
                   help="analyse scenario - SCENARIO per sample row (same seed); 'none' to switch off")
    p.add_argument("--experiment", default=EXPERIMENT, help="experiment file in configs/experiment/")
    p.add_argument("--analyse-only", action="store_true", help="no runs: indices from the runs on disk")
    p.add_argument("--dry-run", action="store_true", help="write the samples and print the zonesim command")
    p.add_argument("--no-figures", action="store_true")
    p.add_argument("overrides", nargs="*", help="Hydra overrides of every run")
    return p


def run_experiment(argv: list[str]) -> int:
    """The command (see the module docstring); returns the exit status."""
    args = build_parser().parse_args(argv)
    spec, sweep_dir = load_spec(args.experiment)
    picked, model_ov, hydra_ov = _split_overrides(args.overrides)
    paired = args.paired_with
    design = design_from_spec(
        spec, method=args.method, n=args.n, scenario=picked.get("scenario"),
        paired_with=("" if paired and paired.lower() == "none" else paired),
        seed=int(picked["seed"]) if "seed" in picked else None, overrides=model_ov, experiment=args.experiment)
    exp_dir = Path(args.dir or Path(sweep_dir) / design.method).resolve()
    if args.analyse_only:
        if not (exp_dir / DESIGN).exists():
            raise DesignError(f"{exp_dir} holds no {DESIGN}: nothing to analyse")
        status = 0
    else:
        precheck(design)
        samples = prepare(exp_dir, design)
        print(f"zonesim-sensitivity: {design.method}, {len(samples)} sample rows x {len(design.scenarios)} "
              f"scenario(s), {len(design.parameters)} parameters -> {exp_dir}", file=sys.stderr, flush=True)
        if args.dry_run:
            print(" ".join(zonesim_command(exp_dir, design, hydra_ov)))
            return 0
        started = time.time()
        status = launch(exp_dir, design, hydra_ov)
        manifest = exp_dir / "manifest.json"  # written by the experiment callback when the multirun ends
        if status != 0 and (not manifest.exists() or manifest.stat().st_mtime < started):
            print(f"zonesim-sensitivity: the multirun did not complete (status {status}); analysing what is on disk",
                  file=sys.stderr)
    report = analyse_experiment(exp_dir, figures=not args.no_figures)
    print_report(report, exp_dir)
    return 0 if status == 0 and not report.failed and not report.skipped and not report.missing else 1


def print_report(report: Report, exp_dir: Path) -> None:
    idx = report.indices
    if len(idx):
        key = "mu_star" if "mu_star" in idx else "ST"
        show = idx.sort_values(["outcome", key], ascending=[True, False])
        cols = [c for c in ("outcome", "parameter", *MORRIS_COLUMNS, *SOBOL_COLUMNS) if c in show]
        with pd.option_context("display.width", 160, "display.max_rows", 500):
            print(show[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if report.failed:
        print("failed sample rows: " + "; ".join(f"{s} {i}" for s, i in sorted(report.failed)), file=sys.stderr)
    for outcome, why in report.skipped.items():
        print(f"not analysed: {outcome}: {why}", file=sys.stderr)
    print(f"indices: {exp_dir / 'indices.csv'}, {exp_dir / 'indices.md'}, figures in {exp_dir / 'figures'}")


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``zonesim-sensitivity``."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="[%(asctime)s][%(name)s][%(levelname)s] %(message)s")
    try:
        status = run_experiment(argv)
    except DesignError as exc:
        print(f"zonesim-sensitivity: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    sys.exit(status)


if __name__ == "__main__":
    main()
