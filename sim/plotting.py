"""Shared helpers of the figures (experiments, analysis): ASCII labels, group colours, mean bands,
saving a figure whole.  Figures are drawn on matplotlib's Agg canvas (no pyplot state); their
text is ASCII (亿 yuan is written "100M yuan", 万 yuan "10k yuan") so that no CJK font is needed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure

from sim.experiments.stats import mean_ci_by
from sim.runner.files import atomic_write


def ascii_unit(unit: str) -> str:
    """A unit without CJK characters, for figure labels."""
    return unit.replace("亿 yuan", "100M yuan").replace("万 yuan", "10k yuan")


def latin_text(text: str) -> str:
    """Plot text (an outcome name or unit) without CJK glyphs (the default fonts lack them)."""
    for zh, en in (
        ("_亿", " (100M yuan)"),
        ("亿 yuan", "100M yuan"),
        ("万 yuan", "10k yuan"),
        ("亿", "100M"),
        ("万", "10k"),
    ):
        text = text.replace(zh, en)
    return text


SCENARIO_COLORS: dict[str, str] = {
    "baseline": "black",
    "consolidation": "tab:blue",
    "devolution": "tab:orange",
    "approval_reform": "tab:green",
    "assessment": "tab:purple",
    "zombie_disposal": "tab:brown",
    "full_reform": "tab:red",
}
"""The one palette of the scenarios (``configs/scenario/``): a scenario has its colour in every
figure, notebook and report, whichever others are drawn with it; the baseline is black and dashed
(:func:`line_style`) and drawn on top."""

REFERENCE = "baseline"

SCENARIO_ORDER = ("full_reform", "consolidation", "devolution", "approval_reform", "assessment", "zombie_disposal")
"""The order groups are shown in (tables, the report's answer): the full reform first, then each
policy family alone, the reference last; groups of other scenarios after these, as found."""


def group_rank(label: str) -> int:
    """Sort key of a group label by :data:`SCENARIO_ORDER` (stable among groups of one scenario)."""
    scenario = scenario_of(label)
    if scenario in SCENARIO_ORDER:
        return SCENARIO_ORDER.index(scenario)
    return len(SCENARIO_ORDER) + (1 if scenario == REFERENCE else 0)


def scenario_of(label: str) -> str:
    """The scenario of a group label (``"full_reform, powers=37"`` → ``"full_reform"``)."""
    return str(label).split(",", 1)[0].strip()


def colors(labels: list[str]) -> dict[str, tuple | str]:
    """One colour per label.  When each label is a different scenario of :data:`SCENARIO_COLORS`,
    the scenario's own colour; otherwise (groups of one scenario differing by a swept parameter,
    zones, levers) tab10/tab20 in the labels' order, viridis beyond 20."""
    scenarios = [scenario_of(g) for g in labels]
    if all(s in SCENARIO_COLORS for s in scenarios) and len(set(scenarios)) == len(scenarios):
        return {g: SCENARIO_COLORS[s] for g, s in zip(labels, scenarios)}
    cmap = colormaps["tab10" if len(labels) <= 10 else "tab20"]
    if len(labels) <= cmap.N:
        return {g: cmap(i) for i, g in enumerate(labels)}
    viridis = colormaps["viridis"]
    return {g: viridis(i / max(len(labels) - 1, 1)) for i, g in enumerate(labels)}


FAMILY_SCENARIO = {"approval_process": "approval_reform"}
"""A policy family of the decomposition whose scenario has another name (the others share theirs)."""


def family_color(family: str, fallback: str) -> str:
    """A policy family's colour in the decomposition: the colour of the scenario that runs it alone."""
    return SCENARIO_COLORS.get(FAMILY_SCENARIO.get(family, family), fallback)


def line_style(label: str) -> dict[str, Any]:
    """Line settings of a group: the baseline dashed and above the others, the rest solid."""
    if scenario_of(label) == REFERENCE:
        return {"ls": "--", "lw": 1.8, "zorder": 3}
    return {"ls": "-", "lw": 1.6, "zorder": 2}


def mean_bands(
    ax,
    frame: pd.DataFrame,
    x: str,
    y: str,
    by: str,
    labels: list,
    palette: dict,
    level: float,
    name: Callable[[Any, pd.DataFrame], str] = lambda label, band: str(label),
) -> None:
    """Mean of ``y`` over ``x`` per value of the column ``by`` (one line per label of ``labels``,
    across seeds) with its t-interval at ``level`` as a band; ``name(label, band)`` is the line's
    legend text."""
    for label in labels:
        sub = frame[frame[by] == label]
        if sub.empty:
            continue
        b = mean_ci_by(sub, x, y, level)
        ax.plot(b[x], b["mean"], color=palette[label], label=name(label, b), **line_style(label))
        ok = b["low"].notna()
        if ok.any():
            ax.fill_between(b.loc[ok, x], b.loc[ok, "low"], b.loc[ok, "high"], color=palette[label], alpha=0.2, lw=0)


def save(fig: Figure, path: Path, dpi: int = 120, **kwargs: Any) -> Path:
    """Save ``fig`` to ``path`` whole or not at all (a private temporary name, then renamed);
    the format from the suffix (PNG by default)."""
    with atomic_write(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".") or "png", **kwargs)
    return path
