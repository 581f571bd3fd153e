"""What the dashboard draws: the region, the outcome charts, the scoreboard, the event feed, export.

Each ``*Panel`` is a Solara component taking a :class:`~sim.demo.model.DemoPair`; the plain
functions that build the pictures and tables (``region_chart``, ``zone_table``... in
:mod:`sim.demo.region_map`; ``outcome_figure``... in :mod:`sim.demo.outcome_charts`; re-exported
here) are what the tests call.  Everything re-renders when Mesa's step
counter (``mesa.visualization.utils.update_counter``) changes.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import pandas as pd
import solara
from mesa.visualization.utils import update_counter

from sim.demo import assets, timing
from sim.demo.feed import feed
from sim.demo.model import RUN_LABELS, DemoPair

# the region map and the outcome charts live in their own modules; re-exported here, where the
# tests and callers have always found them
from sim.demo.outcome_charts import (  # noqa: F401
    RUN_STYLE,
    decimal_year,
    figure_png,
    outcome_chart,
    outcome_figure,
    policy_starts,
)
from sim.demo.region_map import (  # noqa: F401
    COUNTY_LABEL_DROP,
    MAP_ASPECT,
    MAP_HEIGHT,
    MAP_PADDING,
    MARK_AREA,
    NOT_YET,
    STANDINGS,
    ZONE_RING,
    county_layout,
    downgraded_zones,
    region_chart,
    region_charts,
    standing,
    zone_positions,
    zone_table,
)
from sim.vocabulary import OUTCOMES as OUTCOME_VOCABULARY


# --------------------------------------------------------------------------- components
@solara.component
def VegaChart(spec: dict):
    """A Vega-Lite spec drawn by the browser.  Solara's ``FigureAltair`` switches Altair's renderer
    for the whole process while it converts a chart, which is not safe with several sessions
    stepping at once (a ``KeyError`` and a frozen page were seen with four); this takes a spec
    that is already a dict."""
    # SVG, so that text drawn before the bundled font has loaded is redrawn in it; the same fonts as the page
    spec = {
        **spec,
        "usermeta": {"embedOptions": {"renderer": "svg"}},
        "config": {**spec.get("config", {}), "font": TEXT_FONT},
    }
    return solara.widgets.VegaLite.element(spec=spec, listen_to_click=False, listen_to_hover=False)


FEED_HEIGHT = "360px"
"""Height of the scrolling event feed."""

PROJECTOR_FEED_HEIGHT = "200px"
PROJECTOR_MAP_HEIGHT = 230
PROJECTOR_CHART_SIZE = (200, 58)
PROJECTOR_LEFT_WIDTH = "390px"
"""The projector view's sizes: feed (scrolls), the reform's map and each outcome chart's lines
(pixels), chosen so that map, four charts, scoreboard and feed fit 1366×768 beside the sidebar."""

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
        VegaChart(region_charts(pair, layout))
        solara.Text(
            "Hover a circle for the zone's figures. Dashed line: merged into. "
            "Grey labels: counties 县区; light lines: shared county borders.",
            style={"font-size": "0.8em", "color": "#616161"},
        )


@solara.component
def OutcomePanel(pair: DemoPair, pinned: pd.DataFrame | None = None):
    """The four outcome charts, reform against baseline, with the difference under each (drawn by
    the browser: a step costs the server a small JSON document); a pinned run as a ghost line."""
    counter = update_counter.get()
    spec = solara.use_memo(lambda: outcome_chart(pair, pinned=pinned), [pair, counter, id(pinned)])
    with solara.Card(
        "Outcomes 结果 — reform (solid) against baseline (dashed), same seed; below each, reform − baseline",
        classes=["zonesim-outcomes"],
    ):
        VegaChart(spec)


DIFFERENCE_LABEL = "Reform − baseline 差"
"""Heading of the scoreboard's difference column."""


