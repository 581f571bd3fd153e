"""The tables of an aggregation as text: Markdown of the summary and effects tables, the header
that says what was found, the outcome glossary, the failures list."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.experiments.aggregate.outcomes import OUTCOMES, RECENT_FROM
from sim.formatting import fmt_number, fmt_value, interval_text


def effects_markdown(effects: pd.DataFrame, level: float = 0.95) -> str:
    """The effects table as Markdown (one row per group and outcome)."""
    if effects.empty:
        return "_No group to compare with the reference._\n"
    pct = round(level * 100)
    t = pd.DataFrame(
        {
            "group": effects["group"],
            "outcome": effects["outcome"].map(lambda o: OUTCOMES[o].label),
            "unit": effects["unit"],
            "pairs": effects["n_pairs"],
            "reference": effects["ref_mean"].map(fmt_number),
            "group mean": effects["group_mean"].map(fmt_number),
            "difference": effects["diff_mean"].map(fmt_number),
            f"{pct}% CI": [interval_text(lo, hi) for lo, hi in zip(effects["ci_low"], effects["ci_high"])],
            "relative": effects["rel_diff_pct"].map(lambda v: "–" if not np.isfinite(v) else f"{v:+.2f}%"),
        }
    )
    return markdown_table(t, right={"pairs", "reference", "group mean", "difference", "relative"})


def summary_markdown(summary: pd.DataFrame, level: float = 0.95) -> str:
    """The summary table as Markdown, outcomes in the order of :data:`OUTCOMES`, groups within."""
    pct = round(level * 100)
    t = pd.DataFrame(
        {
            "outcome": summary["outcome"].map(lambda o: OUTCOMES[o].label),
            "unit": summary["unit"],
            "group": summary["group"],
            "runs": summary["n_runs"],
            "mean": summary["mean"].map(fmt_number),
            f"{pct}% CI": [interval_text(lo, hi) for lo, hi in zip(summary["ci_low"], summary["ci_high"])],
            "sd": summary["sd"].map(fmt_number),
        }
    )
    return markdown_table(t, right={"runs", "mean", "sd"})


def markdown_table(table: pd.DataFrame, right: set[str]) -> str:
    """``table`` (numbers already formatted as text) as a Markdown table; ``right`` columns right-aligned."""
    align = ["right" if c in right else "left" for c in table.columns]
    return table.astype(str).to_markdown(index=False, disable_numparse=True, colalign=align) + "\n"


def header(meta: dict) -> str:
    fixed = ", ".join(f"`{k}={fmt_value(v)}`" for k, v in meta["fixed_overrides"].items()) or "none"
    lines = [
        (
            f"Experiment `{meta['exp_dir']}`: {meta['n_runs']} complete runs in {len(meta['groups'])} groups, "
            f"{meta['n_incomplete']} incomplete run folders ignored, {meta['n_failures']} failed runs."
        ),
        "",
        f"- grouping keys: {', '.join(f'`{k}`' for k in meta['group_keys'])}",
        f"- swept parameters: {', '.join(f'`{k}`' for k in meta['swept']) or 'none'}",
        f"- fixed overrides: {fixed}",
        f"- seeds: {', '.join(map(str, meta['seeds']))}",
        f'- approvals "2019+": applied from {RECENT_FROM} on; latency in calendar days',
        "",
    ]
    return "\n".join(lines)


def outcome_glossary() -> str:
    rows = [f"- **{o.label}** (`{k}`, {o.unit}): {o.description}" for k, o in OUTCOMES.items()]
    return "\nOutcomes:\n\n" + "\n".join(rows) + "\n"


def failures_text(fails: pd.DataFrame) -> str:
    t = fails.assign(error=fails["error"].map(lambda e: (str(e).strip().splitlines() or [""])[0][:120]))
    return f"{len(fails)} failed run(s):\n\n" + markdown_table(t, right=set())
