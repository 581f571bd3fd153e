"""Zombie firms (僵尸企业): where they are, who exits, land recycled, and what pushes them out.

A firm is a zombie under the OECD definition (interest coverage below 1 for three years, at
least ten years old); failing firms exit under a soft budget constraint (local protection props
some up).  The runs record the monthly zombie count and share, one row per exit (date, zone,
sector, zombie or not, age, insolvent, land returned), zombies per zone and year and, since the
model records it, the year-end *stock* of operating firms by sector × age band × in/out of a zone
(``firms_yearly.parquet``: firms, zombies, output).  Outputs written before that table existed lack
it: :meth:`sim.analysis.load.Experiment.has_run_table` tells, and the stock functions here raise
:class:`sim.analysis.load.MissingRunTableError` on them.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from sim.analysis.load import Experiment
from sim.config.schema import ZombieConfig
from sim.model.metrics import AGE_BANDS as STOCK_AGE_EDGES
from sim.model.metrics import AGE_LABELS as STOCK_AGE_BANDS

AGE_BANDS = (0, 5, 10, 15, 20, 30, np.inf)
"""Firm-age bands (years) of the exit tables; 10 years is the OECD zombie age threshold."""
STOCK_TABLE = "firms_yearly"
"""The per-run table of the year-end firm stock by sector × age band (``age_band``: :data:`STOCK_AGE_BANDS`)."""
PRE_REFORM_YEAR = 2017
"""The last year before the reform (zombie disposal starts 2018-01): the first year of the stock tables."""
LITERATURE_AGE_SHARES = {"0-5": (0.03, "firms aged 1–5"), "30+": (0.23, "firms over 30")}
"""Zombie share by firm age in China's above-scale industrial firms [V] (../shared/CALIBRATION.md):
age band of the stock table → (share, whom the fact is about)."""


def age_band_labels() -> list[str]:
    """``"0–5 years"``, …, ``"30+ years"`` for :data:`AGE_BANDS`."""
    edges = AGE_BANDS
    return [f"{lo:g}–{hi:g} years" if np.isfinite(hi) else f"{lo:g}+ years" for lo, hi in itertools.pairwise(edges)]


def exits_per_year(exp: Experiment) -> pd.DataFrame:
    """Mean per run, per group and calendar year: exits, zombie exits and land returned by exiting
    firms (mu), over the group's seeds."""
    ex = exp.run_table("exits")
    runs = exp.run_outcomes.groupby("group")["key"].nunique()
    if ex.empty:
        return pd.DataFrame(columns=["group", "year", "exits", "zombie exits", "land returned (mu)"])
    ex = ex.assign(year=ex["date"].astype(str).str[:4].astype(int), zombie_exit=ex["zombie"].astype(float))
    g = ex.groupby(["group", "year"])
    out = pd.DataFrame(
        {"exits": g.size(), "zombie exits": g["zombie_exit"].sum(), "land returned (mu)": g["land_mu"].sum()}
    )
    out = out.div(runs, axis=0, level="group")
    return out.reset_index()


def exit_profile(exp: Experiment, group: str, by: str) -> pd.DataFrame:
    """Exits of ``group`` by ``by`` (``"sector"`` or ``"age band"``): exits per run, share of them that
    were zombies, share insolvent, mean land returned per exit (mu)."""
    ex = exp.run_table("exits")
    ex = ex[ex["group"] == group]
    n = exp.run_outcomes.loc[exp.run_outcomes["group"] == group, "key"].nunique()
    if by == "age band":
        ex = ex.assign(**{by: pd.cut(ex["age"], bins=list(AGE_BANDS), right=False, labels=age_band_labels())})
    g = ex.groupby(by, observed=True)
    out = pd.DataFrame(
        {
            "exits per run": g.size() / n,
            "zombie share of exits": g["zombie"].mean(),
            "insolvent share of exits": g["insolvent"].mean(),
            "land per exit (mu)": g["land_mu"].mean(),
        }
    )
    return out.reset_index()


def zombie_share_by_zone(exp: Experiment, group: str, years: list[int]) -> pd.DataFrame:
    """Zombie share of each zone's firms in ``years`` (mean over seeds; active zones only)."""
    zy = exp.run_table("zones_yearly")
    zy = zy[(zy["group"] == group) & zy["year"].isin(years) & (zy["status"] == "active") & (zy["firms"] > 0)]
    zy = zy.assign(share=zy["zombies"] / zy["firms"])
    out = zy.pivot_table(index=["zone_id", "name_zh"], columns="year", values="share", aggfunc="mean")
    out.columns = [f"zombie share {c}" for c in out.columns]
    return out.sort_values(out.columns[0], ascending=False).reset_index()


