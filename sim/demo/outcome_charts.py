"""The dashboard's outcome charts (:mod:`sim.demo.components`): reform against baseline, with
the start of each reform policy marked.

:func:`outcome_chart` is what the page shows: a Vega-Lite chart drawn by the browser, so
that a step costs the server a small JSON document rather than a rendered image; under each
outcome, the difference reform − baseline.  :func:`outcome_figure` draws the same outcomes with
matplotlib for the PNG download.
"""

from __future__ import annotations

import io
import math

import pandas as pd
from matplotlib.figure import Figure

from sim.demo.model import OUTCOMES, RUN_LABELS, RUNS, DemoPair
from sim.demo.vega import VEGA_LITE_SCHEMA, inline_data

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
        "approval process": p.approval_process.start if p.approval_process.enabled else None,
    }
    return {name: label for name, label in starts.items() if label}


POLICY_MARKS = {
    "consolidation": "C",
    "devolution": "D",
    "assessment": "A",
    "zombie disposal": "Z",
    "approval process": "P",
}
"""The letter that labels each policy's start line on the charts (explained in the figure's title)."""

MARK_HEIGHTS = (0.97, 0.89, 0.81)
"""Heights (share of the axes) of successive start labels, staggered so that close months stay legible."""


def start_marks(pair: DemoPair) -> dict[str, str]:
    """The policy-start lines to draw: month (``YYYY-MM``) → the letters of the policies starting
    then (two policies that start in the same month share one line: "D+A")."""
    marks: dict[str, list[str]] = {}
    for name, month in policy_starts(pair).items():
        marks.setdefault(month, []).append(POLICY_MARKS[name])
    return {month: "+".join(letters) for month, letters in sorted(marks.items())}


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
        for i, (month, letters) in enumerate(start_marks(pair).items()):
            x = decimal_year(cal, cal.index(month))
            ax.axvline(x, color="#9e9e9e", lw=0.8, ls=":")
            y = MARK_HEIGHTS[i % len(MARK_HEIGHTS)]
            ax.text(x, y, f" {letters}", transform=ax.get_xaxis_transform(), va="top", fontsize=7, color="#616161")
        ax.set_xlim(start, end)
        ax.set_title(outcome.title, fontsize=11, loc="left")
        ax.set_ylabel(outcome.ylabel, fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="best", frameon=False)
    for ax in axes[len(outcomes) :]:
        ax.set_visible(False)
    starts = sorted(policy_starts(pair).items(), key=lambda item: item[1])
    marks = " · ".join(f"{POLICY_MARKS[name]} {name} {month}" for name, month in starts)
    fig.suptitle(
        f"Seed {pair.settings.seed}, {pair.date}. Dotted lines: the reform's policies start\n{marks or 'none'}",
        fontsize=9,
        color="#616161",
    )
    return fig


CHART_WIDTH = 300
"""Width of each outcome's panel in the browser, pixels."""

CHART_HEIGHT = 120
"""Height of each outcome's lines, pixels; its difference strip is a third of it."""

DIFF_COLOUR = "#6a1b9a"
"""Colour of the difference strip (reform − baseline)."""


