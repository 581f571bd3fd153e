"""``zonesim-patterns``: how well the model reproduces what was observed (pattern-oriented).

Runs ``baseline`` and ``full_reform`` with replicate seeds (an ordinary multirun, resumable)
and compares the model with six kinds of pattern:

* **calibration targets** — the pre-reform (2017) state of ``baseline`` against the facts of
  ``../shared/CALIBRATION.md``, each with a stated tolerance (:mod:`sim.experiments.targets`;
  ``zonesim-calibrate`` fits the free parameters to them);
* **structural facts** of the seed article — must hold exactly in ``full_reform``;
* **out-of-sample** facts observed after the reform began (宁东's end-2018 share) — compared with
  ``full_reform``, never fitted;
* **placebo** trends of ``baseline`` over 2015–2017 that nothing is fitted to (firm count,
  real output growth);
* **scale invariance** — ``baseline`` on synthetic regions replicated 1×, 4× and 16× (600, 2,400 and
  9,600 firms in 3, 12 and 48 cities: counties and zones grow with the firms): per-firm entry and
  exit rates, the in-zone share and the zombie share of the larger regions against the smallest,
  paired by seed, within the tolerances of :data:`SCALE_TARGETS`;
* **literature** patterns of the simulated firm panel (:mod:`sim.analysis.firm_panel`): the
  emergent productivity gap of zombies (TFPR, as the sources measure it), the zombie share of
  state or collective firms against private ones, and the Caballero–Hoshi–Kashyap congestion
  regressions — must have the published sign;
* **directional claims** of the seed and the literature — must hold in the mean over seeds
  (paired ``full_reform − baseline`` with the same seed).

The table (pattern, target, source, model mean and 95% interval, pass yes/no) is printed and
written as ``patterns.csv`` / ``patterns.md``.  It says plainly which patterns the model misses.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.aggregate import discover_runs

# the per-run measures and their targets live in sim.experiments.pattern_measures; re-exported here
from sim.experiments.pattern_measures import (  # noqa: F401
    CALIBRATION_YEAR,
    DIRECTIONAL_SOURCES,
    LITERATURE_SOURCES,
    OUT_OF_SAMPLE_TARGETS,
    PLACEBO_TARGETS,
    SCALE_END,
    SCALE_TARGETS,
    SCALES,
    STRUCTURAL_TARGETS,
    _interval,
    chk_rows,
    directional_measures,
    literature_measures,
    out_of_sample_measures,
    placebo_measures,
    scale_measures,
    scale_rows,
    structural_measures,
)
from sim.experiments.targets import CALIBRATION_TARGETS, REPORTED, RunTables, calibration_measures


# --------------------------------------------------------------------------- report
def _tolerance_rows(kind: str, per_seed: list[dict], targets: dict) -> list[tuple]:
    """Rows of patterns given as ``name: (target, tolerance, source)``: each holds when the mean
    over seeds of ``per_seed`` lies within the tolerance."""
    frame = pd.DataFrame(per_seed)
    rows = []
    for name, (target, tol, source) in targets.items():
        mean, lo, hi = _interval(frame[name])
        rows.append((kind, name, f"{target:g} ± {tol:g}", source, mean, lo, hi, bool(abs(mean - target) <= tol)))
    return rows


def report(exp_dir: str | Path) -> pd.DataFrame:
    """The pattern table from the complete runs of ``exp_dir``."""
    records, _ = discover_runs(exp_dir)
    base = {r.seed: r for r in records if r.scenario == "baseline"}
    reform = {r.seed: r for r in records if r.scenario == "full_reform"}
    seeds = sorted(set(base) & set(reform))
    if not seeds:
        raise SystemExit(f"{exp_dir}: no seed has both a baseline and a full_reform run")
    rows = []
    cal = pd.DataFrame([calibration_measures(RunTables(base[s].path)) for s in seeds])
    for name, t in CALIBRATION_TARGETS.items():
        mean, lo, hi = _interval(cal[name])
        rows.append(("calibration", name, t.label, t.source, mean, lo, hi, bool(abs(t.deviation(mean)) <= t.tolerance)))
    for name in REPORTED:
        mean, lo, hi = _interval(cal[name])
        rows.append(
            ("calibration", name, "reported, not fitted", "same projects as the working days", mean, lo, hi, None)
        )
    struct = pd.DataFrame([structural_measures(reform[s]) for s in seeds])
    for name, (target, source) in STRUCTURAL_TARGETS.items():
        mean, lo, hi = _interval(struct[name])
        rows.append(
            (
                "structural",
                name,
                f"= {target:g} in every run",
                source,
                mean,
                lo,
                hi,
                bool((struct[name] == target).all()),
            )
        )
    rows += _tolerance_rows("out-of-sample", [out_of_sample_measures(reform[s]) for s in seeds], OUT_OF_SAMPLE_TARGETS)
    rows += _tolerance_rows("placebo", [placebo_measures(base[s]) for s in seeds], PLACEBO_TARGETS)
    scale_dir = Path(exp_dir) / "scale"
    if scale_dir.is_dir():
        runs = {}
        for n, _c in SCALES:
            if (scale_dir / str(n)).is_dir():
                recs, _ = discover_runs(scale_dir / str(n))
                runs[n] = {r.seed: r for r in recs}
        rows += scale_rows(runs)
    if all((base[s].path / "firm_panel.parquet").exists() for s in seeds):
        config = json.loads((base[seeds[0]].path / "run.json").read_text())["config"]
        lit = pd.DataFrame([literature_measures(base[s], config["firms"], config["zombie"]) for s in seeds])
        for name, (sign, checked, source) in LITERATURE_SOURCES.items():
            mean, lo, hi = _interval(lit[name])
            holds = bool(mean < 0 if sign == "< 0" else mean > 0) if checked else None
            rows.append(("literature", name, sign, source, mean, lo, hi, holds))
        rows += chk_rows([base[s] for s in seeds])
    direc = pd.DataFrame([directional_measures(base[s], reform[s]) for s in seeds])
    for name, source in DIRECTIONAL_SOURCES.items():
        mean, lo, hi = _interval(direc[name])
        rows.append(("directional", name, "> 0 in the mean", source, mean, lo, hi, bool(mean > 0)))
    table = pd.DataFrame(
        rows, columns=["kind", "pattern", "target", "source", "model_mean", "ci_low", "ci_high", "holds"]
    )
    table.attrs["seeds"] = len(seeds)
    return table


def to_markdown(table: pd.DataFrame) -> str:
    t = table.copy()
    t["model (mean [95% CI])"] = [
        "not measured" if np.isnan(m) else f"{m:.4g} [{lo:.4g}, {hi:.4g}]"
        for m, lo, hi in zip(t["model_mean"], t["ci_low"], t["ci_high"])
    ]
    t["holds"] = t["holds"].map({True: "yes", False: "**no**", None: "—"})
    cols = ["kind", "pattern", "target", "source", "model (mean [95% CI])", "holds"]
    return t[cols].to_markdown(index=False)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=10, help="replicate seeds (default 10)")
    ap.add_argument("--dir", default="multirun/patterns", help="experiment folder (re-running resumes)")
    ap.add_argument("--report-only", action="store_true", help="only read the runs already in --dir")
    args = ap.parse_args(argv)
    exp = Path(args.dir).resolve()
    if not args.report_only:
        cmd = [
            sys.executable,
            "-m",
            "sim.runner.cli",
            "-m",
            "scenario=baseline,full_reform",
            f"seed=range(0,{args.seeds})",
            "hydra/launcher=zonesim_joblib",
            f"hydra.sweep.dir={exp}",
        ]
        if subprocess.run(cmd).returncode != 0:
            raise SystemExit("the runs of the pattern report failed (see the log above)")
        for n, cities in SCALES:  # the replicated synthetic regions of the scale patterns, one sweep each
            cmd = [
                sys.executable,
                "-m",
                "sim.runner.cli",
                "-m",
                "scenario=baseline",
                "region=synthetic",
                f"region.synthetic.enterprises={n}",
                f"region.synthetic.cities={cities}",
                f"time.end={SCALE_END}",
                f"seed=range(0,{args.seeds})",
                "hydra/launcher=zonesim_joblib",
                f"hydra.sweep.dir={exp / 'scale' / str(n)}",
            ]
            if subprocess.run(cmd).returncode != 0:
                raise SystemExit(f"the scale runs of the pattern report ({n} firms) failed (see the log above)")
    table = report(exp)
    md = to_markdown(table)
    (exp / "patterns.csv").write_text(table.to_csv(index=False))
    (exp / "patterns.md").write_text(
        f"# Patterns: model versus observations ({table.attrs['seeds']} seeds)\n\n" + md + "\n"
    )
    print(md)
    missed = table[table["holds"] == False]  # noqa: E712 - None means not measured
    print(
        f"\n{len(missed)} of {int(table['holds'].notna().sum())} measured patterns missed: "
        + (", ".join(missed["pattern"]) if len(missed) else "none")
    )


if __name__ == "__main__":
    main()
