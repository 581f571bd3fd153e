"""The run-level outcomes of one run, computed from its tables: the one function behind a run's
``summary.csv``, ``sim.simulate(...).outcomes``, ``sim.outcomes``, an experiment's
``run_outcomes.parquet`` and every table built on it.  Names, units and meanings are declared in
:mod:`sim.vocabulary` (``outcomes.yaml``); this module only computes them.  It imports no model
code."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from sim.digest import hash_sources
from sim.runner.outputs import project_approvals, stream_approvals
from sim.vocabulary import OUTCOMES, OUTPUT_YEARS, RECENT_FROM, STREAMS

WAN_PER_YI = 1e4
"""万 (10⁴) yuan per 亿 (10⁸) yuan: run tables count money in 万 yuan, run-level outcomes in 亿."""

MONTHS_PER_YEAR = 12

#: what computes the outcomes, under ``sim/``: this module, the approvals' selection
#: (:mod:`sim.runner.outputs`) and the declarations (names, years, the recent window, streams)
_OUTCOME_SOURCES = ("runner/outcomes.py", "runner/outputs.py", "vocabulary")


@functools.cache
def outcomes_fingerprint() -> str:
    """A 12-hex hash of the code and declarations that compute the run-level outcomes and of the
    pandas and numpy versions that run them.  A run records it beside its ``summary.csv``: a run
    made under the current fingerprint holds there exactly what :func:`run_outcomes` computes from
    its tables now, so an experiment's aggregation reads those values instead of computing them
    again (``sim.experiments.aggregate.reading.stored_outcomes``)."""
    versions = hashlib.sha1(f"pandas {pd.__version__} numpy {np.__version__}".encode())
    root = Path(__file__).resolve().parents[1]
    return hash_sources(versions, root, _OUTCOME_SOURCES, (".py", ".yaml")).hexdigest()[:12]


def _stat(values: pd.Series, how: str) -> float:
    v = values.dropna()
    if not len(v):
        return np.nan
    return float({"mean": v.mean, "median": v.median}[how]()) if how != "p90" else float(v.quantile(0.9))


def _output(monthly: pd.DataFrame) -> dict[str, float]:
    by_year = monthly.groupby("year")["output"].agg(["sum", "count"])
    out = {
        "output_first_year": float(by_year["sum"].iloc[0] / WAN_PER_YI),
        "output_last_year": float(by_year["sum"].iloc[-1] / WAN_PER_YI),
    }
    for y in OUTPUT_YEARS:
        whole = y in by_year.index and by_year.loc[y, "count"] == MONTHS_PER_YEAR
        out[f"output_{y}"] = float(by_year.loc[y, "sum"] / WAN_PER_YI) if whole else np.nan
    out["output_cumulative"] = float(monthly["output"].sum() / WAN_PER_YI)
    if "output_real" in monthly:
        out["output_real_cumulative"] = float(monthly["output_real"].sum() / WAN_PER_YI)
    out["output_per_mu_end"] = float(monthly["output_per_mu"].iloc[-1])
    return out


def _firms(monthly: pd.DataFrame) -> dict[str, float]:
    zs = monthly["zombie_share"]
    return {
        "zombie_share_start": float(zs.iloc[0]),
        "zombie_share_end": float(zs.iloc[-1]),
        "zombie_share_mean": float(zs.mean()),
        "zombie_exits_total": float(monthly["zombie_exits"].sum()),
        "exits_total": float(monthly["exits"].sum()),
        "entries_total": float(monthly["entries"].sum()),
    }


def _latency(approvals: pd.DataFrame | None) -> dict[str, float]:
    out: dict[str, float] = {}
    if approvals is None or "approval_wd" not in approvals:  # a run without approvals: every latency is empty
        return out
    new = stream_approvals(approvals)
    recent = new["applied"].astype(str) >= RECENT_FROM
    app = project_approvals(approvals)
    app_recent = app[app["applied"].astype(str) >= RECENT_FROM]
    for suffix, sel in (("", app), ("_from2019", app_recent)):
        out[f"approvals_{'total' if not suffix else 'from2019'}"] = float(len(sel))
        for how in ("mean", "median", "p90"):
            out[f"approval_wd_{how}{suffix}"] = _stat(sel["approval_wd"], how)
        out[f"approval_gov_wd_mean{suffix}"] = _stat(sel["approval_gov_wd"], "mean")
        if "approval_calendar_days" in sel:
            out[f"approval_calendar_days_mean{suffix}"] = _stat(sel["approval_calendar_days"], "mean")
    served = app["items_served"].sum() if "items_served" in app else 0
    out["approval_items_late_share"] = float(app["items_late"].sum() / served) if served else np.nan
    out["approval_checks_failed"] = float(app["checks_failed"].sum()) if "checks_failed" in app else np.nan
    if "stream" in new:
        for stream in STREAMS:
            mine = new[recent & (new["stream"] == stream)]
            out[f"approval_wd_mean_from2019_{stream}"] = _stat(mine["approval_wd"], "mean")
            out[f"approval_gov_wd_mean_from2019_{stream}"] = _stat(mine["approval_gov_wd"], "mean")
    return out


def run_outcomes(tables) -> dict[str, float]:
    """Every run-level outcome of :data:`sim.vocabulary.OUTCOMES`, in its order, from one run's
    tables (a mapping with ``monthly`` and, optionally, ``approvals``); an outcome the tables
    cannot give (a latency of a run without approvals, ``output_2025`` of a run that ends in 2020)
    is NaN."""
    monthly = tables["monthly"]
    approvals = tables.get("approvals") if hasattr(tables, "get") else tables["approvals"]
    out = {
        **_output(monthly),
        **_firms(monthly),
        **_latency(approvals),
        "zones_start": float(monthly["zones"].iloc[0]),
        "zones_end": float(monthly["zones"].iloc[-1]),
        "bodies_end": float(monthly["bodies"].iloc[-1]),
    }
    return {k: out.get(k, np.nan) for k in OUTCOMES}