def scoreboard_html(pair: DemoPair) -> str:
    """The scoreboard as an HTML table: outcomes in rows; reform, baseline and their difference in
    columns (a share's difference in percentage points)."""
    table = pair.headline()
    head = "".join(f"<th>{html.escape(RUN_LABELS[k])}</th>" for k in table.columns)
    head += f"<th>{html.escape(DIFFERENCE_LABEL)}</th>"
    rows = []
    for name, row in table.iterrows():
        o = OUTCOME_VOCABULARY[name]
        cells = "".join(f"<td>{_number(v, o.unit)}</td>" for v in row)
        cells += f'<td class="zonesim-diff">{_difference(row["reform"] - row["baseline"], o.unit)}</td>'
        tip = html.escape(f"{o.description} ({name})")
        title = f'<th title="{tip}">{html.escape(o.label)}, {html.escape(o.unit)} {html.escape(o.label_zh)}</th>'
        rows.append(f"<tr>{title}{cells}</tr>")
    return f'<table class="zonesim-table"><tr><th></th>{head}</tr>{"".join(rows)}</table>'


def _number(value, unit: str = "") -> str:
    if pd.isna(value):
        return "–"
    if unit.startswith("share"):  # a share 0-1, shown as a percentage of it
        return f"{100 * value:.1f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _difference(value, unit: str = "") -> str:
    """A signed difference; a share's in percentage points."""
    if pd.isna(value):
        return "–"
    if unit.startswith("share"):
        return f"{100 * value:+.1f} pt"
    return f"{value:+,.0f}" if float(value).is_integer() else f"{value:+,.1f}"


@solara.component
def ScoreboardPanel(pair: DemoPair):
    """Where the two runs stand this month."""
    update_counter.get()
    with solara.Card(f"Month {pair.date} — scoreboard 对比", classes=["zonesim-scoreboard"]):
        solara.HTML(tag="div", unsafe_innerHTML=scoreboard_html(pair))
        for note in pair.settings.notes:
            solara.Warning(note, dense=True)


