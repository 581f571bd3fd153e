"""Reading the runs of a design back: outcomes per sample row (matched by the run's resolved
``sample.index`` and checked against the sampled values), failed and missing rows."""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.aggregate.reading import dotted_get
from sim.experiments.sensitivity.design import Design
from sim.layout import FAILURES, RUN_JSON, RUNS, SAMPLES, SUMMARY_CSV

log = logging.getLogger("zonesim")


@dataclass
class Collected:
    """Outcomes of the runs, in sample order."""

    values: pd.DataFrame  # index: sample row; columns: (scenario, outcome)
    failed: dict[tuple[str, int], str]  # (scenario, row) -> error of a recorded failure
    missing: list[tuple[str, int]]  # (scenario, row) without a complete run (failed or not run)
    absent: list[str] = field(default_factory=list)  # outcomes in no run's summary.csv
    stale: int = 0  # runs used that were made by other model code


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
            meta = json.loads((run_dir / RUN_JSON).read_text())
            summary = pd.read_csv(run_dir / SUMMARY_CSV)
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
            log.warning(
                "sensitivity: run %s has sample.index=%d but not its sampled values; ignored", run_dir.name, idx
            )
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