def carded_zone_exit_rates(exp: Experiment, group: str) -> pd.DataFrame:
    """Assessment pressure inside the runs: zombie exits in the year after a zone-year, per zombie at
    the end of that zone-year, for zones that got a yellow card (黄牌警告) that year versus the others.

    A yellow card withdraws part of the local protection of the zone's zombies, so their exit rate
    should be higher the following year (an association inside the runs, not a paired effect).
    """
    zy = exp.run_table("zones_yearly")
    zy = zy[(zy["group"] == group) & (zy["status"] == "active") & zy["score"].notna()]
    ex = exp.run_table("exits")
    ex = ex[(ex["group"] == group) & ex["zombie"]]
    ex = ex.assign(year=ex["date"].astype(str).str[:4].astype(int) - 1)  # exits of the following year
    counted = ex.groupby(["key", "zone_id", "year"]).size().rename("zombie exits next year")
    zy = zy.join(counted, on=["key", "zone_id", "year"]).fillna({"zombie exits next year": 0})
    zy = zy[zy["zombies"] > 0]
    g = zy.groupby(zy["yellow_card"].map({True: "yellow card that year", False: "no card"}))
    out = pd.DataFrame(
        {
            "zone-years": g.size(),
            "zombies at year end": g["zombies"].sum(),
            "zombie exits next year": g["zombie exits next year"].sum(),
        }
    )
    out["exits per zombie"] = out["zombie exits next year"] / out["zombies at year end"]
    return out.rename_axis("zone-year").reset_index()


def zombie_definition(exp: Experiment) -> dict:
    """The zombie definition of the runs (``zombie`` section of the first run's configuration; the
    schema defaults when absent), with ``consistent``: whether every run used the same one."""
    configs = [rec.get("config", {}).get("zombie") for rec in exp.run_records.values()]
    configs = [c for c in configs if c]
    default = {
        "definition": ZombieConfig.definition,
        "min_age_years": ZombieConfig.min_age_years,
        "consecutive_years": ZombieConfig.consecutive_years,
    }
    first = configs[0] if configs else default
    return {**default, **first, "consistent": all(c == first for c in configs)}


def bands_zero_by_definition(definition: dict) -> list[str]:
    """The age bands of the stock table in which no firm can be a zombie: under the OECD definition,
    those whose upper edge is at most the minimum age (10 years: ``0-5`` and ``5-10``)."""
    if definition.get("definition") != "oecd":
        return []
    edges = list(itertools.pairwise(STOCK_AGE_EDGES))
    return [band for band, (_, hi) in zip(STOCK_AGE_BANDS, edges) if hi <= float(definition["min_age_years"])]


def stock_years(exp: Experiment) -> list[int]:
    """The years of the stock tables: :data:`PRE_REFORM_YEAR` (the first recorded year if the runs
    start later) and the last recorded year."""
    years = sorted(int(y) for y in exp.run_table(STOCK_TABLE)["year"].unique())
    if not years:
        return []
    first = PRE_REFORM_YEAR if PRE_REFORM_YEAR in years else years[0]
    return sorted({first, years[-1]})


def zombie_stock(exp: Experiment, by: str, years: list[int]) -> pd.DataFrame:
    """Year-end stock of operating firms by ``by`` (``"sector"``, ``"age_band"`` or ``"all"``) per group
    and year in ``years``: firms and zombies per run (mean over the group's runs) and the zombie share
    (僵尸企业 share by count; the mean over seeds of each run's share, runs with no firm in the cell
    left out).  Firms in and outside zones together."""
    fy = exp.run_table(STOCK_TABLE)
    fy = fy[fy["year"].isin(years)].assign(all="all firms")
    runs = exp.run_outcomes.groupby("group")["key"].nunique()
    per_run = fy.groupby(["group", "key", "year", by], observed=True)[["firms", "zombies"]].sum().reset_index()
    per_run = per_run[per_run["firms"] > 0]
    per_run["share"] = per_run["zombies"] / per_run["firms"]
    g = per_run.groupby(["group", "year", by], observed=True)
    out = pd.DataFrame({"firms per run": g["firms"].sum(), "zombies per run": g["zombies"].sum()})
    out = out.div(runs, axis=0, level="group")
    out["zombie share"] = g["share"].mean()
    out["runs"] = g.size()
    out = out.reset_index()
    if by == "age_band":
        out[by] = pd.Categorical(out[by], categories=list(STOCK_AGE_BANDS), ordered=True)
    return out.sort_values(["group", "year", by]).reset_index(drop=True)


