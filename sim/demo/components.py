"""What the dashboard draws: the region, the outcome charts, the scoreboard, the event feed, export.

Each ``*Panel`` is a Solara component taking a :class:`~sim.demo.model.DemoPair`; the plain
functions beside them (``region_chart``, ``outcome_figure``, ``zone_table``...) build the
pictures and tables and are what the tests call.  Everything re-renders when Mesa's step
counter (``mesa.visualization.utils.update_counter``) changes.
"""

from __future__ import annotations

import html
import io
import math

import altair as alt
import networkx as nx
import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure
from mesa.visualization.utils import update_counter

from sim.demo.feed import feed, zone_title
from sim.demo.model import OUTCOMES, RUN_LABELS, RUNS, WAN_PER_YI, DemoPair
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


def region_chart(run, layout: dict[str, tuple[float, float]], title: str, max_output: float) -> alt.Chart:
    """The region as a map-like network: counties (with their borders as lines), zones as circles
    sized by output and coloured by standing, merges as dashed lines, hover for a zone's figures."""
    region = run.region
    table = zone_table(run, layout)
    xs = [p[0] for p in layout.values()]
    ys = [p[1] for p in layout.values()]
    pad = MAP_PADDING
    x_enc = alt.X("x:Q", axis=None, scale=alt.Scale(domain=[min(xs) - pad, max(xs) + pad]))
    y_enc = alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[min(ys) - pad, max(ys) + pad]))
    borders = pd.DataFrame(
        [
            {"x": layout[a][0], "y": layout[a][1], "x2": layout[b][0], "y2": layout[b][1]}
            for a, b in zip(region.adjacency["county_a"], region.adjacency["county_b"])
        ]
    )
    counties = pd.DataFrame(
        [
            {"x": xy[0], "y": xy[1] - COUNTY_LABEL_DROP, "name": run.counties_by_id[c].name_zh}
            for c, xy in layout.items()
        ]
    )
    edge_layer = (
        alt.Chart(borders).mark_rule(color="#e0e0e0", strokeWidth=1).encode(x=x_enc, y=y_enc, x2="x2:Q", y2="y2:Q")
    )
    label_layer = alt.Chart(counties).mark_text(color="#9e9e9e", fontSize=9).encode(x=x_enc, y=y_enc, text="name:N")
    link_layer = (
        alt.Chart(_links(table))
        .mark_rule(color="#757575", strokeDash=[3, 3])
        .encode(x=x_enc, y=y_enc, x2="x2:Q", y2="y2:Q")
    )
    zone_layer = (
        alt.Chart(table)
        .mark_circle(stroke="#424242", strokeWidth=0.6, opacity=0.9)
        .encode(
            x=x_enc,
            y=y_enc,
            size=alt.Size(
                "output:Q",
                title="output 亿 yuan/yr",
                scale=alt.Scale(domain=[0, max(max_output, 1e-9)], range=list(MARK_AREA)),
                legend=None,
            ),
            color=alt.Color(
                "standing:N",
                title="standing 考核",
                scale=alt.Scale(domain=list(STANDINGS), range=list(STANDINGS.values())),
            ),
            tooltip=[
                alt.Tooltip("zone:N", title="zone 开发区"),
                alt.Tooltip("county:N", title="county 县区"),
                alt.Tooltip("level:N"),
                alt.Tooltip("rank:N", title="body rank 规格"),
                alt.Tooltip("standing:N", title="standing 考核"),
                alt.Tooltip("output:Q", title="output 亿 yuan/yr", format=".1f"),
                alt.Tooltip("firms:Q", title="firms 企业"),
                alt.Tooltip("zombies:Q", title="zombies 僵尸企业"),
                alt.Tooltip("score:N", title="score 得分"),
                alt.Tooltip("class_rank:N", title="rank in class 排名"),
                alt.Tooltip("yellow_cards:Q", title="yellow cards 黄牌"),
                alt.Tooltip("host:N", title="merged into 并入"),
            ],
        )
    )
    return alt.layer(edge_layer, label_layer, link_layer, zone_layer).properties(
        title=title, width=round(MAP_ASPECT * MAP_HEIGHT), height=MAP_HEIGHT
    )


def region_charts(pair: DemoPair, layout: dict[str, tuple[float, float]]) -> alt.HConcatChart:
    """Reform and baseline maps side by side, circles on one scale."""
    max_output = max(float(run.zone_annual_output().max(initial=0)) / WAN_PER_YI for run in pair.runs().values())
    charts = [
        region_chart(run, layout, f"{RUN_LABELS[key]} — {pair.date}", max_output) for key, run in pair.runs().items()
    ]
    return alt.hconcat(*charts).configure_view(stroke=None).configure_legend(orient="right")


