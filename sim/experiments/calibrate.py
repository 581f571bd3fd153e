"""``zonesim-calibrate``: fit the free parameters to the pre-reform (2017) facts.

Simulated method of moments with common random numbers: for a parameter vector θ the model runs
``baseline`` from the start once per replicate seed (the same seeds for every θ; until the
design's ``time.end``, late enough for the 2017 approval cohort to complete), the
2017 measures of :mod:`sim.experiments.targets` are averaged over the seeds, and the distance is
the sum of squared tolerance-scaled deviations from the targets.
:func:`scipy.optimize.differential_evolution` minimises it within the declared bounds, each
generation evaluated in parallel (joblib, one worker per core).  Only pre-reform facts enter:
nothing is fitted to what happened after the reform.

The design (free parameters and bounds, seeds, optimiser settings) is
``configs/calibration/ningxia.yaml``.  The command writes into ``--out`` (default
``multirun/calibration``):

* ``evaluations.parquet`` — every θ evaluated, its mean measures and distance;
* ``calibration.md`` / ``calibration.csv`` — targets, the model at the best θ, within tolerance;
* ``best.yaml`` — the fitted values, each with the source line to put in the schema (``sim/config/sections/``);
* ``convergence.png`` — best distance per generation.

``--check`` skips the search and evaluates the committed defaults (what ``tests/test_calibration.py``
asserts stays within tolerance).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from omegaconf import OmegaConf
from scipy.optimize import differential_evolution

from sim.config.validate import ConfigError, from_dictconfig
from sim.experiments.sensitivity import DesignError, Parameter, make_parameter
from sim.experiments.targets import CALIBRATION_TARGETS, REPORTED, distance, within_tolerance
from sim.runner.cli import CONFIG_DIR
from sim.runner.run import simulate

log = logging.getLogger("zonesim.calibrate")

SPEC_FILE = CONFIG_DIR / "calibration" / "ningxia.yaml"
SPEC_KEYS = {"overrides", "seeds", "parameters", "optimizer"}
OPTIMIZER_KEYS = {"popsize", "maxiter", "tol", "seed"}


@dataclass
class CalibrationSpec:
    """What a calibration fits, to what, and with which search budget."""

    overrides: list[str]
    seeds: int
    parameters: list[Parameter]
    popsize: int
    maxiter: int
    tol: float
    seed: int

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.parameters]

    @property
    def bounds(self) -> list[tuple[float, float]]:
        return [(p.low, p.high) for p in self.parameters]


def load_spec(path: Path = SPEC_FILE) -> CalibrationSpec:
    """Read and check the calibration design; errors name the file and key."""
    if not path.is_file():
        raise DesignError(f"calibration design {path} not found")
    raw = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
    unknown = set(raw) - SPEC_KEYS
    if unknown:
        raise DesignError(f"{path}: unknown key(s) {sorted(unknown)}; known: {sorted(SPEC_KEYS)}")
    opt = raw.get("optimizer") or {}
    unknown = set(opt) - OPTIMIZER_KEYS
    if unknown:
        raise DesignError(f"{path}: unknown optimizer key(s) {sorted(unknown)}; known: {sorted(OPTIMIZER_KEYS)}")
    if not raw.get("parameters"):
        raise DesignError(f"{path}: no free parameters declared")
    try:
        parameters = [make_parameter(k, v) for k, v in raw["parameters"].items()]
    except DesignError as exc:
        raise DesignError(f"{path}: {exc}") from exc
    spec = CalibrationSpec(
        overrides=list(raw.get("overrides", [])),
        seeds=int(raw.get("seeds", 1)),
        parameters=parameters,
        popsize=int(opt.get("popsize", 6)),
        maxiter=int(opt.get("maxiter", 10)),
        tol=float(opt.get("tol", 0.01)),
        seed=int(opt.get("seed", 0)),
    )
    if spec.seeds < 1 or spec.popsize < 1 or spec.maxiter < 0:
        raise DesignError(f"{path}: seeds and popsize must be >= 1 and maxiter >= 0")
    return spec


def compose_baseline(overrides: list[str]) -> dict:
    """The composed, validated configuration of the calibration runs, as a plain (picklable) dict."""
    from sim.api import compose_config

    cfg = compose_config(overrides)
    from_dictconfig(cfg)  # fail now, naming the key, rather than in a worker
    return OmegaConf.to_container(cfg, resolve=True)


class Objective:
    """The mean 2017 measures of ``baseline`` over the replicate seeds, for a parameter vector."""

    def __init__(self, base: dict, names: list[str], seeds: int, integer: list[bool]):
        self.base, self.names, self.seeds, self.integer = base, names, seeds, integer

    def config(self, theta, seed: int):
        cfg = OmegaConf.create(self.base)
        for name, value, is_int in zip(self.names, theta, self.integer):
            OmegaConf.update(cfg, name, int(round(value)) if is_int else float(value), merge=False)
        cfg.seed = seed
        return from_dictconfig(cfg)

    def measures(self, theta) -> dict[str, float]:
        from sim.experiments.targets import calibration_measures

        runs = [calibration_measures(simulate(self.config(theta, seed))) for seed in range(self.seeds)]
        return pd.DataFrame(runs).mean().to_dict()

    def distance(self, theta) -> float:
        """The calibration objective: tolerance-scaled distance of the mean measures from the targets."""
        return distance(self.measures(theta))


class GenerationMap:
    """The ``workers`` map of differential evolution: evaluates a generation in parallel and keeps
    every evaluation (θ, mean measures, distance) with a progress line per generation.  It calls
    :meth:`Objective.measures` itself (not the ``func`` it is handed, :meth:`Objective.distance`)
    so that the measures behind each distance are kept."""

    def __init__(self, objective: Objective, n_jobs: int):
        self.objective, self.n_jobs = objective, n_jobs
        self.rows: list[dict] = []
        self.generation = 0
        self.started = time.perf_counter()

    def __call__(self, func, population):
        population = [np.asarray(x, dtype=float) for x in population]
        results = Parallel(n_jobs=self.n_jobs)(delayed(self.objective.measures)(x) for x in population)
        out = []
        for x, m in zip(population, results):
            d = distance(m)
            self.rows.append({"generation": self.generation, **dict(zip(self.objective.names, x)), **m, "distance": d})
            out.append(d)
        best = min(r["distance"] for r in self.rows)
        log.info(
            "generation %d: %d evaluations, best distance %.3f (%.0f s)",
            self.generation,
            len(out),
            best,
            time.perf_counter() - self.started,
        )
        self.generation += 1
        return out

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)


def calibrate(spec: CalibrationSpec, n_jobs: int = -1) -> tuple[dict[str, float], pd.DataFrame]:
    """Run the search; return the best parameter values and the table of all evaluations."""
    base = compose_baseline(spec.overrides)
    objective = Objective(base, spec.names, spec.seeds, [p.integer for p in spec.parameters])
    gmap = GenerationMap(objective, n_jobs)
    x0 = np.clip([float(p.default) for p in spec.parameters], *np.transpose(spec.bounds))
    result = differential_evolution(
        objective.distance,
        spec.bounds,
        popsize=spec.popsize,
        maxiter=spec.maxiter,
        tol=spec.tol,
        seed=spec.seed,
        workers=gmap,
        updating="deferred",
        polish=False,
        init="latinhypercube",
        x0=x0,
    )
    table = gmap.table()
    best = table.loc[table["distance"].idxmin()]
    log.info("differential evolution: %s (%d evaluations)", result.message, len(table))
    return {n: float(best[n]) for n in spec.names}, table


def check(spec: CalibrationSpec, values: dict[str, float] | None = None) -> dict[str, float]:
    """Mean 2017 measures at ``values`` (default: the committed defaults) over the spec's seeds."""
    base = compose_baseline(spec.overrides)
    names = list(values or {})
    objective = Objective(base, names, spec.seeds, [False] * len(names))
    return objective.measures([values[n] for n in names] if values else [])


