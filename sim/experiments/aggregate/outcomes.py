"""The run-level outcomes of an experiment (:data:`OUTCOMES`: label, unit, meaning) and their
computation from one run's tables (:func:`run_outcomes`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.runner.outputs import STREAM_NAMES, project_approvals

RECENT_FROM = "2019-01"  # approvals applied from this month on: the devolution period
OUTPUT_YEARS = (2020, 2025)


@dataclass(frozen=True)
class Outcome:
    """A run-level outcome: short label, unit and what the number means."""

    label: str
    unit: str
    description: str


OUTCOMES: dict[str, Outcome] = {
    "output_2020": Outcome(
        "Output 2020",
        "亿 yuan/year",
        "industrial output of the region in 2020: sum of monthly output / 1e4 (NaN if the "
        "horizon does not cover all 12 months of 2020)",
    ),
    "output_2025": Outcome("Output 2025", "亿 yuan/year", "industrial output of the region in 2025 (as output_2020)"),
    "output_cumulative": Outcome(
        "Cumulative output", "亿 yuan", "industrial output summed over the whole simulated horizon"
    ),
    "output_per_mu_end": Outcome(
        "Output per mu (end)",
        "万 yuan/mu/year",
        "in-zone output per mu of zone land in use, annualised, in the last month",
    ),
    "zombie_share_end": Outcome(
        "Zombie share (end)", "share of firms", "zombie firms / operating firms (by count, 0-1) in the last month"
    ),
    "zombie_share_mean": Outcome(
        "Zombie share (mean)", "share of firms", "monthly zombie share averaged over the horizon"
    ),
    "zombie_exits_total": Outcome("Zombie exits", "firms", "exits of zombie firms over the horizon"),
    "exits_total": Outcome("Exits", "firms", "exits of all firms over the horizon"),
    "approval_days_mean_all": Outcome(
        "Approval latency, mean (all)", "calendar days", "mean approval latency of all projects that reached production"
    ),
    "approval_days_median_all": Outcome(
        "Approval latency, median (all)", "calendar days", "median approval latency of all projects"
    ),
    "approval_days_p90_all": Outcome(
        "Approval latency, p90 (all)", "calendar days", "90th percentile of approval latency of all projects"
    ),
    "approval_days_mean_from2019": Outcome(
        "Approval latency, mean (applied 2019+)",
        "calendar days",
        f"mean approval latency of projects applied from {RECENT_FROM} on",
    ),
    "approval_days_median_from2019": Outcome(
        "Approval latency, median (applied 2019+)",
        "calendar days",
        f"median approval latency of projects applied from {RECENT_FROM} on",
    ),
    "approval_days_p90_from2019": Outcome(
        "Approval latency, p90 (applied 2019+)",
        "calendar days",
        f"90th percentile of latency of projects applied from {RECENT_FROM} on",
    ),
    "approval_gov_days_mean_all": Outcome(
        "Approval government time, mean (all)",
        "calendar days",
        "mean of the government's processing time (no applicant preparation)",
    ),
    "approval_gov_days_mean_from2019": Outcome(
        "Approval government time, mean (applied 2019+)",
        "calendar days",
        f"as above, projects applied from {RECENT_FROM} on",
    ),
    "approvals_all": Outcome("Approvals (all)", "projects", "projects that completed approval and started production"),
    "approvals_from2019": Outcome("Approvals (applied 2019+)", "projects", f"of which applied from {RECENT_FROM} on"),
    **{
        f"approval_{kind}days_mean_from2019_{stream}": Outcome(
            f"Approval {'government time' if kind else 'latency'}, mean (applied 2019+, {label})",
            "calendar days",
            f"as approval_{kind}days_mean_from2019, of {label} projects applied from {RECENT_FROM} on",
        )
        for stream, label in STREAM_NAMES.items()
        for kind in ("", "gov_")
    },
    "zones_end": Outcome("Zones (end)", "zones", "active development zones in the last month"),
    "bodies_end": Outcome("Bodies (end)", "bodies", "active zone management bodies in the last month"),
}


def run_outcomes(monthly: pd.DataFrame, approvals: pd.DataFrame | None) -> dict[str, float]:
    """The run-level outcomes of :data:`OUTCOMES` from one run's monthly and approvals tables
    (``approvals``: new projects of every stream, :func:`~sim.runner.outputs.stream_approvals`; the
    headline latency is the enterprise projects', :func:`~sim.runner.outputs.project_approvals`)."""
    out: dict[str, float] = {}
    months_in_year = monthly.groupby("year")["output"].agg(["sum", "count"])
    for y in OUTPUT_YEARS:
        ok = y in months_in_year.index and months_in_year.loc[y, "count"] == 12
        out[f"output_{y}"] = float(months_in_year.loc[y, "sum"] / 1e4) if ok else np.nan
    out["output_cumulative"] = float(monthly["output"].sum() / 1e4)
    last = monthly.iloc[-1]
    out["output_per_mu_end"] = float(last["output_per_mu"])
    out["zombie_share_end"] = float(last["zombie_share"])
    out["zombie_share_mean"] = float(monthly["zombie_share"].mean())
    out["zombie_exits_total"] = float(monthly["zombie_exits"].sum())
    out["exits_total"] = float(monthly["exits"].sum())
    have = approvals is not None and "approval_days" in approvals
    if have and "stream" in approvals:
        recent = approvals["applied"].astype(str) >= RECENT_FROM
        for stream in STREAM_NAMES:
            mine = approvals[recent & (approvals["stream"] == stream)]
            for kind in ("", "gov_"):
                col = f"approval_{kind}days"
                v = mine[col].dropna() if col in mine else pd.Series(dtype=float)
                out[f"approval_{kind}days_mean_from2019_{stream}"] = float(v.mean()) if len(v) else np.nan
    approvals = project_approvals(approvals) if have else approvals
    for suffix, sel in (("all", None), ("from2019", "recent")):
        if not have:
            days = pd.Series(dtype=float)
        elif sel is None:
            days = approvals["approval_days"]
        else:
            days = approvals.loc[approvals["applied"].astype(str) >= RECENT_FROM, "approval_days"]
        days = days.dropna()
        out[f"approval_days_mean_{suffix}"] = float(days.mean()) if len(days) else np.nan
        out[f"approval_days_median_{suffix}"] = float(days.median()) if len(days) else np.nan
        out[f"approval_days_p90_{suffix}"] = float(days.quantile(0.9)) if len(days) else np.nan
        out[f"approvals_{suffix}"] = float(len(days)) if have else np.nan
        gov = approvals.loc[days.index, "approval_gov_days"] if have and "approval_gov_days" in approvals else None
        out[f"approval_gov_days_mean_{suffix}"] = float(gov.mean()) if gov is not None and len(gov) else np.nan
    out["zones_end"] = float(last["zones"])
    out["bodies_end"] = float(last["bodies"])
    return {k: out.get(k, np.nan) for k in OUTCOMES}