def outcome_frame(pair: DemoPair, outcomes=OUTCOMES) -> pd.DataFrame:
    """The charts' data, long: one row per run, outcome and month (``t`` in decimal years), the
    outcome's value, and the difference reform − baseline (same month) on the reform's rows."""
    cal = pair.reform.calendar
    parts = []
    for key, run in pair.runs().items():
        mon = pd.DataFrame(run.recorder.monthly)
        if not len(mon):
            continue
        t = decimal_year(cal, mon["month"])
        for outcome in outcomes:
            parts.append(
                pd.DataFrame(
                    {
                        "run": RUN_LABELS[key].split(" ")[0],
                        "outcome": outcome.title,
                        "t": t,
                        "value": outcome.series(mon),
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=["run", "outcome", "t", "value", "difference"])
    frame = pd.concat(parts, ignore_index=True)
    wide = frame.pivot_table(index=["outcome", "t"], columns="run", values="value", dropna=False)
    diff = (wide["Reform"] - wide["Baseline"]).rename("difference").reset_index()
    return frame.merge(diff, on=["outcome", "t"], how="left")


PINNED = "Pinned"
"""The label of a pinned run on the charts: a ghost line to compare the current pair with."""

PINNED_STYLE = ("#9e9e9e", [2, 2])
"""Colour and dash of the pinned run's line."""


def pin(pair: DemoPair, outcomes=OUTCOMES) -> pd.DataFrame:
    """The reform's series of ``pair``, as the ghost line of a pinned run (:func:`outcome_chart`'s
    ``pinned``): a class pins one setting, changes a control, resets, and sees both."""
    frame = outcome_frame(pair, outcomes)
    return frame[frame["run"] == "Reform"].assign(run=PINNED, difference=float("nan")).reset_index(drop=True)


def _panel(
    outcome,
    x: dict,
    marks: list[dict],
    empty: bool,
    size: tuple[int, int],
    compact: bool,
    pinned: bool = False,
    no_difference: bool | None = None,
) -> dict:
    """One outcome: reform and baseline lines with the policy starts, and the difference strip under it
    (``empty``: no value yet, so the axes get a fixed range instead of an infinite one; ``compact``:
    no axis titles, years only under the strip, the unit in the panel's title)."""
    this = {"field": "outcome", "equal": outcome.title}
    runs = ["Reform", "Baseline"] + ([PINNED] if pinned else [])
    colours = [RUN_STYLE[k]["color"] for k in RUNS] + ([PINNED_STYLE[0]] if pinned else [])
    dashes = [[1, 0], [5, 3]] + ([PINNED_STYLE[1]] if pinned else [])
    legend = {"title": None, "orient": "top-left"}  # one legend for colour and dash (the same field)
    fixed = {"domain": [0, 1]} if empty else {}
    # the strip has no value until the pair has run a month (a pinned run may have lines before that)
    strip_fixed = {"domain": [0, 1]} if (empty if no_difference is None else no_difference) else {}
    y_title = None if compact else outcome.unit
    top_x = {**x, "axis": None} if compact else x
    lines = {
        "transform": [{"filter": this}],
        "mark": {"type": "line", "strokeWidth": 1.8},
        "encoding": {
            "x": top_x,
            "y": {"field": "value", "type": "quantitative", "title": y_title, "scale": {"zero": False, **fixed}},
            "color": {
                "field": "run",
                "type": "nominal",
                "scale": {"domain": runs, "range": colours},
                "legend": legend,
            },
            "strokeDash": {
                "field": "run",
                "type": "nominal",
                "scale": {"domain": runs, "range": dashes},
                "legend": legend,
            },
            "tooltip": [
                {"field": "run", "type": "nominal"},
                {"field": "t", "type": "quantitative", "format": ".2f", "title": "year"},
                {"field": "value", "type": "quantitative", "format": ",.1f"},
            ],
        },
    }
    layers = [lines]
    if marks:
        layers.append(
            {
                "data": {"values": marks},
                "mark": {"type": "rule", "color": "#9e9e9e", "strokeDash": [2, 2]},
                "encoding": {"x": x},
            }
        )
        layers.append(
            {
                "data": {"values": marks},
                "mark": {
                    "type": "text",
                    "align": "left",
                    "baseline": "top",
                    "dx": 2,
                    "dy": 2,
                    "fontSize": 9,
                    "color": "#616161",
                },
                "encoding": {"x": x, "y": {"value": 0}, "text": {"field": "label", "type": "nominal"}},
            }
        )
    strip = {
        "transform": [{"filter": this}, {"filter": {"field": "run", "equal": "Reform"}}],
        "mark": {
            "type": "area",
            "color": DIFF_COLOUR,
            "opacity": 0.5,
            "line": {"color": DIFF_COLOUR, "strokeWidth": 1},
        },
        "encoding": {
            "x": x,
            "y": {
                "field": "difference",
                "type": "quantitative",
                "title": None if compact else "reform − baseline",
                "scale": strip_fixed,
                **({"axis": {"tickCount": 2}} if compact else {}),
            },
            "tooltip": [
                {"field": "t", "type": "quantitative", "format": ".2f", "title": "year"},
                {"field": "difference", "type": "quantitative", "format": ",.1f"},
            ],
        },
        "width": size[0],
        "height": size[1] // 3,
    }
    title = outcome.short if compact else f"{outcome.title} {outcome.name_zh}"
    top = {"title": title, "layer": layers, "width": size[0], "height": size[1]}
    for layer in layers[1:]:  # the policy-start rules and labels follow the panel's axis
        layer["encoding"]["x"] = top_x
    return {"vconcat": [top, strip], "spacing": 2}


def outcome_chart(
    pair: DemoPair,
    outcomes=OUTCOMES,
    ncols: int = 2,
    size: tuple[int, int] = (CHART_WIDTH, CHART_HEIGHT),
    compact: bool = False,
    pinned: pd.DataFrame | None = None,
) -> dict:
    """The four outcome charts for the browser, as a Vega-Lite spec: per outcome, reform (solid) and
    baseline (dashed) with the policy starts marked, and under it the difference reform − baseline.

    Written as a plain dict, not with Altair: Altair's concatenation deep-copies every sub-chart
    (0.4 s a redraw here), the dict takes milliseconds.  The data sit once at the top; each panel
    filters its outcome.  ``size``: width and height of each outcome's lines, pixels; ``compact``
    (the projector view): no axis titles, fewer ticks, smaller titles; ``pinned``: a pinned run's
    series (:func:`pin`), drawn as a grey dotted line."""
    cal = pair.reform.calendar
    domain = [cal.year(0), cal.year(cal.n_months - 1) + 1]
    x = {
        "field": "t",
        "type": "quantitative",
        "title": None,
        "scale": {"domain": domain},
        "axis": {"format": "d", "tickCount": 4 if compact else 8},
    }
    marks = [
        {"t": decimal_year(cal, cal.index(month)), "label": letters} for month, letters in start_marks(pair).items()
    ]
    data = outcome_frame(pair, outcomes)
    has_pin = pinned is not None and len(pinned) > 0
    if has_pin:
        data = pd.concat([data, pinned], ignore_index=True)
    data = data.dropna(subset=["value"])  # no latency before the first approval
    shown = set(data["outcome"])
    differences = set(data.loc[data["difference"].notna(), "outcome"])
    panels = [
        _panel(
            outcome,
            x,
            marks,
            empty=outcome.title not in shown,
            size=size,
            compact=compact,
            pinned=has_pin,
            no_difference=outcome.title not in differences,
        )
        for outcome in outcomes
    ]
    gap = 12 if compact else 24
    return {
        "$schema": VEGA_LITE_SCHEMA,
        "data": inline_data(data),
        "vconcat": [{"hconcat": panels[i : i + ncols], "spacing": gap} for i in range(0, len(panels), ncols)],
        "spacing": 8 if compact else 14,
        "config": {"view": {"stroke": None}, "title": {"fontSize": 10 if compact else 12, "anchor": "start"}},
    }


def figure_png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150)
    return buf.getvalue()
