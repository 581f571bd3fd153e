"""The dashboard's outcome charts (:mod:`sim.demo.components`): reform against baseline, with
the start of each reform policy marked."""

from __future__ import annotations

import io
import math

import pandas as pd
from matplotlib.figure import Figure

from sim.demo.model import OUTCOMES, RUN_LABELS, RUNS, DemoPair

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


def figure_png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150)
    return buf.getvalue()
