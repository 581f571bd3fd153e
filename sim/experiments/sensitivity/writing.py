"""Writing the results: the report of an analysis, ``indices.md`` and the figures."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.experiments.sensitivity.design import Design
from sim.experiments.sensitivity.registry import MORRIS_COLUMNS, SOBOL_COLUMNS, get_method
from sim.formatting import fmt_short
from sim.layout import FIGURES_DIR, INDICES
from sim.plotting import latin_text


@dataclass
class Report:
    """Result of :func:`analyse_experiment`."""

    indices: pd.DataFrame
    analysed: list[str]
    skipped: dict[str, str]  # outcome -> why it was not analysed
    failed: dict[tuple[str, int], str]
    missing: list[tuple[str, int]]
    files: list[Path]
    stale: int = 0  # runs used that were made by other model code


def rows_text(rows: list[int], limit: int = 20) -> str:
    rows = sorted(rows)
    text = ", ".join(map(str, rows[:limit]))
    return text + (f", … ({len(rows)} rows)" if len(rows) > limit else "")


def markdown(design: Design, report: Report, rows: int) -> str:
    """``indices.md``: the design, failed rows, skipped outcomes and one table per outcome."""
    what = design.scenario + (f" − {design.paired_with} (same seed)" if design.paired_with else "")
    kind = get_method(design.method)
    size = kind.size_text(design)
    lines = [
        f"# Global sensitivity: {design.method} ({size})",
        "",
        (
            f"- outcome of: **{what}**, model seed {design.seed}, "
            f"{rows} sample rows × {len(design.scenarios)} scenario(s) = {rows * len(design.scenarios)} runs"
        ),
        f"- overrides: `{' '.join(design.overrides) or '(none)'}`",
        f"- parameters: {len(design.parameters)}, uniform on their ranges; SALib sample seed {design.sample_seed}",
        f"- confidence intervals: {design.conf_level:.0%}, {design.num_resamples} bootstrap resamples",
        "",
    ]
    lines += [kind.legend, ""]
    if report.failed:
        lines += [f"**Failed runs ({len(report.failed)})**:", ""]
        lines += [
            f"- {s} row {i}: {err.splitlines()[0] if err else 'failed'}"
            for (s, i), err in sorted(report.failed.items())
        ][:50]
        lines.append("")
    not_run = [k for k in report.missing if k not in report.failed]
    if not_run:
        lines += [
            f"**Rows not run ({len(not_run)})**: "
            + "; ".join(
                f"{s}: {rows_text([i for t, i in not_run if t == s])}"
                for s in design.scenarios
                if any(t == s for t, _ in not_run)
            ),
            "",
        ]
    if report.stale:
        lines += [
            (
                f"**{report.stale} runs were made by other model code** than the current one (the model "
                "changed since); re-running the command re-runs them."
            ),
            "",
        ]
    for outcome, why in report.skipped.items():
        lines += [f"**{outcome} not analysed** (SALib needs every row): {why}", ""]
    key = kind.rank_by
    cols = list(kind.columns)
    for outcome in report.analysed:
        t = report.indices[report.indices["outcome"] == outcome].sort_values(key, ascending=False)
        lines += [
            f"## {outcome} — {design.outcomes[outcome]}",
            "",
            "| parameter | unit | range | " + " | ".join(cols) + " |",
            "|---|---|---|" + "---:|" * len(cols),
        ]
        for _, r in t.iterrows():
            lines.append(
                f"| {r['parameter']} | {r['unit']} | [{fmt_short(r['low'])}, {fmt_short(r['high'])}] | "
                + " | ".join(fmt_short(float(r[c])) for c in cols)
                + " |"
            )
        lines.append("")
    return "\n".join(lines)


def plot_indices(table: pd.DataFrame, design: Design, outcome: str, path: Path) -> Path:
    """One outcome's indices as a PNG, drawn by the design's method (:meth:`.base.Method.plot`):
    Morris, the mu*–sigma scatter beside the ranked mu* bars; Sobol, S1 and ST bars."""
    path.parent.mkdir(parents=True, exist_ok=True)
    what = design.scenario + (f" - {design.paired_with}" if design.paired_with else "")
    unit = latin_text(design.outcomes.get(outcome, "").split(" (")[0])
    title = f"{latin_text(outcome)}, {what}: {design.method}"
    get_method(design.method).plot(table, title, unit, path)
    return path


def print_report(report: Report, exp_dir: Path) -> None:
    idx = report.indices
    if len(idx):
        key = "mu_star" if "mu_star" in idx else "ST"
        show = idx.sort_values(["outcome", key], ascending=[True, False])
        cols = [c for c in ("outcome", "parameter", *MORRIS_COLUMNS, *SOBOL_COLUMNS) if c in show]
        with pd.option_context("display.width", 160, "display.max_rows", 500):
            print(show[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if report.failed:
        print("failed sample rows: " + "; ".join(f"{s} {i}" for s, i in sorted(report.failed)), file=sys.stderr)
    for outcome, why in report.skipped.items():
        print(f"not analysed: {outcome}: {why}", file=sys.stderr)
    print(f"indices: {exp_dir / INDICES}, {exp_dir / 'indices.md'}, figures in {exp_dir / FIGURES_DIR}")
