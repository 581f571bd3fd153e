"""Numbers and values as text, for Markdown tables, reports and figure labels (one place for all)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def fmt_number(v: Any) -> str:
    """A number for a Markdown table: 4 significant digits, thousands separators, '–' for NaN."""
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "–"
    v = float(v)
    if v == 0:
        return "0"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"


def fmt_short(v: Any) -> str:
    """A compact number (3 significant digits below 10⁴, whole thousands-separated above); ''
    for a non-finite float; anything else as ``str``."""
    if isinstance(v, float):
        if not math.isfinite(v):
            return ""
        return f"{v:.3g}" if abs(v) < 1e4 else f"{v:,.0f}"
    return str(v)


def fmt_value(v: Any) -> str:
    """A parameter value in a label: '-' for missing, whole floats without '.0'."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "-"
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def interval_text(lo: float, hi: float) -> str:
    """An interval ``[lo, hi]`` of :func:`fmt_number` numbers."""
    return f"[{fmt_number(lo)}, {fmt_number(hi)}]"
