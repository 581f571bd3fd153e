"""Region data: counties, adjacency, zones, sectors and the approval-item catalogue.

A :class:`RegionData` is plain tables (pandas) that have passed :func:`check_region`; the model
reads it and never touches files.  Every check names the table, the row (as the line number of
the CSV file it came from) and the column, so a broken data file gives one clear line.
"""

from __future__ import annotations

import graphlib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config.schema import RANKS
from sim.data.checks import (  # noqa: F401 - DataError and FILES are part of this module's interface
    FILES,
    DataError,
    at_row,
    check_filled,
    check_member,
    check_numeric,
    check_some_positive,
    check_unique,
    text_column,
)

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")

LEVELS = ("national", "region")
AUTHORITIES = ("region", "city", "county")
TOTAL_POWERS = 37  # 开发区市县级经济管理权限赋权指导目录 [V] seed
TOTAL_RA_ITEMS = 9  # 区域评 items [V] seed
MAX_BLOCKS = 1_000  # land blocks (区块) of one zone: Ningxia's have 1-3; a thousand is no zone's
MAX_ARRIVALS = 1_000  # projects a year per 1,000 firms: one new project a year for every firm


@dataclass
class RegionData:
    """The tables a model is built from (see ``sim/data/ningxia/*.csv`` for their columns)."""

    counties: pd.DataFrame
    adjacency: pd.DataFrame
    zones: pd.DataFrame
    sectors: pd.DataFrame
    items: pd.DataFrame
    spending: pd.DataFrame
    origin: str = "<memory>"
    total_firms: int | None = None  # above-scale firms in the region at the start (zones + outside)
    total_output: float | None = None  # 万 yuan/year at the start

    @classmethod
    def generated(cls, counties, adjacency, zones, sectors, items, spending, origin: str) -> RegionData:
        """A generated region (synthetic, national), checked as a loaded one is: its counties,
        county adjacency ``(county_a, county_b, source)`` and zones as lists of rows, and copies of
        the sector, approval-item and spending tables."""
        return check_region(
            cls(
                counties=pd.DataFrame(counties),
                adjacency=pd.DataFrame(adjacency, columns=["county_a", "county_b", "source"]),
                zones=pd.DataFrame(zones),
                sectors=sectors.copy(),
                items=items.copy(),
                spending=spending.copy(),
                origin=origin,
            )
        )

    def sector_column(self, column: str) -> np.ndarray:
        """An optional column of the sector table (``resource_tax_rate``, ``capacity_cut``,
        ``capacity_replacement``) as floats in the table's order; zeros where the file has no such column."""
        s = self.sectors
        return s[column].to_numpy(dtype=float) if column in s else np.zeros(len(s))


REQUIRED = {
    "counties": ["county_id", "name_zh", "name_en", "city_id", "fiscal_revenue", "source"],
    "adjacency": ["county_a", "county_b", "source"],
    "zones": [
        "zone_id",
        "name_zh",
        "name_en",
        "county_id",
        "level",
        "type",
        "body_id",
        "rank",
        "blocks",
        "firms",
        "output_share",
        "output_per_mu",
        "land_mu",
        "leading_sectors",
        "name_mismatch",
        "founded",
        "source",
    ],
    "sectors": [
        "sector",
        "traditional",
        "output_share",
        "substitution_elasticity",
        "armington_elasticity",
        "export_share",
        "local_home_share",
        "initial_utilisation",
        "capital_output_ratio",
        "arrivals_per_1000_firms",
        "output_per_mu",
        "source",
    ],
    "spending": ["sector", "from_year", "growth", "source"],
    "items": [
        "item_id",
        "stage",
        "authority",
        "powers",
        "ra_order",
        "effort_days",
        "review_days",
        "prep_days",
        "share",
        "predecessors",
        "scaled",
        "source",
    ],
}