def target_table(means: dict[str, float]) -> pd.DataFrame:
    """Targets, tolerance, source, the model's mean and whether it is within tolerance."""
    ok = within_tolerance(means)
    rows = [
        {
            "target": k,
            "value": t.value,
            "low": t.low,
            "high": t.high,
            "tolerance": t.tolerance,
            "unit": t.unit,
            "source": t.source,
            "model": means[k],
            "within": ok[k],
        }
        for k, t in CALIBRATION_TARGETS.items()
    ]
    rows += [
        {
            "target": k,
            "value": np.nan,
            "tolerance": np.nan,
            "unit": unit,
            "source": "reported, not fitted",
            "model": means[k],
            "within": None,
        }
        for k, unit in REPORTED.items()
    ]
    return pd.DataFrame(rows)


def best_yaml(spec: CalibrationSpec, values: dict[str, float], today: str) -> str:
    lines = [f"# zonesim-calibrate, {today}: fitted values of {SPEC_FILE.relative_to(CONFIG_DIR.parent)}"]
    for p in spec.parameters:
        lines.append(
            f"{p.name}: {values[p.name]:.4g}  # {p.unit}; bounds [{p.low:g}, {p.high:g}]; "
            f'source "calibrated: zonesim-calibrate, {today}"'
        )
    return "\n".join(lines) + "\n"


