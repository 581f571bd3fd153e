"""The design of a sensitivity experiment: its parameters (checked against the schema), method,
size, scenarios and outcomes (``design.json``), and its sample (``samples.parquet``)."""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config.schema import ModelConfig
from sim.experiments.sensitivity.base import DesignError
from sim.experiments.sensitivity.registry import METHODS, get_method
from sim.layout import CONFIG_DIR, DESIGN, SAMPLES

EXPERIMENT = "sensitivity"

__all__ = [
    "DESIGN",
    "EXPERIMENT",
    "SAMPLES",
    "Design",
    "DesignError",
    "Parameter",
    "design_from_spec",
    "experiment_file",
    "load_spec",
    "make_parameter",
    "prepare",
    "sample",
    "schema_field",
]


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
        return {
            "num_vars": len(self.parameters),
            "names": self.names,
            "bounds": [[p.low, p.high] for p in self.parameters],
        }

    def rows(self) -> int:
        """Number of sample rows (model runs per scenario) the design asks for."""
        return get_method(self.method).rows(self.n, len(self.parameters), self.calc_second_order)

    def identity(self) -> dict:
        """What must match for a folder's runs to belong to this design (not the analysis settings)."""
        keys = ("method", "n", "scenario", "paired_with", "seed", "sample_seed", "overrides")
        out = {k: getattr(self, k) for k in keys}
        out["parameters"] = [[p.name, p.low, p.high] for p in self.parameters]
        key, value = get_method(self.method).identity(self)
        out[key] = value
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


def _declared_outcomes(names: Any) -> dict[str, str]:
    """The design's outcomes (names of :data:`sim.vocabulary.OUTCOMES`, a run's ``summary.csv``
    columns) → ``"unit (meaning)"`` from the data dictionary; an unknown name is a
    :class:`DesignError` that lists the known ones."""
    from sim.vocabulary import OUTCOMES

    names = list(names or [])
    if not names:
        raise DesignError("declare at least one outcome")
    unknown = [str(n) for n in names if n not in OUTCOMES]
    if unknown:
        raise DesignError(
            f"unknown outcome(s) {unknown}; outcomes are the names of docs/outputs.md: {', '.join(OUTCOMES)}"
        )
    return {str(n): f"{OUTCOMES[n].unit} ({OUTCOMES[n].description})" for n in names}


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
        raise DesignError(
            f"parameter {name}: range [{low}, {high}] is outside the admissible range "
            f"{lo_s}, {'inf' if le is None else le}]{unit}"
        )
    return Parameter(
        name,
        low,
        high,
        unit=str(meta.get("unit", "")),
        source=str(meta.get("source", "")),
        default=default,
        integer=kind is int,
    )


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


def design_from_spec(
    spec: dict,
    *,
    method: str | None = None,
    n: int | None = None,
    scenario: str | None = None,
    paired_with: str | None = None,
    seed: int | None = None,
    overrides: list[str] | None = None,
    experiment: str = EXPERIMENT,
) -> Design:
    """Build and check the :class:`Design` from the declared spec and command-line choices."""
    method = method or spec.get("method", "morris")
    if method not in METHODS:
        raise DesignError(f"method = {method!r} is not one of {', '.join(METHODS)}")
    kind = get_method(method)
    settings = spec.get(method) or {}
    n = int(n if n is not None else settings.get("n", 0))
    if n < 1:
        raise DesignError(f"{method}: sample size n = {n} must be at least 1")
    kind.check_n(n)
    declared = spec.get("parameters") or {}
    if len(declared) < 2:
        raise DesignError("declare at least 2 uncertain parameters")
    outcomes = _declared_outcomes(spec.get("outcomes"))
    num_levels = kind.num_levels(settings)
    paired = paired_with if paired_with is not None else spec.get("paired_with")
    design = Design(
        method=method,
        n=n,
        parameters=[make_parameter(k, v) for k, v in declared.items()],
        outcomes=outcomes,
        scenario=str(scenario or spec.get("scenario", "full_reform")),
        paired_with=paired or None,
        seed=int(seed if seed is not None else spec.get("seed", 0)),
        sample_seed=int(spec.get("sample_seed", 0)),
        num_levels=num_levels,
        calc_second_order=bool(settings.get("calc_second_order", False)),
        num_resamples=int(spec.get("num_resamples", 1000)),
        conf_level=float(spec.get("conf_level", 0.95)),
        overrides=list(overrides or []),
        experiment=experiment,
    )
    sampled = [o for o in design.overrides if o.lstrip("+~").split("=", 1)[0] in design.names]
    if sampled:
        raise DesignError(
            f"{sampled[0]}: this parameter is sampled (the sample would overwrite it); "
            f"change its range in the experiment file instead"
        )
    if design.paired_with == design.scenario:
        raise DesignError(f"paired_with = {design.paired_with!r} is the analysed scenario itself")
    return design


def sample(design: Design) -> pd.DataFrame:
    """The SALib sample of ``design``: one column per parameter (dotted key), one row per run."""
    problem = design.problem()
    X = get_method(design.method).sample(problem, design)
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
            raise DesignError(
                f"{exp_dir} holds another design ({details}); use --dir for a new experiment or delete that folder"
            )
    table = sample(design)
    if samples_path.exists():
        old_table = pd.read_parquet(samples_path)
        if list(old_table.columns) != list(table.columns) or not np.allclose(old_table.to_numpy(), table.to_numpy()):
            raise DesignError(
                f"{samples_path} differs from the design's sample (another SALib version?); delete it or use --dir"
            )
        table = old_table
    else:
        table.to_parquet(samples_path, index=False)
    design_path.write_text(json.dumps(design.to_json(), indent=2, ensure_ascii=False))
    return table