def check_region(region: RegionData) -> RegionData:
    """Validate every table in place (types coerced); raise :class:`DataError` on the first fault."""
    o = region.origin
    for table, cols in REQUIRED.items():
        df = getattr(region, table)
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise DataError(f"{o}/{FILES[table]}: missing column {missing[0]}")
        if df.empty and table not in ("adjacency",):
            raise DataError(f"{o}/{FILES[table]}: no rows")

    c, a, z, s, it = region.counties, region.adjacency, region.zones, region.sectors, region.items
    for table, col, id_col in (
        ("counties", "county_id", None),
        ("counties", "city_id", "county_id"),
        ("zones", "zone_id", None),
        ("zones", "body_id", "zone_id"),
        ("sectors", "sector", None),
        ("items", "item_id", None),
    ):
        check_filled(table, getattr(region, table), o, col, id_col)
    check_unique("counties", c, o, "county_id")
    check_numeric("counties", c, o, "fiscal_revenue", "county_id", lo=0)
    check_some_positive("counties", c, o, "fiscal_revenue", "it places the firms outside zones in counties")
    counties = set(c["county_id"])
    check_member("adjacency", a, o, "county_a", counties, None, "county")
    check_member("adjacency", a, o, "county_b", counties, None, "county")

    check_unique("sectors", s, o, "sector")
    check_numeric("sectors", s, o, "traditional", "sector", 0, 1, integer=True)
    check_numeric("sectors", s, o, "output_share", "sector", 0, 1)
    check_some_positive("sectors", s, o, "output_share", "it draws the sectors of firms")
    check_numeric("sectors", s, o, "substitution_elasticity", "sector", 1.01, 50)
    check_numeric("sectors", s, o, "armington_elasticity", "sector", 0, 50)
    check_numeric("sectors", s, o, "export_share", "sector", 0, 1)
    check_numeric("sectors", s, o, "local_home_share", "sector", 0, 1)
    check_numeric("sectors", s, o, "initial_utilisation", "sector", 0.05, 1)
    check_numeric("sectors", s, o, "capital_output_ratio", "sector", 1e-9)
    for i, (sig, sig_a) in enumerate(zip(s["substitution_elasticity"], s["armington_elasticity"])):
        if sig < sig_a:
            raise DataError(
                f"{at_row('sectors', o, i, s, 'sector')}: substitution_elasticity = {sig} is below "
                f"armington_elasticity = {sig_a} (varieties within the region must be closer substitutes)"
            )
    check_numeric("sectors", s, o, "arrivals_per_1000_firms", "sector", 0, MAX_ARRIVALS)
    check_numeric("sectors", s, o, "output_per_mu", "sector", 1e-9)
    if "resource_tax_rate" in s:  # optional: no resource tax where the column is missing
        check_numeric("sectors", s, o, "resource_tax_rate", "sector", 0, 1)
    if "capacity_cut" in s:  # optional: no sector under capacity cuts where the column is missing
        check_numeric("sectors", s, o, "capacity_cut", "sector", 0, 1, integer=True)
    if "capacity_replacement" in s:  # optional: no sector under capacity replacement where the column is missing
        check_numeric("sectors", s, o, "capacity_replacement", "sector", 0, 1, integer=True)
    if "approved_share" in s:  # optional: every enterprise project filed (备案) where the column is missing
        check_numeric("sectors", s, o, "approved_share", "sector", 0, 1)
    sectors = set(s["sector"])
    sp = region.spending
    check_member("spending", sp, o, "sector", sectors, None, "sector")
    check_numeric("spending", sp, o, "from_year", "sector", 1900, 2200, integer=True)
    check_numeric("spending", sp, o, "growth", "sector", -0.5, 0.5)
    for column in ("price_growth", "input_price_growth"):  # optional: flat prices where the column is missing
        if column in sp:
            check_numeric("spending", sp, o, column, "sector", -0.5, 0.5)
    if sp[["sector", "from_year"]].duplicated().any():
        i = int(sp[["sector", "from_year"]].duplicated().to_numpy().nonzero()[0][0])
        raise DataError(f"{at_row('spending', o, i, sp, 'sector')}: repeats from_year {sp.iloc[i]['from_year']}")
    missing = sectors - set(sp["sector"])
    if missing:
        raise DataError(f"{o}/{FILES['spending']}: no spending path for sector {sorted(missing)[0]!r}")

    check_unique("zones", z, o, "zone_id")
    check_member("zones", z, o, "county_id", counties, "zone_id", "county")
    check_member("zones", z, o, "level", LEVELS, "zone_id", "level")
    check_member("zones", z, o, "rank", RANKS, "zone_id", "rank")
    check_numeric("zones", z, o, "blocks", "zone_id", 1, MAX_BLOCKS, integer=True)
    check_numeric("zones", z, o, "firms", "zone_id", 0, None, integer=True)
    check_numeric("zones", z, o, "output_share", "zone_id", 0, 1)
    check_numeric("zones", z, o, "output_per_mu", "zone_id", 1e-9)
    check_numeric("zones", z, o, "land_mu", "zone_id", 1e-9)
    check_numeric("zones", z, o, "name_mismatch", "zone_id", 0, 1, integer=True)
    z["founded"] = z["founded"].fillna("").astype(str)
    for i, month in enumerate(z["founded"]):
        if month and not _MONTH.match(month):
            raise DataError(f"{at_row('zones', o, i, z, 'zone_id')}: column founded = {month!r} is not a month YYYY-MM")
    for i, lead in enumerate(z["leading_sectors"]):
        parts = [p for p in str(lead).split(";") if p]
        bad = [p for p in parts if p not in sectors]
        if not parts or bad:
            what = bad[0] if bad else lead
            raise DataError(f"{at_row('zones', o, i, z, 'zone_id')}: unknown sector {what!r} in column leading_sectors")
    if "base_sectors" in z:  # optional: designated bases of large projects' sectors (empty: none)
        for i, cell in enumerate(text_column(z["base_sectors"])):
            bad = [p for p in cell.split(";") if p and p not in sectors]
            if bad:
                raise DataError(
                    f"{at_row('zones', o, i, z, 'zone_id')}: unknown sector {bad[0]!r} in column base_sectors"
                )
    if z["output_share"].sum() > 1 + 1e-9:
        raise DataError(f"{o}/{FILES['zones']}: column output_share sums to {z['output_share'].sum():.3f} > 1")
    for body, g in z.groupby("body_id", sort=True):  # one management body, one rank and one county
        for col, what in (("rank", "ranks"), ("county_id", "counties")):
            if g[col].nunique() > 1:
                raise DataError(
                    f"{o}/{FILES['zones']}: body_id {body!r} has two {what} "
                    f"({', '.join(f'{zid}: {v}' for zid, v in zip(g['zone_id'], g[col]))}); "
                    "a management body has one rank and serves one county"
                )

    check_unique("items", it, o, "item_id")
    check_member("items", it, o, "authority", AUTHORITIES, "item_id", "authority")
    check_numeric("items", it, o, "stage", "item_id", 1, 4, integer=True)
    check_numeric("items", it, o, "powers", "item_id", 0, TOTAL_POWERS, integer=True)
    check_numeric("items", it, o, "ra_order", "item_id", 0, TOTAL_RA_ITEMS, integer=True)
    for col in ("effort_days", "review_days", "prep_days"):
        check_numeric("items", it, o, col, "item_id", 0)
    check_numeric("items", it, o, "share", "item_id", 0, 1)
    if it["powers"].sum() > TOTAL_POWERS:
        raise DataError(f"{o}/{FILES['items']}: column powers sums to {it['powers'].sum()} > {TOTAL_POWERS}")
    ra = it.loc[it["ra_order"] > 0, "ra_order"]
    if ra.duplicated().any():
        raise DataError(f"{o}/{FILES['items']}: column ra_order repeats {int(ra[ra.duplicated()].iloc[0])}")
    if sorted(it["stage"].unique()) != [1, 2, 3, 4]:
        raise DataError(f"{o}/{FILES['items']}: column stage must cover stages 1-4")
    _check_predecessors(it, o)
    _check_scaled(it, o)
    _check_streams(it, o)
    return region


