"""Figures of an aggregated experiment (PNG, matplotlib's Agg canvas, no pyplot state).

``make_figures(exp_dir)`` writes into ``<exp>/aggregate/figures/``:

``output.png``
    industrial output per group over time: monthly (亿 yuan/month) and per complete calendar
    year (亿 yuan/year); line = mean across seeds, band = t-interval of that mean.
``approval_latency.png``
    distribution (violin, median marked) of approval latency in working days of all projects of
    the group's runs pooled over seeds: all approvals, and those applied from 2019 on.
``zombies.png``
    zombie share of operating firms per month, and zombie exits per calendar year (firms/year);
    mean and band across seeds.
``output_per_mu.png``
    in-zone output per mu of land in use (万 yuan/mu/year, annualised) per month; mean and band.
``differences.png``
    each group minus the reference over time, per same-seed pair (mean and band across pairs):
    industrial output per complete calendar year (% of the reference's), zombie share of
    operating firms per month (points), and approval latency of projects by year of application
    (working days; application years censored by the end of the runs left out, see
    :func:`sim.runner.outputs.observed_application_years`); 0 marked.
``effects.png``
    one panel per outcome: paired difference of each group versus the reference (mean and
    t-interval over same-seed pairs as error bar), in the outcome's unit; 0 marked.

Bands and error bars use the confidence level of the aggregation (``meta.json``; default 95%).
Text in figures is ASCII (亿 yuan is written "100M yuan", 万 yuan "10k yuan") so that no CJK
font is needed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.layout import AGGREGATE_DIR, FIGURES_DIR, META
from sim.plotting import ascii_unit, colors, mean_bands, save
from sim.runner.outputs import observed_application_years, project_approvals
from sim.vocabulary import parameter_column

DPI = 120


def _load(exp_dir: Path) -> dict[str, pd.DataFrame]:
    agg = exp_dir / AGGREGATE_DIR
    return {
        "runs": pd.read_parquet(agg / "runs.parquet"),
        "approvals": project_approvals(pd.read_parquet(agg / "approvals.parquet")),
        "effects": pd.read_csv(agg / "effects.csv"),
    }


def _band(ax, frame: pd.DataFrame, x: str, y: str, groups: list[str], colors: dict, level: float) -> None:
    mean_bands(ax, frame, x, y, "group", groups, colors, level, name=lambda g, b: f"{g} (n={int(b['n'].max())})")


def _legend(ax, n_groups: int) -> None:
    ax.legend(fontsize="small" if n_groups <= 8 else "x-small", ncol=1 if n_groups <= 8 else 2, frameon=False)


def _save(fig: Figure, path: Path) -> Path:
    return save(fig, path, dpi=DPI, bbox_inches="tight")  # a figure is written whole or not at all


def _complete_years(runs: pd.DataFrame, monthly: str, name: str) -> pd.DataFrame:
    """Yearly sums of a monthly column per run, for the calendar years with all 12 months."""
    y = runs.groupby(["group", "key", "year"], sort=False)[monthly].agg(["sum", "count"]).reset_index()
    return y[y["count"] == 12].rename(columns={"sum": name})


def fig_output(runs: pd.DataFrame, groups, colors, level, pct) -> Figure:
    fig = Figure(figsize=(13, 4.8), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    m = runs.assign(output_yi=runs["output"] / 1e4)
    _band(ax1, m, "date", "output_yi", groups, colors, level)
    ax1.set(title="Monthly", xlabel="month", ylabel="industrial output (100M yuan / month)")
    _band(ax2, _complete_years(m, "output_yi", "output_year"), "year", "output_year", groups, colors, level)
    ax2.set(title="Per calendar year (complete years)", xlabel="year", ylabel="industrial output (100M yuan / year)")
    _legend(ax1, len(groups))
    fig.suptitle(f"Industrial output of the region: mean across seeds and {pct}% CI band")
    return fig


def fig_latency(approvals: pd.DataFrame, groups, colors, recent_from: str) -> Figure:
    fig = Figure(figsize=(max(8, 1.1 * len(groups) + 4), 9), layout="constrained")
    axes = fig.subplots(2, 1, sharey=True)
    recent = approvals["applied"].astype(str) >= recent_from if len(approvals) else pd.Series(dtype=bool)
    for ax, (title, sel) in zip(axes, (("All approvals", None), (f"Applied from {recent_from} on", recent))):
        data = approvals if sel is None else approvals[sel]
        for i, g in enumerate(groups):
            d = data.loc[data["group"] == g, "approval_wd"].dropna().to_numpy(float)
            if d.size >= 2 and np.ptp(d) > 0:
                parts = ax.violinplot([d], positions=[i], widths=0.8, showmedians=True, showextrema=False)
                for body in parts["bodies"]:
                    body.set_facecolor(colors[g])
                    body.set_alpha(0.5)
                parts["cmedians"].set_color("black")
            elif d.size:
                ax.plot([i], [np.median(d)], "_", color="black", ms=20)
            ax.annotate(
                f"n={d.size}",
                (i, 0),
                xycoords=("data", "axes fraction"),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                fontsize="x-small",
            )
        ax.set_xticks(
            range(len(groups)),
            groups,
            rotation=30 if len(groups) > 3 else 0,
            ha="right" if len(groups) > 3 else "center",
            fontsize="small",
        )
        ax.set(title=title, ylabel="approval latency (working days)")
    fig.suptitle(
        "Approval latency per project (application to production, construction excluded), "
        "pooled over seeds; line = median"
    )
    return fig


def fig_zombies(runs: pd.DataFrame, groups, colors, level, pct) -> Figure:
    fig = Figure(figsize=(13, 4.8), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    _band(ax1, runs, "date", "zombie_share", groups, colors, level)
    ax1.set(title="Zombie share (by count) of operating firms", xlabel="month", ylabel="share of firms (0-1)")
    _band(ax2, _complete_years(runs, "zombie_exits", "zombie_exits"), "year", "zombie_exits", groups, colors, level)
    ax2.set(
        title="Zombie exits per calendar year (complete years)", xlabel="year", ylabel="zombie exits (firms / year)"
    )
    _legend(ax1, len(groups))
    fig.suptitle(f"Zombie firms: mean across seeds and {pct}% CI band")
    return fig


def fig_output_per_mu(runs: pd.DataFrame, groups, colors, level, pct) -> Figure:
    fig = Figure(figsize=(8, 4.8), layout="constrained")
    ax = fig.subplots()
    _band(ax, runs, "date", "output_per_mu", groups, colors, level)
    ax.set(
        title=f"In-zone output per mu of land in use: mean across seeds and {pct}% CI band",
        xlabel="month",
        ylabel="output per mu (10k yuan / mu / year)",
    )
    _legend(ax, len(groups))
    return fig


def reference_group(runs: pd.DataFrame, reference: dict) -> str | None:
    """The group label of the reference runs (``meta.json``'s ``reference``, keys as written), or
    None when the reference is not one group."""
    match = np.ones(len(runs), dtype=bool)
    for key, value in reference.items():
        column = parameter_column(key)
        if column not in runs:
            return None
        match &= (runs[column].astype(str) == str(value)).to_numpy()
    found = runs.loc[match, "group"].unique()
    return str(found[0]) if len(found) == 1 else None


def paired_differences(
    frame: pd.DataFrame, value: str, x: str, reference: str, pair_keys: list[str], relative: bool = False
) -> pd.DataFrame:
    """Each non-reference group's ``value`` minus the reference run's with the same pair keys (seed,
    …) and ``x``: rows of the groups with ``value`` replaced by the difference (in % of the
    reference's value with ``relative``)."""
    ref = frame[frame["group"] == reference].groupby([*pair_keys, x], dropna=False)[value].mean()
    others = frame[frame["group"] != reference]
    pairs = others.merge(ref.rename("__ref").reset_index(), on=[*pair_keys, x], how="inner")
    diff = pairs[value] - pairs["__ref"]
    pairs[value] = 100.0 * diff / pairs["__ref"] if relative else diff
    return pairs.drop(columns="__ref")


def fig_differences(
    runs: pd.DataFrame,
    approvals: pd.DataFrame,
    groups,
    colors,
    level,
    pct,
    reference: str | None,
    pair_keys: list[str],
) -> Figure | None:
    others = [g for g in groups if g != reference]
    if reference is None or not others:
        return None
    fig = Figure(figsize=(16, 4.8), layout="constrained")
    ax1, ax2, ax3 = fig.subplots(1, 3)
    run_keys = runs[["key", *pair_keys]].drop_duplicates("key")

    def with_pair_keys(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.drop(columns=[k for k in pair_keys if k in frame]).merge(run_keys, on="key", how="left")

    yearly = with_pair_keys(_complete_years(runs.assign(output_yi=runs["output"] / 1e4), "output_yi", "output_year"))
    _band(ax1, paired_differences(yearly, "output_year", "year", reference, pair_keys, True), "year", "output_year",
          others, colors, level)  # fmt: skip
    ax1.set(title="Industrial output per calendar year", xlabel="year", ylabel=f"difference (% of {reference})")
    points = runs.assign(zombie_points=100.0 * runs["zombie_share"])
    _band(ax2, paired_differences(points, "zombie_points", "date", reference, pair_keys), "date", "zombie_points",
          others, colors, level)  # fmt: skip
    ax2.set(title="Zombie share of operating firms", xlabel="month", ylabel="difference (percentage points)")
    if len(approvals):
        a = with_pair_keys(approvals.assign(year=approvals["applied"].astype(str).str[:4].astype(int)))
        per_run = a.groupby(["group", "key", *pair_keys, "year"], as_index=False)["approval_wd"].mean()
        observed = observed_application_years(a, ["group"]).rename("observed").reset_index()
        per_run = per_run.merge(observed, on=["group", "year"], how="left")
        per_run = per_run[per_run["observed"].fillna(False).astype(bool)]
        diffs = paired_differences(per_run, "approval_wd", "year", reference, pair_keys)
        _band(ax3, diffs, "year", "approval_wd", others, colors, level)
        last = int(diffs["year"].max()) if len(diffs) else None
        ax3.set(
            title="Approval latency by year of application"
            + (f" (to {last}; later ones censored)" if last is not None and last < int(a["year"].max()) else ""),
            xlabel="year of application",
            ylabel="difference (working days)",
        )
    for ax in (ax1, ax2, ax3):
        ax.axhline(0.0, color="grey", lw=0.8, ls="--")
    _legend(ax1, len(others))
    fig.suptitle(f"Each group minus {reference} over time: mean over same-seed pairs and {pct}% CI band")
    return fig


def fig_effects(effects: pd.DataFrame, colors, outcomes_meta: dict, reference: str, pct: int) -> Figure | None:
    eff = effects[effects["diff_mean"].notna()]
    names = [o for o in outcomes_meta if o in set(eff["outcome"])]
    if not names:
        return None
    comp = list(dict.fromkeys(eff["group"]))
    ncols = min(3, len(names))
    nrows = math.ceil(len(names) / ncols)
    fig = Figure(figsize=(5.2 * ncols, 0.35 * len(comp) * nrows + 1.6 * nrows + 0.8), layout="constrained")
    axes = fig.subplots(nrows, ncols, sharey=True, squeeze=False).ravel()
    pos = {g: i for i, g in enumerate(comp)}
    for ax, name in zip(axes, names):
        sub = eff[eff["outcome"] == name]
        for row in sub.itertuples(index=False):
            y = pos[row.group]
            has_ci = np.isfinite(row.ci_low) and np.isfinite(row.ci_high)
            xerr = [[row.diff_mean - row.ci_low], [row.ci_high - row.diff_mean]] if has_ci else None
            ax.errorbar([row.diff_mean], [y], xerr=xerr, fmt="o", color=colors.get(row.group, "C0"), capsize=3)
        ax.axvline(0.0, color="grey", lw=0.8, ls="--")
        meta = outcomes_meta[name]
        ax.set_title(meta["label"], fontsize="medium")
        ax.set_xlabel(f"difference ({ascii_unit(meta['unit'])})")
        ax.tick_params(axis="y", labelsize="small")
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    axes[0].set_yticks(range(len(comp)), comp)
    axes[0].set_ylim(-0.7, len(comp) - 0.3)
    axes[0].invert_yaxis()
    fig.suptitle(f"Paired difference versus {reference}: mean over same-seed pairs and {pct}% CI")
    return fig


def _draw(builder, args: tuple, path: Path) -> Path | None:
    """Build one figure and save it (a unit of work for a joblib worker); None if nothing to draw."""
    fig = builder(*args)
    return _save(fig, path) if fig is not None else None


def make_figures(
    exp_dir: str | Path, tables: dict[str, pd.DataFrame] | None = None, parallel: dict | None = None
) -> list[Path]:
    """Draw the experiment's figures into ``<exp>/aggregate/figures/``; return the files written.

    With ``parallel`` (``joblib.Parallel`` arguments, e.g. the joblib launcher's, so that its
    workers are reused) the figures are drawn in parallel (matplotlib's text layout dominates the
    time); the files are the same either way.

    ``tables`` are the tables returned by :func:`sim.experiments.aggregate.aggregate` (read from
    ``<exp>/aggregate/`` when omitted; ``FileNotFoundError`` if the folder has not been
    aggregated: ``aggregate()`` draws the figures itself).  Previous PNGs in the figures folder
    are removed.
    """
    exp_dir = Path(exp_dir)
    agg = exp_dir / AGGREGATE_DIR
    if not (agg / META).exists():
        raise FileNotFoundError(f"{agg / META} not found: aggregate the folder first (zonesim-aggregate)")
    meta = json.loads((agg / META).read_text())
    tables = tables if tables is not None else _load(exp_dir)
    out = agg / FIGURES_DIR
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    level = float(meta.get("level", 0.95))
    pct = round(level * 100)
    groups = meta["groups"]
    palette = colors(groups)
    runs = tables["runs"]
    runs = runs.assign(date=pd.to_datetime(runs["date"].astype(str), format="%Y-%m"))  # months on a time axis
    reference = reference_group(runs, meta.get("reference", {}))
    jobs = [  # slowest first, so that two workers finish together
        (
            fig_effects,
            (tables["effects"], palette, meta["outcomes"], meta["reference_label"], pct),
            out / "effects.png",
        ),
        (
            fig_latency,
            (tables["approvals"], groups, palette, meta.get("recent_from", "2019-01")),
            out / "approval_latency.png",
        ),
        (fig_output, (runs, groups, palette, level, pct), out / "output.png"),
        (
            fig_differences,
            (runs, tables["approvals"], groups, palette, level, pct, reference, meta.get("pair_keys", ["seed"])),
            out / "differences.png",
        ),
        (fig_zombies, (runs, groups, palette, level, pct), out / "zombies.png"),
        (fig_output_per_mu, (runs, groups, palette, level, pct), out / "output_per_mu.png"),
    ]
    if not parallel:
        written = [_draw(*job) for job in jobs]
    else:
        from joblib import Parallel, delayed

        written = Parallel(**parallel)(delayed(_draw)(*job) for job in jobs)
    return [p for p in written if p is not None]
