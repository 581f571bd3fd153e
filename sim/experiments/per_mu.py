"""``zonesim-per-mu <experiment folder>``: output and tax per mu, two ways, with the decomposition.

For every scenario in the folder's complete runs (:func:`sim.experiments.aggregate.discover_runs`),
the yearly means over seeds (95% t-intervals where there is more than one seed) of output and tax
per mu under the fixed 2017 and the assessment definitions, and of the parts of the assessment
measure's change since 2017 (definition, within-firm, composition and its parts):
:func:`sim.analysis.per_mu.per_mu` of each run's ``land_yearly`` and ``zones_yearly`` tables.

Writes ``per_mu.csv`` (long: scenario, year, column, mean, low, high, n), ``per_mu.md`` and the
figure ``per_mu.png`` into ``<folder>/per_mu/``, each whole (written under a temporary name, then
renamed).  Exits non-zero if a run could not be read or no run has a ``land_yearly`` table.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.per_mu import BASE_YEAR, COMPOSITION_PARTS, MEASURES, PER_MU_COLUMNS, per_mu
from sim.experiments.aggregate import damaged_runs, discover_runs
from sim.experiments.stats import mean_ci_by

log = logging.getLogger(__name__)

FIRST_YEAR, LAST_YEAR = 2015, 2030
"""The years reported (those a default run covers; years a run lacks are left out)."""

FIGURE_SCENARIOS = ("baseline", "full_reform")
"""Scenarios drawn in the figure, where the folder has them (else the folder's first two)."""

SUMMARY_COLUMNS = [
    f"{m}_{c}"
    for m in MEASURES
    for c in ("per_mu_fixed", "per_mu_assessment", "change", "definition", "within", "composition")
]
"""Columns of the Markdown summary (the CSV has all of :data:`PER_MU_COLUMNS`)."""


def run_table(path: Path) -> pd.DataFrame:
    """:func:`per_mu` of one run folder."""
    return per_mu(
        pd.read_parquet(path / "land_yearly.parquet"), pd.read_parquet(path / "zones_yearly.parquet"), BASE_YEAR
    )


def collect(exp: Path) -> tuple[pd.DataFrame, list[str]]:
    """Per run and year, the per-mu table with ``scenario`` and ``seed``; and the runs that failed."""
    records, _ = discover_runs(exp)
    frames, failed = [], damaged_runs(exp)  # marked complete, but a table is missing or truncated
    for rec in records:
        try:
            t = run_table(rec.path)
        except (OSError, KeyError, ValueError) as exc:
            log.error("run %s: %s", rec.path.name, exc)
            failed.append(rec.path.name)
            continue
        frames.append(t.assign(scenario=rec.scenario, seed=rec.seed))
    if not frames:
        return pd.DataFrame(columns=["scenario", "seed", "year", *PER_MU_COLUMNS]), failed
    runs = pd.concat(frames, ignore_index=True)
    runs = runs[(runs["year"] >= FIRST_YEAR) & (runs["year"] <= LAST_YEAR)]
    return runs, failed


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Long table: scenario, year, column, mean, low, high (95%), n (seeds)."""
    long = runs.melt(id_vars=["scenario", "seed", "year"], value_vars=PER_MU_COLUMNS, var_name="column")
    s = mean_ci_by(long, ["scenario", "year", "column"], "value").reset_index()
    order = {c: i for i, c in enumerate(PER_MU_COLUMNS)}
    s = s.sort_values(["scenario", "year", "column"], key=lambda c: c.map(order) if c.name == "column" else c)
    return s[["scenario", "year", "column", "mean", "low", "high", "n"]].reset_index(drop=True)


def _cell(row) -> str:
    if row["n"] > 1 and np.isfinite(row["low"]):
        return f"{row['mean']:.2f} [{row['low']:.2f}, {row['high']:.2f}]"
    return f"{row['mean']:.2f}"


def to_markdown(summary: pd.DataFrame) -> str:
    """One table per scenario: years × the summary columns (mean [95% interval])."""
    parts = []
    for scenario, g in summary.groupby("scenario", sort=True):
        g = g[g["column"].isin(SUMMARY_COLUMNS)]
        cells = g.assign(cell=g.apply(_cell, axis=1)).pivot(index="year", columns="column", values="cell")
        cells = cells[[c for c in SUMMARY_COLUMNS if c in cells.columns]]
        n = int(g["n"].max()) if len(g) else 0
        header = "| year | " + " | ".join(cells.columns) + " |"
        lines = [
            f"## {scenario} ({n} seed{'s' if n != 1 else ''})",
            "",
            header,
            "|" + "---|" * (len(cells.columns) + 1),
        ]
        lines += [f"| {y} | " + " | ".join(str(v) for v in r) + " |" for y, r in cells.iterrows()]
        parts.append("\n".join(lines))
    intro = (
        f"# Output and tax per mu, two ways (万 yuan per mu of operating land)\n\n"
        f"`fixed`: the firms on the ground of the zones active in {BASE_YEAR}; `assessment`: the firms "
        f"the zones manage each year. The assessment measure's change since {BASE_YEAR} = definition + "
        f"within + composition (composition = {' + '.join(COMPOSITION_PARTS)}; ODD §4 Observation). "
        f"Tax: local taxes.\n"
    )
    return intro + "\n\n" + "\n\n".join(parts) + "\n"


def figure(summary: pd.DataFrame, path: Path) -> None:
    """Output per mu under both definitions over time, and the stacked parts of the change."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    scen = [s for s in FIGURE_SCENARIOS if s in set(summary["scenario"])] or sorted(set(summary["scenario"]))[:2]
    fig, axes = plt.subplots(1, 1 + len(scen), figsize=(5 * (1 + len(scen)), 4), squeeze=False)
    ax = axes[0, 0]
    for s in scen:
        for col, style in (("output_per_mu_fixed", "-"), ("output_per_mu_assessment", "--")):
            d = summary[(summary["scenario"] == s) & (summary["column"] == col)]
            ax.plot(d["year"], d["mean"], style, label=f"{s}: {col.split('_')[-1]}")
            if d["n"].max() > 1:
                ax.fill_between(d["year"], d["low"], d["high"], alpha=0.15)
    ax.set_title("Output per mu (10^4 yuan per mu)")
    ax.set_xlabel("year")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=7)
    parts = ["definition", "within", *COMPOSITION_PARTS]
    for ax, s in zip(axes[0, 1:], scen):
        d = summary[summary["scenario"] == s].pivot(index="year", columns="column", values="mean")
        years = d.index.to_numpy()
        pos, neg = np.zeros(len(years)), np.zeros(len(years))
        for p in parts:
            v = d[f"output_{p}"].fillna(0.0).to_numpy()
            bottom = np.where(v >= 0, pos, neg)
            ax.bar(years, v, bottom=bottom, label=p)
            pos, neg = pos + np.maximum(v, 0), neg + np.minimum(v, 0)
        ax.plot(years, d["output_change"], "k.-", label="change")
        ax.axhline(0.0, color="grey", lw=0.5)
        ax.set_title(f"{s}: assessment measure, change since {BASE_YEAR}", fontsize=10)
        ax.set_xlabel("year")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=7)
    fig.tight_layout()
    tmp = path.with_name("." + path.name + ".tmp.png")
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    os.replace(tmp, path)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", help="experiment folder (its runs/ are read)")
    args = ap.parse_args(argv)
    exp = Path(args.folder).resolve()
    runs, failed = collect(exp)
    if runs.empty:
        print(f"zonesim-per-mu: no readable run with a land_yearly table under {exp / 'runs'}", file=sys.stderr)
        return 1
    out = exp / "per_mu"
    out.mkdir(exist_ok=True)
    summary = summarise(runs)
    _write(out / "per_mu.csv", summary.to_csv(index=False))
    md = to_markdown(summary)
    _write(out / "per_mu.md", md)
    figure(summary, out / "per_mu.png")
    print(md)
    print(f"written to {out}")
    if failed:
        print(f"zonesim-per-mu: {len(failed)} run(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