def check_totals(region: RegionData) -> RegionData:
    """Check the tables against the region's totals (set from the configuration after loading): the
    zones' firms cannot exceed the region's above-scale firms, which count those outside zones too."""
    z = region.zones
    if region.total_firms is not None and z["firms"].sum() > region.total_firms:
        raise DataError(
            f"{region.origin}/{FILES['zones']}: column firms sums to {int(z['firms'].sum()):,}, more "
            f"than the region's above-scale firms (region.total_firms = {int(region.total_firms):,}), "
            "which count the firms in zones and outside them"
        )
    return region


#: the times of an item the calibration's scales may multiply (``scaled`` column)
SCALED_TIMES = ("prep", "review")


def _check_scaled(it: pd.DataFrame, o: str) -> None:
    """The ``scaled`` column (``;``-separated, of :data:`SCALED_TIMES`): which of an item's times are
    assumed and multiplied by ``approval.prep_scale`` / ``approval.review_scale``; a time with a
    documented range is left out, so no fitted scale can move it outside that range."""
    _check_names(it, o, "scaled", SCALED_TIMES)


def _check_names(it: pd.DataFrame, o: str, col: str, allowed: tuple[str, ...], empty: str = "") -> None:
    """A column of ``;``-separated names of ``allowed``, each at most once (normalised to text);
    ``empty`` says what an empty cell means, for the message."""
    it[col] = text_column(it[col])
    for i, raw in enumerate(it[col]):
        parts = [p.strip() for p in raw.split(";") if p.strip()]
        if any(p not in allowed for p in parts) or len(set(parts)) != len(parts):
            raise DataError(
                f"{at_row('items', o, i, it, 'item_id')}: column {col} = {raw!r}; "
                f"expected ';'-separated names of {list(allowed)}, each once{empty}"
            )