def zombie_share_table(stock: pd.DataFrame, by: str, groups: list[str], reference: str | None = None) -> pd.DataFrame:
    """The zombie shares of :func:`zombie_stock` side by side: one row per ``by`` value, one column per
    year and group (``"<group> <year>"``), then the firms per run of ``reference`` (default: the first
    group) in the last year.  Sectors are sorted by that group's last-year share (largest first),
    age bands in age order."""
    reference = reference if reference in groups else groups[0]
    years = sorted(stock["year"].unique())
    table = stock.pivot_table(
        index=by, columns=["year", "group"], values="zombie share", aggfunc="mean", observed=False
    )
    columns = [(y, g) for y in years for g in groups if (y, g) in table.columns]
    table = table[columns]
    table.columns = [f"{g} {y}" for y, g in columns]
    last = stock[(stock["group"] == reference) & (stock["year"] == years[-1])].set_index(by)
    table[f"firms per run, {reference} {years[-1]}"] = last["firms per run"]
    if by == "age_band":
        table = table.reindex([b for b in STOCK_AGE_BANDS if b in table.index])
    else:
        table = table.sort_values(f"{reference} {years[-1]}", ascending=False)
    return table.rename_axis("age band (years)" if by == "age_band" else by).reset_index()


def age_pattern_lines(stock: pd.DataFrame, definition: dict, groups: list[str], year: int) -> list[str]:
    """Sentences comparing the zombie share by age band of each group in ``year`` with the literature
    (:data:`LITERATURE_AGE_SHARES`), computed from ``stock`` (``zombie_stock(..., "age_band", ...)``)."""

    def pct(v: float) -> str:
        return f"{100 * v:.1f}%" if np.isfinite(v) else "–"

    zero = bands_zero_by_definition(definition)
    lines = []
    if zero:
        lines.append(
            f"- The runs use the OECD definition (age ≥ {float(definition['min_age_years']):g} years and interest "
            f"coverage < 1 for {int(definition['consecutive_years'])} years), so the "
            f"{' and '.join(zero)} bands are **zero by definition**: the model cannot show the "
            f"literature's ≈{LITERATURE_AGE_SHARES['0-5'][0]:.0%} zombies among {LITERATURE_AGE_SHARES['0-5'][1]}; "
            "only the pattern among older firms can be compared."
        )
    else:
        lines.append(
            f"- The runs use the `{definition.get('definition')}` definition, with no age rule: every "
            "age band can hold zombies."
        )
    if not definition.get("consistent", True):
        lines.append("- _The runs do not all use the same zombie definition: read the age pattern with care._")
    classifiable = [b for b in STOCK_AGE_BANDS if b not in zero]
    lit_old, lit_young = LITERATURE_AGE_SHARES["30+"][0], LITERATURE_AGE_SHARES["0-5"][0]
    for g in groups:
        s = stock[(stock["group"] == g) & (stock["year"] == year)].set_index("age_band")["zombie share"]
        s = s.reindex(list(STOCK_AGE_BANDS)).astype(float)
        shown = [b for b in classifiable if np.isfinite(s[b])]
        if not shown:
            lines.append(f"- **{g}**, {year}: no operating firm old enough to be a zombie.")
            continue
        rises = bool(np.all(np.diff(s[shown].to_numpy()) > 0))
        trend = (
            f" — it {'rises' if rises else 'does not rise steadily'} with age among firms the definition can classify"
            if len(shown) > 1
            else ""
        )
        old = s["30+"]
        versus = (
            f"the 30+ share is {old / lit_old:.2g} times the literature's ≈{lit_old:.0%}"
            if np.isfinite(old) and old > 0
            else f"the 30+ share is {pct(old)} against ≈{lit_old:.0%} in the literature"
        )
        young = "" if zero else f"; 0-5 years {pct(s['0-5'])} (literature ≈{lit_young:.0%})"
        lines.append(
            f"- **{g}**, {year}: zombie share "
            + ", ".join(f"{b} years {pct(s[b])}" for b in shown)
            + f"{trend}; {versus}{young}."
        )
    return lines