@solara.component
def EventFeedPanel(pair: DemoPair, height: str = FEED_HEIGHT):
    """The reform's (and baseline's) zone events, newest first."""
    update_counter.get()
    items = feed(pair)
    scroll = {"max-height": height, "overflow-y": "auto", "gap": "2px"}
    with solara.Card(f"Event feed 事件 — {len(items)} so far", classes=["zonesim-feed"]), solara.Column(style=scroll):
        if not items:
            solara.Text(
                "No zone event yet: press +1 month, +1 year or ▶ Play. "
                "Consolidation, rankings and closures appear here as they happen."
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


OCTET_STREAM = "application/octet-stream"
"""Solara's default MIME type of a download (Parquet has no registered one)."""


def downloads(pair: DemoPair) -> list[tuple[Callable[[], bytes], str, str, str]]:
    """What the export panel offers: (bytes, file-name suffix, label, MIME type) for each file."""
    csv = "text/csv"
    return [
        (lambda: pair.csv_bytes("monthly"), "monthly.csv", "Monthly series (CSV)", csv),
        (lambda: pair.units_csv_bytes("monthly"), "monthly_units.csv", "Units of the monthly series (CSV)", csv),
        (lambda: pair.parquet_bytes("monthly"), "monthly.parquet", "Monthly series (Parquet)", OCTET_STREAM),
        (lambda: pair.csv_bytes("zones_yearly"), "zones_yearly.csv", "Zones by year (CSV)", csv),
        (lambda: pair.csv_bytes("zone_events"), "zone_events.csv", "Zone events (CSV)", csv),
        (lambda: figure_png(outcome_figure(pair)), "charts.png", "Charts (PNG)", "image/png"),
    ]


@solara.component
def ExportPanel(pair: DemoPair):
    """Download this run's data and the outcome charts."""
    update_counter.get()
    stem = f"zonesim_seed{pair.settings.seed}_{pair.date.replace(' ', '_')}"
    with solara.Card("Export 导出", classes=["zonesim-export"]), solara.Row(style={"flex-wrap": "wrap"}):
        for data, suffix, label, mime in downloads(pair):
            solara.FileDownload(data, filename=f"{stem}_{suffix}", label=label, mime_type=mime)


HOW_TO = (
    "<b>How to use 使用方法.</b> Set the reform's controls on the left, then press <b>Reset</b> (重置) "
    "to build a new pair of runs with them. <b>+1 month</b> and <b>+1 year</b> advance both runs, "
    "<b>Run to end</b> goes to the last month, <b>▶ Play</b> plays month by month until paused. "
    "Both runs use the same seed, so every difference between the solid (reform) and "
    "the dashed (baseline) lines comes from the reform's policies. Classroom exercises: docs/teaching.md."
)

TEXT_FONT = f"Roboto, '{assets.FONT_FAMILY}', sans-serif"
"""Latin text in Vuetify's Roboto, Chinese in the bundled Noto Sans SC (:mod:`sim.demo.assets`):
the same glyphs on every machine, with or without a CJK system font."""

STYLE = (
    f'@import url("{assets.FONT_CSS}");\n'
    f".v-application, .v-application .text-h6, .v-application .v-card__title {{ font-family: {TEXT_FONT} !important; }}"
    + """
.zonesim-table { border-collapse: collapse; font-size: 0.9em; width: 100%; }
.zonesim-table th, .zonesim-table td { padding: 3px 8px; border-bottom: 1px solid #eeeeee; }
.zonesim-table td { text-align: right; font-variant-numeric: tabular-nums; }
.zonesim-table tr > th:first-child { text-align: left; font-weight: normal; }
/* Show every slider's value, not only while it is dragged */
.v-slider__thumb-label-container { display: block !important; }
.v-slider__thumb-label { transform: translateY(-20%) translateY(-12px) translateX(-50%) rotate(45deg) !important; }
.v-slider { margin-top: 22px; }
"""
)
"""Page styles: the bundled Chinese font, the scoreboard table, and slider values always visible (a
classroom reads them)."""


@solara.component
def ProjectorView(pair: DemoPair, pinned: pd.DataFrame | None = None):
    """One screen for a projected class (1366×768): the reform's map over the event feed on the left,
    the four outcome charts (each with its reform − baseline strip) over the scoreboard on the right;
    no help text or downloads."""
    counter = update_counter.get()
    layout = solara.use_memo(lambda: county_layout(pair.reform.region), [pair])
    charts = solara.use_memo(
        lambda: outcome_chart(pair, size=PROJECTOR_CHART_SIZE, compact=True, pinned=pinned),
        [pair, counter, id(pinned)],
    )
    with solara.Row(gap="8px", style={"flex-wrap": "nowrap", "align-items": "flex-start"}):
        with solara.Column(gap="8px", style={"flex": f"0 0 {PROJECTOR_LEFT_WIDTH}", "max-width": PROJECTOR_LEFT_WIDTH}):
            with solara.Card(classes=["zonesim-region"], margin=0):
                VegaChart(region_charts(pair, layout, runs=("reform",), height=PROJECTOR_MAP_HEIGHT))
            EventFeedPanel(pair, height=PROJECTOR_FEED_HEIGHT)
        with solara.Column(gap="8px", style={"flex": "1 1 auto", "min-width": "0"}):
            with solara.Card(classes=["zonesim-outcomes"], margin=0):
                VegaChart(charts)
            ScoreboardPanel(pair)


PROJECTOR_STYLE = """
.zonesim-projector .v-card__title { font-size: 1rem; padding: 6px 12px; line-height: 1.3; }
.zonesim-projector .v-card__text, .zonesim-projector .v-card { padding-top: 0; }
.zonesim-projector .zonesim-table th, .zonesim-projector .zonesim-table td { padding: 1px 6px; }
.zonesim-projector .zonesim-table { font-size: 0.75em; }
"""
"""Tighter cards and table in the projector view."""


@solara.component
def Dashboard(pair: DemoPair, projector: bool = False, pinned: pd.DataFrame | None = None):
    """The main area: help, scoreboard and feed, the maps, the charts, export; or, for a projected
    class, :class:`ProjectorView`.  ``pinned``: a pinned run's series, drawn as a ghost line.
    After each redraw it ends the timing of the press that caused it (:mod:`sim.demo.timing`)."""
    update_counter.get()  # redrawn with its panels after every move, so the effect below sees each press

    def end_press() -> None:  # an effect returns nothing (what it returns would be its clean-up)
        timing.finish(pair)

    solara.use_effect(end_press, dependencies=None)
    solara.Style(STYLE)
    if projector:
        solara.Style(PROJECTOR_STYLE)
        with solara.Column(classes=["zonesim-projector"], gap="8px"):
            ProjectorView(pair, pinned)
        return
    solara.HTML(tag="p", unsafe_innerHTML=HOW_TO, style={"font-size": "0.9em", "margin": "0 8px"})
    with solara.Columns([5, 4]):
        ScoreboardPanel(pair)
        EventFeedPanel(pair)
    RegionPanel(pair)
    OutcomePanel(pair, pinned)
    ExportPanel(pair)
