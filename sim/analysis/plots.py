"""Figures for the notebooks and the report, drawn on matplotlib's Agg canvas (no pyplot state).

Figures are shown in notebooks as PNG images (:func:`show`, :func:`show_file`), so a notebook's
saved outputs hold the pictures themselves; the report embeds the same PNG bytes as base64.
Text in figures is ASCII (亿 yuan is "100M yuan", 万 yuan "10k yuan"): no CJK font is needed.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.plotting import ascii_unit, colors, mean_bands  # noqa: F401 - ascii_unit, colors: part of this module

DPI = 110
MAX_LINES = 12
"""At most this many labelled lines in one panel; the rest are drawn grey, unlabelled."""
_CJK = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+")


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    return buf.getvalue()


def show(fig: Figure) -> None:
    """Display a figure in a notebook as a PNG image (kept in the notebook's outputs)."""
    from IPython.display import Image, display

    display(Image(data=png_bytes(fig), format="png"))


def show_file(path: Path) -> None:
    """Display a PNG file written by an experiment (e.g. ``aggregate/figures/effects.png``)."""
    from IPython.display import Image, display

    display(Image(filename=str(path)))


def band_panel(ax, frame: pd.DataFrame, x: str, y: str, by: str, level: float) -> None:
    """Mean of ``y`` over ``x`` per value of ``by`` (across seeds), with its t-interval as a band."""
    labels = list(dict.fromkeys(frame[by]))
    mean_bands(ax, frame, x, y, by, labels, colors(labels), level)
    ax.legend(fontsize="small", frameon=False)


def effect_bars(table: pd.DataFrame, *, label: str, value: str, low: str, high: str, title: str, xlabel: str) -> Figure:
    """Horizontal points with interval error bars (one row per ``label``), zero marked."""
    fig = Figure(figsize=(8, 0.45 * len(table) + 1.4), layout="constrained")
    ax = fig.subplots()
    pos = np.arange(len(table))[::-1]
    x = table[value].to_numpy(float)
    lo = np.nan_to_num(x - table[low].to_numpy(float))
    hi = np.nan_to_num(table[high].to_numpy(float) - x)
    ax.errorbar(x, pos, xerr=[lo, hi], fmt="o", capsize=3, color="C0")
    ax.axvline(0.0, color="grey", lw=0.8, ls="--")
    ax.set_yticks(pos, [ascii_label(t) for t in table[label]], fontsize="small")
    ax.set(title=title, xlabel=xlabel)
    return fig


def ascii_label(text: str) -> str:
    """A label without its Chinese terms (figure fonts lack CJK glyphs): ``"regional assessment (区域评)"``
    → ``"regional assessment"``."""
    text = _CJK.sub("", str(text))
    text = re.sub(r"\(\s*[,:;]?\s*", "(", text)
    text = re.sub(r"\s*\(\s*\)", "", text)
    return re.sub(r"\s+([,;:)])", r"\1", text).strip()


def lines_by(
    frame: pd.DataFrame, x: str, y: str, by: str, *, title: str, ylabel: str, highlight: list[str] | None = None
) -> Figure:
    """One line per value of ``by`` (e.g. a zone's trajectory over years); at most :data:`MAX_LINES`
    labelled (``highlight`` first, then the largest final values), the rest grey."""
    fig = Figure(figsize=(11, 5.5), layout="constrained")
    ax = fig.subplots()
    last = frame.sort_values(x).groupby(by)[y].last().sort_values(ascending=False)
    chosen = list(dict.fromkeys([*(highlight or []), *last.index]))[:MAX_LINES]
    palette = colors(chosen)
    for name, sub in frame.sort_values(x).groupby(by):
        if name in palette:
            ax.plot(sub[x], sub[y], lw=1.8, color=palette[name], label=str(name), marker="o", ms=3)
        else:
            ax.plot(sub[x], sub[y], lw=0.8, color="0.75")
    ax.set(title=title, xlabel=x, ylabel=ylabel)
    ax.legend(fontsize="x-small", frameon=False, ncol=2)
    return fig


def stacked_bars(table: pd.DataFrame, label: str, parts: list[str], *, title: str, xlabel: str) -> Figure:
    """Horizontal stacked bars: one bar per row (``label``), one segment per column of ``parts``."""
    fig = Figure(figsize=(10, 0.5 * len(table) + 1.8), layout="constrained")
    ax = fig.subplots()
    pos = np.arange(len(table))[::-1]
    left = np.zeros(len(table))
    for i, part in enumerate(parts):
        values = table[part].to_numpy(float)
        ax.barh(pos, values, left=left, color=f"C{i}", label=ascii_label(part))
        left += np.nan_to_num(values)
    ax.set_yticks(pos, [ascii_label(t) for t in table[label]], fontsize="small")
    ax.set(title=title, xlabel=xlabel)
    ax.legend(fontsize="small", frameon=False, loc="lower right")
    return fig


def grouped_bars(
    frame: pd.DataFrame,
    category: str,
    series: str,
    value: str,
    *,
    panel: str,
    title: str,
    ylabel: str,
    percent: bool = False,
    markers: dict[str, float] | None = None,
    marker_label: str = "",
    order: list[str] | None = None,
) -> Figure:
    """Vertical grouped bars: one panel per value of ``panel`` (e.g. a year), ``category`` on the x axis
    (in the order of its first appearance, or its categorical order), one bar per ``series`` value;
    ``percent`` shows shares 0–1 as percent; ``markers`` (category → value) are drawn as black diamonds
    labelled ``marker_label`` (e.g. a fact from the literature); ``order`` fixes the categories shown
    and their order.  The legend is below the panels."""
    panels = sorted(frame[panel].unique())
    if order is not None:
        cats = [c for c in order if c in set(frame[category])]
    elif isinstance(frame[category].dtype, pd.CategoricalDtype):
        cats = list(frame[category].cat.categories)
    else:
        cats = list(dict.fromkeys(frame[category]))
    names = list(dict.fromkeys(frame[series]))
    palette = colors(names)
    scale = 100.0 if percent else 1.0
    fig = Figure(figsize=(max(8.0, 0.6 * len(cats) * len(panels) + 3), 4.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(panels), sharey=True, squeeze=False)[0])
    width = 0.8 / max(len(names), 1)
    x = np.arange(len(cats))
    for ax, p in zip(axes, panels):
        sub = frame[frame[panel] == p]
        for i, name in enumerate(names):
            values = sub[sub[series] == name].set_index(category)[value].reindex(cats).to_numpy(float) * scale
            ax.bar(x - 0.4 + width * (i + 0.5), values, width, color=palette[name], label=ascii_label(name))
        if markers:
            pos = [cats.index(c) for c in markers if c in cats]
            ax.plot(pos, [markers[cats[i]] * scale for i in pos], "kD", ms=7, label=marker_label or None)
        ax.set_xticks(
            x,
            [ascii_label(c) for c in cats],
            rotation=30 if len(cats) > 6 else 0,
            ha="right" if len(cats) > 6 else "center",
            fontsize="small",
        )
        ax.set(title=f"{p}", xlabel=ascii_label(category.replace("_", " ")))
    axes[0].set_ylabel(ylabel)
    handles, labels = axes[-1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 3), fontsize="small", frameon=False)
    fig.suptitle(title)
    return fig