# --------------------------------------------------------------------------- outcome charts
RUN_STYLE = {"reform": {"color": "#c62828", "linestyle": "-"}, "baseline": {"color": "#546e7a", "linestyle": "--"}}
"""Line style of each run in the outcome charts."""


def policy_starts(pair: DemoPair) -> dict[str, str]:
    """Start month (``YYYY-MM``) of each enabled reform policy, marked on the charts."""
    p = pair.settings.reform.policy
    starts = {
        "consolidation": p.consolidation.date if p.consolidation.enabled else None,
        "devolution": p.devolution.start if p.devolution.enabled else None,
        "assessment": p.assessment.start if p.assessment.enabled else None,
        "zombie disposal": p.zombie_disposal.start if p.zombie_disposal.enabled else None,
    }
    return {name: label for name, label in starts.items() if label}


def decimal_year(cal, month: int) -> float:
    """Month index of the calendar as a decimal year (2018-09 -> 2018.67)."""
    return cal.year(month) + (cal.start_month - 1 + month) % 12 / 12


def outcome_figure(pair: DemoPair, outcomes=OUTCOMES, ncols: int = 2) -> Figure:
    """The outcome charts in one matplotlib figure: reform (solid) and baseline (dashed)."""
    nrows = math.ceil(len(outcomes) / ncols)
    fig = Figure(figsize=(5.2 * ncols, 3.0 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    monthly = {key: pd.DataFrame(run.recorder.monthly) for key, run in pair.runs().items()}
    cal = pair.reform.calendar
    start, end = cal.year(0), cal.year(cal.n_months - 1) + 1
    for ax, outcome in zip(axes, outcomes):
        for key in RUNS:
            mon = monthly[key]
            if len(mon):
                t = decimal_year(cal, mon["month"])
                ax.plot(t, outcome.series(mon), label=RUN_LABELS[key].split(" ")[0], lw=1.8, **RUN_STYLE[key])
        if not ax.get_legend_handles_labels()[0] or outcome.series(monthly["reform"]).isna().all():
            ax.text(0.5, 0.5, "nothing to show yet", transform=ax.transAxes, ha="center", color="#9e9e9e")
        for label in policy_starts(pair).values():
            ax.axvline(decimal_year(cal, cal.index(label)), color="#9e9e9e", lw=0.8, ls=":")
        ax.set_xlim(start, end)
        ax.set_title(outcome.title, fontsize=11, loc="left")
        ax.set_ylabel(outcome.ylabel, fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="best", frameon=False)
    for ax in axes[len(outcomes) :]:
        ax.set_visible(False)
    marks = ", ".join(f"{name} {label}" for name, label in policy_starts(pair).items())
    fig.suptitle(
        f"Seed {pair.settings.seed}, {pair.date}. Dotted lines: reform starts ({marks or 'none'})",
        fontsize=9,
        color="#616161",
    )
    return fig


def figure_png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150)
    return buf.getvalue()


# --------------------------------------------------------------------------- components
FEED_HEIGHT = "360px"
"""Height of the scrolling event feed."""

FEED_COLOURS = {"warning": "#fbc02d", "error": "#c62828", "success": "#2e7d32", "info": "#90a4ae"}
"""Left-border colour of a feed line by kind of event."""


@solara.component
def RegionPanel(pair: DemoPair):
    """The two region maps (reform, baseline), redrawn every step."""
    update_counter.get()
    layout = solara.use_memo(lambda: county_layout(pair.reform.region), [pair])
    with solara.Card(
        "The region 宁夏开发区 — zones grouped by county, sized by output, coloured by standing",
        classes=["zonesim-region"],
    ):
        solara.FigureAltair(region_charts(pair, layout))
        solara.Text(
            "Hover a circle for the zone's figures. Dashed line: merged into. "
            "Grey labels: counties 县区; light lines: shared county borders.",
            style={"font-size": "0.8em", "color": "#616161"},
        )


@solara.component
def OutcomePanel(pair: DemoPair):
    """The four outcome charts, reform against baseline."""
    counter = update_counter.get()
    fig = solara.use_memo(lambda: outcome_figure(pair), [pair, counter])
    with solara.Card(
        "Outcomes 结果 — reform (solid) against baseline (dashed), same seed", classes=["zonesim-outcomes"]
    ):
        solara.FigureMatplotlib(fig, dependencies=[pair, counter], format="png")


def scoreboard_html(pair: DemoPair) -> str:
    """The scoreboard as an HTML table: outcomes in rows, reform and baseline in columns."""
    table = pair.headline()
    head = "".join(f"<th>{html.escape(RUN_LABELS[k])}</th>" for k in table.columns)
    rows = []
    for name, row in table.iterrows():
        cells = "".join(f"<td>{_number(v)}</td>" for v in row)
        rows.append(f"<tr><th>{html.escape(str(name))}</th>{cells}</tr>")
    return f'<table class="zonesim-table"><tr><th></th>{head}</tr>{"".join(rows)}</table>'


def _number(value) -> str:
    if pd.isna(value):
        return "–"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


@solara.component
def ScoreboardPanel(pair: DemoPair):
    """Where the two runs stand this month."""
    update_counter.get()
    with solara.Card(f"Month {pair.date} — scoreboard 对比", classes=["zonesim-scoreboard"]):
        solara.HTML(tag="div", unsafe_innerHTML=scoreboard_html(pair))
        for note in pair.settings.notes:
            solara.Warning(note, dense=True)


@solara.component
def EventFeedPanel(pair: DemoPair):
    """The reform's (and baseline's) zone events, newest first."""
    update_counter.get()
    items = feed(pair)
    scroll = {"max-height": FEED_HEIGHT, "overflow-y": "auto", "gap": "2px"}
    with solara.Card(f"Event feed 事件 — {len(items)} so far", classes=["zonesim-feed"]), solara.Column(style=scroll):
        if not items:
            solara.Text(
                "No zone event yet: press Step or ▶. Consolidation, rankings and closures appear here as they happen."
            )
        for item in items:
            label = "" if item.run == "reform" else "[baseline] "
            solara.Text(
                label + item.text,
                classes=[f"zonesim-event-{item.kind}"],
                style={
                    "font-size": "0.85em",
                    "border-left": f"4px solid {FEED_COLOURS[item.kind]}",
                    "padding-left": "6px",
                },
            )


@solara.component
def ExportPanel(pair: DemoPair):
    """Download this run's data and the outcome charts."""
    update_counter.get()
    stem = f"zonesim_seed{pair.settings.seed}_{pair.date.replace(' ', '_')}"
    with solara.Card("Export 导出", classes=["zonesim-export"]), solara.Row(style={"flex-wrap": "wrap"}):
        solara.FileDownload(
            lambda: pair.csv_bytes("monthly"),
            filename=f"{stem}_monthly.csv",
            label="Monthly series (CSV)",
            mime_type="text/csv",
        )
        solara.FileDownload(
            lambda: pair.parquet_bytes("monthly"), filename=f"{stem}_monthly.parquet", label="Monthly series (Parquet)"
        )
        solara.FileDownload(
            lambda: pair.csv_bytes("zones_yearly"),
            filename=f"{stem}_zones_yearly.csv",
            label="Zones by year (CSV)",
            mime_type="text/csv",
        )
        solara.FileDownload(
            lambda: pair.csv_bytes("zone_events"),
            filename=f"{stem}_zone_events.csv",
            label="Zone events (CSV)",
            mime_type="text/csv",
        )
        solara.FileDownload(
            lambda: figure_png(outcome_figure(pair)),
            filename=f"{stem}_charts.png",
            label="Charts (PNG)",
            mime_type="image/png",
        )


HOW_TO = (
    "<b>How to use 使用方法.</b> Set the reform's controls on the left, then press <b>Reset</b> (重置) "
    "to build a new pair of runs with them. <b>Step</b> advances one month (or the render interval); "
    "<b>▶</b> plays. Both runs use the same seed, so every difference between the solid (reform) and "
    "the dashed (baseline) lines comes from the reform's policies. Classroom exercises: docs/teaching.md."
)

STYLE = """
.zonesim-table { border-collapse: collapse; font-size: 0.9em; width: 100%; }
.zonesim-table th, .zonesim-table td { padding: 3px 8px; border-bottom: 1px solid #eeeeee; }
.zonesim-table td { text-align: right; font-variant-numeric: tabular-nums; }
.zonesim-table tr > th:first-child { text-align: left; font-weight: normal; }
/* Show every slider's value, not only while it is dragged */
.v-slider__thumb-label-container { display: block !important; }
.v-slider__thumb-label { transform: translateY(-20%) translateY(-12px) translateX(-50%) rotate(45deg) !important; }
.v-slider { margin-top: 22px; }
"""
"""Page styles: the scoreboard table, and slider values always visible (a classroom reads them)."""


@solara.component
def Dashboard(pair: DemoPair):
    """The main area: help, scoreboard and feed, the maps, the charts, export."""
    solara.Style(STYLE)
    solara.HTML(tag="p", unsafe_innerHTML=HOW_TO, style={"font-size": "0.9em", "margin": "0 8px"})
    with solara.Columns([5, 4]):
        ScoreboardPanel(pair)
        EventFeedPanel(pair)
    RegionPanel(pair)
    OutcomePanel(pair)
    ExportPanel(pair)