def plot_convergence(table: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    best = table.groupby("generation")["distance"].min().cummin()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(best.index, best.to_numpy(), marker="o")
    ax.set_yscale("log")
    ax.set_xlabel("generation")
    ax.set_ylabel("best distance (sum of squared z)")
    ax.set_title("Calibration to the 2017 targets")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spec", type=Path, default=SPEC_FILE, help="calibration design (YAML)")
    ap.add_argument("--out", type=Path, default=Path("multirun/calibration"), help="output folder")
    ap.add_argument("--check", action="store_true", help="only evaluate the committed defaults")
    ap.add_argument("--seeds", type=int, help="replicate seeds (overrides the design)")
    ap.add_argument("--popsize", type=int, help="population size multiplier (overrides the design)")
    ap.add_argument("--maxiter", type=int, help="generations (overrides the design)")
    ap.add_argument("--jobs", type=int, default=-1, help="parallel workers (default: one per core)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("MESA").setLevel(logging.WARNING)  # a line per model step otherwise
    try:
        spec = load_spec(args.spec)
        for key in ("seeds", "popsize", "maxiter"):
            if getattr(args, key) is not None:
                setattr(spec, key, getattr(args, key))
        args.out.mkdir(parents=True, exist_ok=True)
        if args.check:
            means = check(spec)
        else:
            values, evaluations = calibrate(spec, args.jobs)
            today = dt.date.today().isoformat()
            evaluations.to_parquet(args.out / "evaluations.parquet")
            (args.out / "best.yaml").write_text(best_yaml(spec, values, today))
            plot_convergence(evaluations, args.out / "convergence.png")
            means = evaluations.loc[evaluations["distance"].idxmin(), list(CALIBRATION_TARGETS) + list(REPORTED)]
            means = means.to_dict()
            print(best_yaml(spec, values, today))
    except (DesignError, ConfigError) as exc:
        raise SystemExit(f"zonesim-calibrate: error: {exc}") from exc
    table = target_table(means)
    (args.out / "calibration.csv").write_text(table.to_csv(index=False))
    md = table.assign(within=table["within"].map({True: "yes", False: "**no**", None: "—"})).to_markdown(
        index=False, floatfmt=".4g"
    )
    (args.out / "calibration.md").write_text(
        f"# Calibration: the 2017 state of baseline ({spec.seeds} seeds) against the targets\n\n{md}\n"
    )
    print(md)
    missed = table[table["within"] == False]  # noqa: E712 - None: reported, not a target
    print(
        f"\n{len(missed)} of {len(CALIBRATION_TARGETS)} targets outside tolerance"
        + (": " + ", ".join(missed["target"]) if len(missed) else "")
    )


if __name__ == "__main__":
    main()
