"""Anatomy of approval latency: time per stage, per catalogue item, and where queues form.

A project passes four approval stages in sequence (国办发〔2019〕11号); each stage's items run in
parallel, each item queued at an office with finite staff.  The runs record, per project, the
working days of each stage (``approvals.parquet``) and, per office, its staff, items served,
mean queueing wait and utilisation (``offices.parquet``).  They do not record times per item:
per item, only the catalogue's nominal times (an input) are available here.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

from sim.analysis.load import Experiment
from sim.runner.outputs import MIN_COMPLETE_SHARE, STREAM_NAMES, observed_application_years

STAGES = {
    "stage1_wd": "1 project approval & land (立项用地规划许可)",
    "stage2_wd": "2 planning permit (工程建设许可)",
    "stage3_wd": "3 construction permit (施工许可)",
    "stage4_wd": "4 completion acceptance (竣工验收)",
}
"""Stage columns of the approvals table → readable names (stages of 国办发〔2019〕11号)."""
PERIOD_BEFORE, PERIOD_AFTER = "applied before", "applied from"


def period_of(applied: pd.Series, start: str) -> pd.Series:
    """``"applied before 2019-01"`` / ``"applied from 2019-01"`` for application months (``YYYY-MM``)."""
    recent = applied.astype(str) >= start
    return recent.map({True: f"{PERIOD_AFTER} {start}", False: f"{PERIOD_BEFORE} {start}"})


def stage_times(exp: Experiment) -> pd.DataFrame:
    """Mean working days per stage and in total, per group and period (before/after the devolution
    start, ``meta.json``'s ``recent_from``), over all projects of all seeds; with project counts and
    the mean number of items skipped thanks to regional assessment (区域评)."""
    start = exp.meta.get("recent_from", "2019-01")
    a = exp.approvals.assign(period=lambda d: period_of(d["applied"], start))
    cols = [c for c in STAGES if c in a]
    g = a.groupby(["group", "period"], sort=True)
    out = g[cols + ["approval_wd", "approval_calendar_days"]].mean()
    out["projects per run"] = g.size() / g["key"].nunique()
    if "items_skipped" in a:
        out["items skipped (区域评)"] = g["items_skipped"].mean()
    return out.rename(
        columns={**STAGES, "approval_wd": "total (working days)", "approval_calendar_days": "total (calendar days)"}
    ).reset_index()


def stream_times(exp: Experiment) -> pd.DataFrame:
    """Mean working days in total and of government processing, and of each stage's government time,
    per group, period, project stream (:data:`STREAM_NAMES`) and place (in or outside zones), over
    the new projects of every seed; with projects per run."""
    start = exp.meta.get("recent_from", "2019-01")
    a = exp.stream_approvals.assign(
        period=lambda d: period_of(d["applied"], start),
        stream=lambda d: d["stream"].map(STREAM_NAMES),
        place=lambda d: d["in_zone"].map({True: "in zones", False: "outside"}),
    )
    g = a.groupby(["group", "period", "stream", "place"], sort=True)
    out = g[["approval_wd", "approval_gov_wd"]].mean()
    runs = a.groupby("group")["key"].nunique()  # runs of each group (key: the run's)
    out["projects per run"] = g.size().to_numpy() / runs.reindex(out.index.get_level_values("group")).to_numpy()
    return out.rename(columns={"approval_wd": "total (wd)", "approval_gov_wd": "government (wd)"}).reset_index()


def stage_shares(stage_table: pd.DataFrame) -> pd.DataFrame:
    """Each stage's share of the summed stage times (stages overlap nothing: they run in sequence)."""
    names = [n for n in STAGES.values() if n in stage_table]
    total = stage_table[names].sum(axis=1)
    shares = stage_table[names].div(total, axis=0)
    return pd.concat([stage_table[["group", "period"]], shares], axis=1)


def office_queues(exp: Experiment) -> pd.DataFrame:
    """Per group and office level (region, city, county, zone, dispatched): offices, staff, items
    served per run, mean queueing wait (working days, weighted by items) and mean utilisation."""
    o = exp.run_table("offices")
    if o.empty:
        return pd.DataFrame(columns=["group", "level"])
    o = o.assign(wait_x_items=o["mean_wait_wd"] * o["items_served"])
    g = o.groupby(["group", "level"], sort=True)
    runs = g["key"].nunique()
    out = pd.DataFrame(
        {
            "offices per run": g.size() / runs,
            "staff per run": g["staff"].sum() / runs,
            "items served per run": g["items_served"].sum() / runs,
            "mean wait (wd)": g["wait_x_items"].sum() / g["items_served"].sum(),
            "mean utilisation": g["utilisation"].mean(),
        }
    )
    return out.reset_index()


def busiest_offices(exp: Experiment, group: str, top: int) -> pd.DataFrame:
    """The ``top`` offices of ``group`` with the longest mean queueing wait, averaged over seeds."""
    o = exp.run_table("offices")
    o = o[o["group"] == group]
    g = o.groupby(["office", "level"])
    out = pd.DataFrame(
        {
            "runs": g["key"].nunique(),
            "staff": g["staff"].mean(),
            "items served": g["items_served"].mean(),
            "mean wait (wd)": g["mean_wait_wd"].mean(),
            "utilisation": g["utilisation"].mean(),
        }
    )
    return out.sort_values("mean wait (wd)", ascending=False).head(top).reset_index()


def latency_by_year(exp: Experiment, min_share: float = MIN_COMPLETE_SHARE) -> pd.DataFrame:
    """Mean approval latency (working days) per group and year of application, over projects and
    seeds; years with fewer completed projects than ``min_share`` of the group's median year are
    left out (censored by the end of the runs: :func:`sim.runner.outputs.observed_application_years`)."""
    a = exp.approvals.assign(year=lambda d: d["applied"].astype(str).str[:4].astype(int))
    keep = observed_application_years(a, ["group"], min_share)
    return a.groupby(["group", "year"], sort=True)["approval_wd"].mean()[keep].unstack("group")


def catalogue() -> pd.DataFrame:
    """The approval catalogue of the embedded Ningxia data (an input, not an output): item, stage,
    pre-reform authority, powers involved, whether regional assessment covers it (``ra_order`` > 0)
    and its nominal preparation, effort and review times (working days)."""
    path = resources.files("sim.data") / "ningxia" / "approval_items.csv"
    with resources.as_file(path) as p:
        items = pd.read_csv(p)
    items["regional assessment"] = items["ra_order"] > 0
    return items[
        [
            "stage",
            "item_id",
            "name_en",
            "name_zh",
            "authority",
            "powers",
            "regional assessment",
            "prep_days",
            "effort_days",
            "review_days",
        ]
    ]
