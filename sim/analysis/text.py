"""Numbers in plain-language sentences, so that the prose of notebooks and reports is computed.

A paired effect (one row of ``effects.csv`` or of :func:`sim.analysis.levers.main_effects`)
becomes e.g. "lowers the mean approval latency by 148 calendar days (95% CI 145 to 152;
−31.6% of the reference 469.8)"; an interval that contains 0 is said to be "not
distinguishable from zero" with the number of seed pairs behind it.
"""

from __future__ import annotations

import math
from typing import Any

from sim.formatting import fmt_number

__all__ = ["change_phrase", "ci_text", "is_clear", "is_share", "num", "quantity", "share", "signed", "signed_pct"]


def num(value: Any) -> str:
    """A number as shown to readers: 4 significant digits, thousands separators, '–' for missing."""
    return fmt_number(value)


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def signed_pct(value: Any) -> str:
    """A relative change in percent with its sign (``+3.4%``); '–' when missing."""
    if not _finite(value):
        return "–"
    v = float(value)
    return f"{signed(float(f'{v:.2g}') if abs(v) < 1 else round(v, 1))}%"


def share(value: Any) -> str:
    """A share 0–1 as a percentage (``0.0352`` → ``3.5%``)."""
    return f"{100 * float(value):.1f}%" if _finite(value) else "–"


def ci_text(low: Any, high: Any, level: float) -> str:
    """``95% CI 145 to 152`` (or 'no interval' when there are too few pairs for one)."""
    if not (_finite(low) and _finite(high)):
        return "no interval: too few pairs"
    return f"{round(level * 100)}% CI {signed(low)} to {signed(high)}"


def is_clear(low: Any, high: Any) -> bool:
    """True when the interval excludes 0: the sign of the difference is clear at that level."""
    return _finite(low) and _finite(high) and (float(low) > 0 or float(high) < 0)


def is_share(unit: str) -> bool:
    """Whether values in ``unit`` are shares 0–1 (written as percentages / percentage points)."""
    return str(unit).startswith("share")


def quantity(value: Any, unit: str) -> str:
    """A level in its unit: ``0.0352`` share → ``3.52%``; ``73373`` 亿 yuan → ``73,373 亿 yuan``."""
    if is_share(unit):
        return f"{100 * float(value):.2f}%" if _finite(value) else "–"
    return f"{num(value)} {unit}"


def change_phrase(
    diff: Any, low: Any, high: Any, unit: str, level: float, *, rel_pct: Any = None, pairs: Any = None
) -> str:
    """ "raises it (+X unit, CI; relative)" / "lowers it (…)" / "changes it … not distinguishable from zero".

    The verb carries the direction only when the interval excludes zero; otherwise the sentence
    says the difference is not distinguishable from zero with ``pairs`` seed pairs.  Differences
    of shares are in percentage points.
    """
    if not _finite(diff):
        return "cannot be estimated (no complete pairs)"
    scale, shown_unit = (100.0, "percentage points") if is_share(unit) else (1.0, unit)
    rel = f"; {signed_pct(rel_pct)} of the reference" if _finite(rel_pct) else ""
    interval = ci_text(float(low) * scale, float(high) * scale, level)
    size = f"{signed(float(diff) * scale)} {shown_unit}"
    if float(diff) == 0 and float(low) == 0 and float(high) == 0:
        return "is identical in every pair of runs (difference exactly 0)"
    if is_clear(low, high):
        verb = "raises it" if float(diff) > 0 else "lowers it"
        return f"{verb} ({size}, {interval}{rel})"
    with_pairs = f" with {int(pairs)} seed pairs" if _finite(pairs) else ""
    return f"changes it by {size} ({interval}{rel}), not distinguishable from zero{with_pairs}"


def headline_change(diff: Any, low: Any, high: Any, unit: str, rel_pct: Any = None) -> str:
    """A difference for a headline box, to three significant digits: ``−107 working days
    [−109, −105] (−48%)``; shares as percentage points."""
    if not _finite(diff):
        return "cannot be estimated (no run pair has a value)"
    scale, shown_unit = (100.0, "percentage points") if is_share(unit) else (1.0, unit)

    def three(v: Any) -> str:
        if not _finite(v):
            return "–"
        v = float(f"{float(v) * scale:.3g}")
        return signed(v) if v else "0"

    rel = f" ({signed_pct(rel_pct)})" if _finite(rel_pct) else ""
    return f"{three(diff)} {shown_unit} [{three(low)}, {three(high)}]{rel}"


def signed(value: Any) -> str:
    """A difference with its sign: ``+1,749``, ``−375.1``."""
    if not _finite(value):
        return "–"
    shown = num(abs(float(value)))
    return f"+{shown}" if float(value) > 0 else (f"−{shown}" if float(value) < 0 else "0")
