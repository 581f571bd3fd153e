"""``zonesim-calibrate-process``: fit the approval-process reform's unquantified lever on the
national pilots' evidence.

The reform's other levers have sources (national documents, other provinces) or documented
ranges; the transit of documents between offices that one online system and one window remove
(一个系统、一个窗口, 国办发〔2019〕11号) has none.  Its strength is fitted to what the national pilots
achieved (``configs/calibration/process.yaml``): ``approval_reform`` and ``baseline`` run on the
same seeds, the measure is the cut in the mean government processing time of the enterprise
projects of one application cohort, and :func:`scipy.optimize.minimize_scalar` (bounded) brings
it as close to the target cut as the parameter's bounds allow.  Nothing observed in Ningxia after
2017 enters.  The command prints the fitted value, the cut it gives and the cut at both bounds
(what the lever can do at most), and writes ``process_calibration.csv`` into ``--out``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from omegaconf import OmegaConf
from scipy.optimize import minimize_scalar

from sim.experiments.sensitivity import DesignError
from sim.runner.cli import CONFIG_DIR
from sim.runner.files import write_frame
from sim.runner.outputs import projects_applied
from sim.runner.run import simulate

log = logging.getLogger("zonesim.calibrate_process")

SPEC_FILE = CONFIG_DIR / "calibration" / "process.yaml"
SPEC_KEYS = {"parameter", "bounds", "target_cut", "target_range", "cohort", "overrides", "seeds", "xatol"}


def load_spec(path: Path = SPEC_FILE) -> dict:
    """The design, checked: every key known, bounds ordered, the target inside them."""
    spec = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
    unknown, missing = set(spec) - SPEC_KEYS, SPEC_KEYS - set(spec)
    if unknown or missing:
        raise DesignError(f"{path}: unknown keys {sorted(unknown)}, missing keys {sorted(missing)}")
    lo, hi = spec["bounds"]
    if not lo < hi:
        raise DesignError(f"{path}: bounds {spec['bounds']} are not [low, high]")
    if not 0.0 < spec["target_cut"] < 1.0 or int(spec["seeds"]) < 1:
        raise DesignError(f"{path}: target_cut must lie in (0, 1) and seeds be >= 1")
    return spec


def government_time(tables: dict[str, pd.DataFrame], cohort: tuple[str, str]) -> float:
    """Mean government processing time (working days) of the enterprise projects that applied in
    ``cohort`` (first and last month, inclusive)."""
    return float(projects_applied(tables["approvals"], cohort)["approval_gov_wd"].mean())


def _one(scenario: str, values: dict, seed: int, overrides: list[str], cohort) -> float:
    from sim import make_params

    return government_time(simulate(make_params(scenario, seed, overrides=values, hydra_overrides=overrides)), cohort)


class ProcessObjective:
    """The cut in government processing time that the process reform alone makes, for a lever value
    (baseline's time computed once: the lever does not act in it)."""

    def __init__(self, spec: dict, n_jobs: int = -1):
        self.spec, self.n_jobs = spec, n_jobs
        self.cohort = tuple(spec["cohort"])
        self.seeds = range(int(spec["seeds"]))
        self.baseline = self._mean("baseline", {})
        self.evaluations: list[dict] = []

    def _mean(self, scenario: str, values: dict) -> float:
        runs = Parallel(n_jobs=self.n_jobs)(
            delayed(_one)(scenario, values, s, list(self.spec["overrides"]), self.cohort) for s in self.seeds
        )
        return float(np.mean(runs))

    def cut(self, value: float) -> float:
        reform = self._mean("approval_reform", {self.spec["parameter"]: float(value)})
        cut = 1.0 - reform / self.baseline
        self.evaluations.append(
            {"value": float(value), "government_wd": reform, "baseline_government_wd": self.baseline, "cut": cut}
        )
        log.info(
            "%s = %.4f: government time %.1f wd against %.1f, cut %.1f%%",
            self.spec["parameter"],
            value,
            reform,
            self.baseline,
            100 * cut,
        )
        return cut


def calibrate(spec: dict, n_jobs: int = -1) -> tuple[float, ProcessObjective]:
    """The lever value whose cut is closest to the target within the bounds, and the objective
    (its ``evaluations``: every value tried, the bounds included)."""
    obj = ProcessObjective(spec, n_jobs)
    lo, hi = spec["bounds"]
    for bound in (lo, hi):  # what the lever can do at all
        obj.cut(bound)
    res = minimize_scalar(
        lambda v: (obj.cut(v) - spec["target_cut"]) ** 2,
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": float(spec["xatol"])},
    )
    ev = pd.DataFrame(obj.evaluations)
    best = ev.loc[(ev["cut"] - spec["target_cut"]).abs().idxmin()]
    log.info("search ended: %s", res.message)
    return float(best["value"]), obj


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spec", type=Path, default=SPEC_FILE, help="calibration design (YAML)")
    ap.add_argument("--out", type=Path, default=Path("multirun/calibration"), help="output folder")
    ap.add_argument("--jobs", type=int, default=-1, help="parallel workers (default: one per core)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        spec = load_spec(args.spec)
    except DesignError as exc:
        raise SystemExit(f"zonesim-calibrate-process: error: {exc}") from exc
    value, obj = calibrate(spec, args.jobs)
    ev = pd.DataFrame(obj.evaluations).sort_values("value")
    args.out.mkdir(parents=True, exist_ok=True)
    write_frame(ev, args.out / "process_calibration.csv")
    fit = ev.loc[ev["value"] == value, "cut"].iloc[0]
    lo, hi = spec["target_range"]
    print(ev.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(
        f"\n{spec['parameter']} = {value:.4f} (rounded {round(value, 2):g}): government time cut {100 * fit:.1f}% "
        f"(target {100 * spec['target_cut']:.0f}%, pilots {100 * lo:.0f}-{100 * hi:.0f}%); "
        f'source: "calibrated on the national pilots: zonesim-calibrate-process, {dt.date.today().isoformat()}"'
    )


if __name__ == "__main__":
    main()
