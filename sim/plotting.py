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


def colors(labels: list[str]) -> dict[str, tuple]:
    """One colour per label (tab10/tab20, viridis beyond 20)."""
    cmap = colormaps["tab10" if len(labels) <= 10 else "tab20"]
    if len(labels) <= cmap.N:
        return {g: cmap(i) for i, g in enumerate(labels)}
    viridis = colormaps["viridis"]
    return {g: viridis(i / max(len(labels) - 1, 1)) for i, g in enumerate(labels)}


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
        ax.plot(b[x], b["mean"], color=palette[label], lw=1.6, label=name(label, b))
        ok = b["low"].notna()
        if ok.any():
            ax.fill_between(b.loc[ok, x], b.loc[ok, "low"], b.loc[ok, "high"], color=palette[label], alpha=0.2, lw=0)


def save(fig: Figure, path: Path, dpi: int = 120, **kwargs: Any) -> Path:
    """Save ``fig`` to ``path`` whole or not at all (a private temporary name, then renamed);
    the format from the suffix (PNG by default)."""
    with atomic_write(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".") or "png", **kwargs)
    return path
