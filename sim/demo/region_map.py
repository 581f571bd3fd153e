"""The dashboard's region map (:mod:`sim.demo.components`): zones grouped by county, sized by
output, coloured by standing, merged zones linked to their host."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd

from sim.demo.feed import zone_title
from sim.demo.model import RUN_LABELS, RUNS, WAN_PER_YI, DemoPair
from sim.demo.vega import VEGA_LITE_SCHEMA, inline_data
from sim.model.agents import ZoneStatus

# --------------------------------------------------------------------------- region map
STANDINGS: dict[str, str] = {
    "top of class 名列前茅": "#2e7d32",
    "ranked 参与考核": "#1e88e5",
    "not ranked 未考核": "#78909c",
    "yellow card 黄牌警告": "#fbc02d",
    "downgraded 降级": "#e65100",
    "merged 已整合": "#d5d5d5",
    "abolished 已撤销": "#212121",
}
"""A zone's assessment standing and its colour on the map (legend order)."""

ZONE_RING = 0.11
"""Distance of a county's zones from the county's point, in layout units (the layout spans [-1, 1])."""

MAP_HEIGHT = 440
"""Height of each region map, pixels."""

MAP_ASPECT = 0.8
"""Width / height of each map: a schematic, stretched across so that counties' zones stay apart."""

MARK_AREA = (12, 1500)
"""Area, in square pixels, of a zone's circle at zero and at the largest output (linear in output)."""

CLOSED_MARK_AREA = 160
"""Area, in square pixels, of the cross that marks a merged or abolished zone (it has no output, so a
circle sized by output would vanish)."""

CLOSED = ("merged 已整合", "abolished 已撤销")
"""Standings of zones that no longer exist as zones: drawn as crosses, not circles."""

PLACEHOLDER_NOTE = (
    "placeholder 占位: the sources do not name every zone of 2017; this zone's name and figures are "
    "assumed (sim/data/ningxia/zones.csv, name_status)"
)
NAMED_NOTE = "named in the sources 有据"
"""What the tooltip's "data" line says of a zone whose name the sources give, or do not."""

MAP_PADDING = 2 * ZONE_RING
"""Margin around the outermost counties, in layout units."""

COUNTY_LABEL_DROP = 1.6 * ZONE_RING
"""A county's name sits this far below its point, clear of its zones."""


def county_layout(region) -> dict[str, tuple[float, float]]:
    """County positions: the county adjacency graph laid out so that neighbours sit close
    (Kamada-Kawai, deterministic), a schematic map of the region."""
    graph = nx.Graph()
    graph.add_nodes_from(region.counties["county_id"])
    graph.add_edges_from(zip(region.adjacency["county_a"], region.adjacency["county_b"]))
    pos = nx.kamada_kawai_layout(graph)
    return {c: (float(x), float(y)) for c, (x, y) in pos.items()}


NOT_YET = "–"
"""What the tooltip shows for a figure a zone does not have (yet): no score before it is ranked."""