#: the project streams a catalogue item's ``streams`` column may name (sim.model.approval.STREAMS)
ITEM_STREAMS = ("filed", "approved", "government")


def _check_streams(it: pd.DataFrame, o: str) -> None:
    """The optional ``streams`` column (``;``-separated names of :data:`ITEM_STREAMS`; empty: every
    stream): which project streams need the item.  Every stream must keep items of every stage."""
    if "streams" not in it:
        return
    _check_names(it, o, "streams", ITEM_STREAMS, " (empty: all)")
    for name in ITEM_STREAMS:
        mine = [not raw or name in [p.strip() for p in raw.split(";")] for raw in it["streams"]]
        stages = set(it.loc[mine, "stage"])
        if stages != {1, 2, 3, 4}:
            raise DataError(
                f"{o}/{FILES['items']}: column streams leaves stream {name!r} without items of "
                f"stage {sorted({1, 2, 3, 4} - stages)[0]}"
            )


def _check_predecessors(it: pd.DataFrame, o: str) -> None:
    """The ``predecessors`` column (``;``-separated item ids an item waits for): known items of the
    same or an earlier stage, not the item itself, no cycle.  Normalised to a string column."""
    it["predecessors"] = text_column(it["predecessors"])
    stage = dict(zip(it["item_id"], it["stage"]))
    preds: dict[str, list[str]] = {}
    for i, (item, raw) in enumerate(zip(it["item_id"], it["predecessors"])):
        where = at_row("items", o, i, it, "item_id")
        parts = [p.strip() for p in raw.split(";")]
        if raw and any(not p for p in parts):
            raise DataError(f"{where}: column predecessors = {raw!r} has an empty entry")
        parts = [p for p in parts if p]
        for p in parts:
            if p == item:
                raise DataError(f"{where}: column predecessors = {raw!r}: the item waits for itself")
            if p not in stage:
                raise DataError(f"{where}: unknown item {p!r} in column predecessors = {raw!r}")
            if stage[p] > stage[item]:
                raise DataError(
                    f"{where}: column predecessors = {raw!r}: {p!r} is of stage {stage[p]}, "
                    f"after this item's stage {stage[item]}"
                )
        if len(set(parts)) < len(parts):
            raise DataError(f"{where}: column predecessors = {raw!r} repeats an item")
        preds[item] = parts
    try:
        graphlib.TopologicalSorter(preds).prepare()
    except graphlib.CycleError as exc:  # args[1]: the cycle, first item repeated at the end
        cycle = list(reversed(exc.args[1]))
        raise DataError(
            f"{o}/{FILES['items']}: column predecessors has a cycle: {' -> '.join(cycle)} "
            f"(each item waits for the next)"
        ) from None
