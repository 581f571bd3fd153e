"""The zone league table: yearly assessment scores and ranks, cards, downgrades, abolitions, mergers.

Under assessment-ranking (亩产论英雄, "output per mu decides") each active zone gets a yearly
composite score and a rank within its class (national / region-level zones); the bottom zone of
a class gets a yellow card (黄牌警告), two bottom years in a row downgrade its management body,
three abolish the zone; the best is upgraded.  Consolidation (整合优化) merges or abolishes zones
once, by rule, at the reform date.  The runs record the yearly table per zone
(``zones_yearly.parquet``) and every such event with its reason (``zone_events.parquet``).
"""

from __future__ import annotations

import pandas as pd

from sim.analysis.load import Experiment

EVENTS = {
    "yellow_card": "yellow card (黄牌警告)",
    "downgraded": "body downgraded (降级)",
    "abolished": "zone abolished (撤销)",
    "merged": "zone merged (整合)",
    "upgraded": "body upgraded (升级)",
    "body_abolished": "management body cut (机构撤并)",
    "block_delisted": "block delisted (区块核减)",
    "renamed": "renamed (更名)",
}
"""Zone events an analyst follows → readable names."""
CONSOLIDATION = "consolidation"
ASSESSMENT = "assessment"
PREFERRED_GROUPS = ("full_reform", "assessment")


def assessed_groups(exp: Experiment) -> list[str]:
    """Groups whose runs rank zones (some zone has an assessment score)."""
    zy = exp.run_table("zones_yearly")
    scored = zy.groupby("group")["score"].apply(lambda s: s.notna().any())
    return [g for g in exp.groups if scored.get(g, False)]


def pick_group(exp: Experiment, candidates: list[str] | None = None) -> str:
    """The group to show: the first of :data:`PREFERRED_GROUPS` among ``candidates`` (default: all
    groups), else the first candidate."""
    pool = candidates if candidates is not None else exp.groups
    if not pool:
        raise ValueError(f"{exp.folder}: no group to show")
    return next((g for g in PREFERRED_GROUPS if g in pool), pool[0])


def league_table(exp: Experiment, group: str, seed: int, value: str = "class_rank") -> pd.DataFrame:
    """One run's league: zones (rows, by final rank) × assessed years, cells ``value`` (rank within class
    by default, or ``score``); with the zone's Chinese name and level."""
    zy = exp.run_table("zones_yearly")
    zy = zy[(zy["group"] == group) & (zy["seed"] == seed) & zy["score"].notna()]
    table = zy.pivot_table(index=["zone_id", "name_zh", "level"], columns="year", values=value, aggfunc="first")
    last = table.columns.max() if len(table.columns) else None
    if last is not None:
        table = table.sort_values(by=["level", last], na_position="last")
    table.columns = [str(c) for c in table.columns]
    return table.reset_index()


def event_counts(exp: Experiment) -> pd.DataFrame:
    """Mean number of each zone event per run, per group (rows: events of :data:`EVENTS`)."""
    ev = exp.run_table("zone_events")
    runs = exp.run_outcomes.groupby("group")["key"].nunique()
    counts = ev[ev["event"].isin(EVENTS)].groupby(["event", "group"]).size().unstack("group")
    counts = counts.reindex(index=list(EVENTS), columns=exp.groups).fillna(0.0).div(runs, axis=1)
    counts.index = [EVENTS[e] for e in counts.index]
    return counts.rename_axis("event (mean per run)").reset_index()


def zone_fates(exp: Experiment, group: str) -> pd.DataFrame:
    """Per zone, across the seeds of ``group``: mean yellow cards per run and the share of runs in which
    it was downgraded, abolished by assessment, merged or abolished by consolidation, or upgraded."""
    ev = exp.run_table("zone_events")
    ev = ev[ev["group"] == group]
    n = exp.run_outcomes.loc[exp.run_outcomes["group"] == group, "key"].nunique()
    by_reason = ev["detail"].astype(str).str.split(":").str[0]
    ev = ev.assign(reason=by_reason)
    names = ev.drop_duplicates("zone_id").set_index("zone_id")["name_zh"]
    out = pd.DataFrame(index=names.index)
    out["name_zh"] = names
    out["yellow cards per run"] = ev[ev["event"] == "yellow_card"].groupby("zone_id").size() / n
    for label, sel in (
        ("downgraded", ev["event"] == "downgraded"),
        ("abolished by assessment", (ev["event"] == "abolished") & (ev["reason"] == ASSESSMENT)),
        ("merged by consolidation", ev["event"] == "merged"),
        ("abolished by consolidation", (ev["event"] == "abolished") & (ev["reason"] == CONSOLIDATION)),
        ("upgraded", ev["event"] == "upgraded"),
    ):
        out[f"share of runs {label}"] = ev[sel].groupby("zone_id")["key"].nunique() / n
    out = out.fillna(0.0)
    return out.sort_values([c for c in out.columns if c != "name_zh"], ascending=False).reset_index()


def consolidation_removals(exp: Experiment, group: str) -> pd.DataFrame:
    """Zones that consolidation merged or abolished in ``group``: with the rule's reason (and the host
    of a merger), the month, and in how many of the group's runs it happened."""
    ev = exp.run_table("zone_events")
    ev = ev[
        (ev["group"] == group)
        & ev["event"].isin(["merged", "abolished"])
        & ev["detail"].astype(str).str.contains(CONSOLIDATION)
    ]
    n = exp.run_outcomes.loc[exp.run_outcomes["group"] == group, "key"].nunique()
    if ev.empty:
        return pd.DataFrame(columns=["zone_id", "name_zh", "event", "detail", "month", "runs", "of runs"])
    g = ev.groupby(["zone_id", "name_zh", "event", "detail"])
    out = pd.DataFrame({"month": g["date"].agg(lambda d: d.mode().iloc[0]), "runs": g["key"].nunique()})
    out["of runs"] = n
    return out.reset_index().sort_values(["event", "runs"], ascending=[False, False]).reset_index(drop=True)


def trajectories(exp: Experiment, group: str, seed: int, value: str) -> pd.DataFrame:
    """One run's yearly ``value`` per active zone (``year``, ``zone_id``, ``value``) for a trajectory chart."""
    zy = exp.run_table("zones_yearly")
    zy = zy[(zy["group"] == group) & (zy["seed"] == seed) & (zy["status"] == "active")]
    return zy[["year", "zone_id", value]]