def zone_positions(zones, layout: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """Each zone on a small ring around its county's point, in the data's order."""
    by_county: dict[str, list] = {}
    for z in zones:
        by_county.setdefault(z.county_id, []).append(z)
    pos = {}
    for county, members in by_county.items():
        cx, cy = layout[county]
        for i, z in enumerate(members):
            if len(members) == 1:
                pos[z.zone_id] = (cx, cy)
            else:
                angle = 2 * math.pi * i / len(members) + math.pi / 2
                pos[z.zone_id] = (cx + ZONE_RING * math.cos(angle), cy + ZONE_RING * math.sin(angle))
    return pos


def standing(zone, downgraded: set[str]) -> str:
    """The zone's standing (a key of :data:`STANDINGS`)."""
    if zone.status == ZoneStatus.ABOLISHED:
        return "abolished 已撤销"
    if zone.status == ZoneStatus.MERGED:
        return "merged 已整合"
    if zone.carded_this_year:
        return "yellow card 黄牌警告"
    if zone.zone_id in downgraded:
        return "downgraded 降级"
    if zone.class_rank == 1:
        return "top of class 名列前茅"
    if zone.class_rank > 1:
        return "ranked 参与考核"
    return "not ranked 未考核"


def downgraded_zones(run) -> set[str]:
    """Zones whose body's last rank change by assessment was a downgrade."""
    last: dict[str, str] = {}
    for rec in run.recorder.zone_events:
        if rec["event"] in ("downgraded", "upgraded"):
            last[rec["zone_id"]] = rec["event"]
    return {z for z, e in last.items() if e == "downgraded"}


def zone_table(run, layout: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """One row per zone founded so far: position, standing and the figures the map's tooltip shows."""
    zones = [z for z in run.zones if z.status != ZoneStatus.PLANNED]
    pos = zone_positions(zones, layout)
    output = run.zone_annual_output()
    firms, zombies = run.zone_firm_counts(), run.zone_zombie_counts()
    down = downgraded_zones(run)
    counties = run.counties_by_id
    by_id = {z.zone_id: z for z in run.zones}
    data = run.region.zones
    placeholder = (
        set(data.loc[data["name_status"] == "placeholder", "zone_id"]) if "name_status" in data.columns else set()
    )
    rows = []
    for z in zones:
        x, y = pos[z.zone_id]
        rows.append(
            {
                "zone_id": z.zone_id,
                "zone": zone_title(z),
                "county": f"{counties[z.county_id].name_zh}",
                "x": x,
                "y": y,
                "level": z.level,
                "rank": z.rank,
                "status": str(z.status),
                "standing": standing(z, down),
                "output": float(output[z.index]) / WAN_PER_YI,
                "firms": int(firms[z.index]),
                "zombies": int(zombies[z.index]),
                "score": f"{z.score:.3f}" if np.isfinite(z.score) else NOT_YET,
                "class_rank": str(z.class_rank) if z.class_rank else NOT_YET,
                "yellow_cards": z.yellow_cards,
                "merged_into": z.merged_into,
                "host": zone_title(by_id[z.merged_into]) if z.merged_into else NOT_YET,
                "data": PLACEHOLDER_NOTE if z.zone_id in placeholder else NAMED_NOTE,
            }
        )
    return pd.DataFrame(rows).sort_values("output", ascending=False, kind="stable")  # small circles drawn last


def _links(table: pd.DataFrame) -> pd.DataFrame:
    """Lines from each merged zone to the zone it joined."""
    where = table.set_index("zone_id")[["x", "y"]]
    merged = table[table["merged_into"].notna() & table["merged_into"].isin(where.index)]
    return pd.DataFrame(
        {
            "x": merged["x"],
            "y": merged["y"],
            "x2": where.loc[merged["merged_into"], "x"].to_numpy(),
            "y2": where.loc[merged["merged_into"], "y"].to_numpy(),
        }
    )


TOOLTIP = (
    ("zone", "nominal", "zone 开发区", None),
    ("county", "nominal", "county 县区", None),
    ("level", "nominal", "level", None),
    ("rank", "nominal", "body rank 规格", None),
    ("standing", "nominal", "standing 考核", None),
    ("output", "quantitative", "output 亿 yuan/yr", ".1f"),
    ("firms", "quantitative", "firms 企业", None),
    ("zombies", "quantitative", "zombies 僵尸企业", None),
    ("score", "nominal", "score 得分", None),
    ("class_rank", "nominal", "rank in class 排名", None),
    ("yellow_cards", "quantitative", "yellow cards 黄牌", None),
    ("host", "nominal", "merged into 并入", None),
    ("data", "nominal", "data 数据", None),
)
"""What hovering a zone shows: field, type, title, number format."""


def region_chart(
    run, layout: dict[str, tuple[float, float]], title: str, max_output: float, height: int = MAP_HEIGHT
) -> dict:
    """The region as a map-like network, a Vega-Lite spec: counties (with their borders as lines),
    zones as circles sized by output and coloured by standing, merged and abolished zones as
    crosses, merges as dashed lines, hover for a zone's figures.  Written as a plain dict: Altair's
    layering copies every layer's data over and over (0.15 s a redraw here)."""
    region = run.region
    table = zone_table(run, layout)
    xs = [p[0] for p in layout.values()]
    ys = [p[1] for p in layout.values()]
    pad = MAP_PADDING
    x = {"field": "x", "type": "quantitative", "axis": None, "scale": {"domain": [min(xs) - pad, max(xs) + pad]}}
    y = {"field": "y", "type": "quantitative", "axis": None, "scale": {"domain": [min(ys) - pad, max(ys) + pad]}}
    x2, y2 = {"field": "x2"}, {"field": "y2"}
    borders = pd.DataFrame(
        [
            {"x": layout[a][0], "y": layout[a][1], "x2": layout[b][0], "y2": layout[b][1]}
            for a, b in zip(region.adjacency["county_a"], region.adjacency["county_b"])
        ],
        columns=["x", "y", "x2", "y2"],
    )
    counties = pd.DataFrame(
        [
            {"x": xy[0], "y": xy[1] - COUNTY_LABEL_DROP, "name": run.counties_by_id[c].name_zh}
            for c, xy in layout.items()
        ],
        columns=["x", "y", "name"],
    )
    color = {
        "field": "standing",
        "type": "nominal",
        "title": "standing 考核",
        "scale": {"domain": list(STANDINGS), "range": list(STANDINGS.values())},
    }
    tooltip = [
        {"field": f, "type": t, "title": title_, **({"format": fmt} if fmt else {})} for f, t, title_, fmt in TOOLTIP
    ]
    closed = table["standing"].isin(CLOSED)
    layers = [
        {
            "data": inline_data(borders),
            "mark": {"type": "rule", "color": "#e0e0e0", "strokeWidth": 1},
            "encoding": {"x": x, "y": y, "x2": x2, "y2": y2},
        },
        {
            "data": inline_data(counties),
            "mark": {"type": "text", "color": "#9e9e9e", "fontSize": 9},
            "encoding": {"x": x, "y": y, "text": {"field": "name", "type": "nominal"}},
        },
        {
            "data": inline_data(_links(table)),
            "mark": {"type": "rule", "color": "#757575", "strokeDash": [3, 3]},
            "encoding": {"x": x, "y": y, "x2": x2, "y2": y2},
        },
        {
            "data": inline_data(table[~closed]),
            "mark": {"type": "circle", "stroke": "#424242", "strokeWidth": 0.6, "opacity": 0.9},
            "encoding": {
                "x": x,
                "y": y,
                "size": {
                    "field": "output",
                    "type": "quantitative",
                    "title": "output 亿 yuan/yr",
                    "scale": {"domain": [0, max(max_output, 1e-9)], "range": list(MARK_AREA)},
                    "legend": {"tickCount": 3},
                },
                "color": color,
                "tooltip": tooltip,
            },
        },
        {
            "data": inline_data(table[closed]),
            "mark": {
                "type": "point",
                "shape": "cross",
                "size": CLOSED_MARK_AREA,
                "filled": True,
                "stroke": "#424242",
                "strokeWidth": 0.6,
            },
            "encoding": {"x": x, "y": y, "color": color, "tooltip": tooltip},
        },
    ]
    return {"title": title, "layer": layers, "width": round(MAP_ASPECT * height), "height": height}


def region_charts(
    pair: DemoPair, layout: dict[str, tuple[float, float]], runs: tuple[str, ...] = RUNS, height: int = MAP_HEIGHT
) -> dict:
    """The maps of ``runs`` (reform and baseline) side by side, circles on one scale (a Vega-Lite spec)."""
    max_output = max(float(run.zone_annual_output().max(initial=0)) / WAN_PER_YI for run in pair.runs().values())
    charts = [
        region_chart(pair.runs()[key], layout, f"{RUN_LABELS[key]} — {pair.date}", max_output, height) for key in runs
    ]
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "hconcat": charts,
        "config": {"view": {"stroke": None}, "legend": {"orient": "right"}},
    }
