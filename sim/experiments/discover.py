"""``zonesim-discover``: scenario discovery over a sweep — which combinations of the swept levers
and uncertainties give the outcome you fear (or want)?

    zonesim-discover multirun/discover --outcome approval_wd_mean --threshold 250 --above
    zonesim-discover multirun/discover --outcome zombie_share_end --threshold 0.05 --above --method cart

Reads the complete runs of an experiment folder (what ``zonesim -m …`` writes; the same reader as
``zonesim-aggregate``, :func:`sim.experiments.aggregate.discover_runs`), takes as inputs the
parameters that vary across its runs (and the scenario when it varies; never the seed) and marks
as *cases of interest* the runs whose outcome — a column of the runs' ``summary.csv``, the same
names as :func:`sim.ema.model` — lies above (``--above``, the default) or below (``--below``) the
threshold.  Then it runs EMA Workbench's PRIM (:class:`ema_workbench.analysis.Prim`, one box:
the last of its peeling trajectory) or CART (:class:`ema_workbench.analysis.CART`, one box per
leaf) and writes into ``<folder>/discovery/``:

``<method>_boxes.csv`` / ``<method>_boxes.md``
    one row per box and input: the box's coverage (share of all cases of interest inside it),
    density (share of the runs inside it that are cases of interest), mass (share of all runs
    inside it), the input's range in the box and whether the box restricts it (the Markdown table
    shows the restricted inputs alone);
``prim_peeling.csv`` / ``prim_tradeoff.png``
    PRIM's peeling trajectory: coverage against density of each step (colour: number of
    restricted inputs) — pick a box on it for the trade-off you want;
``cart_tree.png``
    the CART tree;
``<method>_summary.txt``
    what was asked, how many runs and cases of interest, and the box(es) in words.

A later discovery with the same method replaces that method's files.

Exits 2 with one line when the folder holds no complete run, the outcome is unknown, nothing
varies across the runs, or the threshold leaves no case of interest (or nothing else).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.exit_codes import EXIT_BAD_INPUT
from sim.experiments.aggregate import discover_runs, swept_parameters, typed_column
from sim.formatting import fmt_number
from sim.runner.files import write_frame, write_text

DISCOVERY_DIR = "discovery"
FIGURE_DPI = 120
SUMMARY = "summary.csv"  # each run's summary: the outcomes, one row
METHODS = ("prim", "cart")
MASS_MIN = 0.05  # smallest share of the runs a box may hold (EMA Workbench's default)
PEEL_ALPHA = 0.05  # share of the runs PRIM peels off per step (EMA Workbench's default)
PASTE_ALPHA = 0.05  # share of the runs PRIM pastes back per step (EMA Workbench's default)
NO_UNIT = "-"  # the schema's unit of a switch or a name
SCENARIO = "scenario_name"  # the scenario as an input (EMA drops a column named 'scenario': its own)
STATS = ("coverage", "density", "mass", "res_dim")
TREE_FIGSIZE = (10, 6)  # inches
TREE_FONTSIZE = 7
LEAF_FEATURE_INDEX = 2  # scikit-learn marks a leaf's feature as -2 (TREE_UNDEFINED)


class DiscoveryError(ValueError):
    """The folder, outcome or threshold does not allow a discovery."""


@dataclass
class Cases:
    """The runs as scenario discovery sees them: inputs, outcome and cases of interest."""

    x: pd.DataFrame  # one row per run, one column per varying input (named by sim.ema.column_name)
    outcome: pd.Series  # the outcome of each run
    y: np.ndarray  # True: a case of interest
    inputs: dict[str, str]  # column -> dotted key (scenario_name: the scenario)
    rule: str  # e.g. "approval_wd_mean > 250"
    left_out: list[str] = field(default_factory=list)  # runs without the outcome or an input value


@dataclass
class Discovery:
    """The boxes found: one row per box and input, the boxes' statistics and PRIM's trajectory."""

    method: str
    boxes: pd.DataFrame
    stats: pd.DataFrame
    algorithm: Any
    peeling: pd.DataFrame | None = None


# --------------------------------------------------------------------------- the cases
def _outcomes(records, outcome: str) -> pd.Series:
    """``outcome`` of every run (NaN where a run has no value), from the runs' ``summary.csv``."""
    values, known = [], set()
    for rec in records:
        summary = pd.read_csv(rec.path / SUMMARY)
        known.update(summary.columns)
        values.append(pd.to_numeric(summary[outcome], errors="coerce").iloc[0] if outcome in summary else np.nan)
    if outcome not in known:
        raise DiscoveryError(
            f"unknown outcome {outcome!r}: the runs' {SUMMARY} has "
            f"{', '.join(c for c in sorted(known) if c not in ('scenario', 'seed'))}"
        )
    return pd.Series(values, index=[r.key for r in records], dtype=float, name=outcome)


def _inputs(records) -> pd.DataFrame:
    """The inputs that vary across ``records``: the swept parameters, and the scenario when it varies."""
    from sim.ema import column_name

    swept, _ = swept_parameters(records)
    columns = {column_name(k): typed_column([r.params.get(k) for r in records]) for k in swept}
    if len({r.scenario for r in records}) > 1:
        columns[SCENARIO] = pd.Series([r.scenario for r in records], dtype="object")
    if not columns:
        raise DiscoveryError("nothing varies across the runs but the seed: sweep a parameter or the scenario")
    return pd.DataFrame(columns).set_axis([r.key for r in records])


def read_cases(exp_dir: str | Path, outcome: str, threshold: float, above: bool = True) -> Cases:
    """The complete runs of ``exp_dir`` as :class:`Cases` (errors: :class:`DiscoveryError`)."""
    from sim.ema import dotted_key

    exp_dir = Path(exp_dir)
    if not exp_dir.is_dir():
        raise DiscoveryError(f"experiment folder {exp_dir} not found")
    records, incomplete = discover_runs(exp_dir)
    if not records:
        raise DiscoveryError(f"no complete run under {exp_dir / 'runs'} ({len(incomplete)} incomplete)")
    values = _outcomes(records, outcome)
    x = _inputs(records)
    keep = values.notna() & x.notna().all(axis=1)
    x, values = x[keep], values[keep]
    y = (values > threshold if above else values < threshold).to_numpy()
    rule = f"{outcome} {'>' if above else '<'} {threshold:g}"
    if not y.any() or y.all():
        raise DiscoveryError(
            f"{'no' if not y.any() else 'every'} run has {rule} (the runs' {outcome} spans "
            f"{values.min():.4g} to {values.max():.4g}): choose a threshold inside that range"
        )
    return Cases(
        x.reset_index(drop=True),
        values.reset_index(drop=True),
        y,
        {c: dotted_key(c) for c in x.columns},
        rule,
        sorted(keep.index[~keep]),
    )


# --------------------------------------------------------------------------- the boxes
def whole_box(x: pd.DataFrame) -> dict[str, Any]:
    """Every input's range over all runs: ``(min, max)`` of a number, the set of values of a category."""
    return {c: (x[c].min(), x[c].max()) if pd.api.types.is_numeric_dtype(x[c]) else set(x[c]) for c in x.columns}


def _limits(box_lim: pd.DataFrame, column: str) -> tuple[Any, Any] | set:
    """One input's limits in an EMA box (rows 0 and 1: min and max; a category: its set of values)."""
    low, high = box_lim.loc[0, column], box_lim.loc[1, column]
    return set(low) if isinstance(low, (set, frozenset)) else (low, high)


def _text(limits: tuple[Any, Any] | set) -> tuple[Any, Any]:
    """(low, high) for a table: the numbers, or twice the categories as 'a, b'."""
    if isinstance(limits, set):
        names = ", ".join(sorted(map(str, limits)))
        return names, names
    return limits


def tidy_boxes(
    box_lims: list[pd.DataFrame], stats: list[dict], x: pd.DataFrame, inputs: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one row per box and input, one row per box) from EMA's box limits and box statistics."""
    whole = whole_box(x)
    stats_table = pd.DataFrame(stats).rename(columns={"res dim": "res_dim"})
    stats_table = stats_table[[c for c in STATS if c in stats_table]]
    stats_table.insert(0, "box", [f"box {i + 1}" for i in range(len(stats_table))])
    rows = []
    for name, box_lim in zip(stats_table["box"], box_lims):
        for column in x.columns:
            limits = _limits(box_lim, column) if box_lim is not None else whole[column]
            low, high = _text(limits)
            rows.append(
                {
                    "box": name,
                    "parameter": inputs.get(column, column),
                    "low": low,
                    "high": high,
                    "restricted": limits != whole[column],
                }
            )
    boxes = pd.DataFrame(rows, columns=["box", "parameter", "low", "high", "restricted"])
    return boxes.merge(stats_table, on="box", how="left"), stats_table


def _cart_boxes(cart, y: np.ndarray) -> tuple[list, list[dict]]:
    """CART's leaves as boxes and statistics; a tree without a split (EMA cannot read it) is one
    box holding every run."""
    if cart.clf.tree_.node_count > 1:
        # EMA 3.0 looks up a name for every node, leaves included, whose feature index is -2: with a
        # single input that index does not exist. Padding names that no split refers to avoids it.
        cart.feature_names = [*cart.feature_names, *[""] * max(0, LEAF_FEATURE_INDEX - len(cart.feature_names))]
        return cart.boxes, cart.stats
    return [None], [{"coverage": 1.0, "density": float(y.mean()), "mass": 1.0, "res_dim": 0}]


def find_boxes(
    x: pd.DataFrame,
    y: np.ndarray,
    method: str = "prim",
    inputs: dict[str, str] | None = None,
    mass_min: float = MASS_MIN,
) -> Discovery:
    """Scenario discovery on inputs ``x`` (one row per run) and cases of interest ``y`` (booleans).

    ``prim``: one PRIM box (EMA Workbench's lenient objective, peeling and pasting by
    :data:`PEEL_ALPHA`, :data:`PASTE_ALPHA`), the last of its peeling trajectory; ``cart``: a CART
    tree, one box per leaf, each leaf holding at least one run.  Usable on EMA's own results
    (``experiments`` without the ``policy`` and ``model`` columns).
    """
    from sim.ema import require_ema

    require_ema()
    from ema_workbench.analysis import CART, Prim

    x = x.reset_index(drop=True)
    x = x.astype({c: "category" for c in x.select_dtypes(bool).columns})  # a switch is a category to both
    y = np.asarray(y, dtype=bool)
    inputs = inputs or {c: c for c in x.columns}
    if method == "prim":
        with warnings.catch_warnings():  # EMA 3.0 drops a column in place, which pandas 3 deprecates
            warnings.filterwarnings("ignore", message="The inplace keyword")
            prim = Prim(x, y, peel_alpha=PEEL_ALPHA, paste_alpha=PASTE_ALPHA, mass_min=mass_min)
        box = prim.find_box()
        boxes, stats = tidy_boxes([box.box_lim], [box.stats], x, inputs)
        return Discovery(method, boxes, stats, prim, box.peeling_trajectory[["id", *STATS, "n", "k"]])
    if method == "cart":
        numbers = {c: float for c in x.select_dtypes("integer").columns}  # EMA 3.0's CART splits integers as floats
        cart = CART(x.astype(numbers), y, mass_min=max(mass_min, 1 / len(x)))
        cart.build_tree()
        boxes, stats = tidy_boxes(*_cart_boxes(cart, y), x, inputs)
        return Discovery(method, boxes, stats, cart)
    raise DiscoveryError(f"method {method!r} is not one of {', '.join(METHODS)}")


# --------------------------------------------------------------------------- outputs
def _unit(key: str) -> str:
    """The schema's unit of a configuration key ('' for the scenario or a key the schema lacks)."""
    from sim.experiments.sensitivity import DesignError, schema_field

    try:
        unit = str(schema_field(key)[0].get("unit", ""))
    except DesignError:
        return ""
    return "" if unit == NO_UNIT else unit


def _shown(value: Any) -> str:
    """A box limit in words: a number to 4 significant digits, a category as it is."""
    number = isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_))
    return fmt_number(value) if number else str(value)


def summary_text(cases: Cases, found: Discovery, exp_dir: Path) -> str:
    """The discovery in words: what was asked, the runs, and each box's limits and statistics."""
    n, k = len(cases.y), int(cases.y.sum())
    lines = [
        f"Scenario discovery ({found.method.upper()}) in {exp_dir}",
        f"cases of interest: runs with {cases.rule}: {k} of {n} runs ({k / n:.0%})",
        f"inputs: {', '.join(cases.inputs.values())}",
    ]
    if cases.left_out:
        lines.append(f"left out (no outcome or input value): {', '.join(cases.left_out)}")
    for row in found.stats.itertuples(index=False):
        lines.append(
            f"\n{row.box}: coverage {row.coverage:.2f} (share of the cases of interest inside), density "
            f"{row.density:.2f} (share of the runs inside that are cases of interest), mass {row.mass:.2f}"
        )
        mine = found.boxes[(found.boxes["box"] == row.box) & found.boxes["restricted"]]
        for b in mine.itertuples(index=False):
            unit = _unit(b.parameter)
            limits = f"{_shown(b.low)} to {_shown(b.high)}" if b.low != b.high else f"one of {b.low}"
            lines.append(f"  {b.parameter}: {limits}" + (f" ({unit})" if unit else ""))
        if mine.empty:
            lines.append("  no input restricted: the cases of interest are spread over the whole sweep")
    return "\n".join(lines) + "\n"


def boxes_markdown(found: Discovery, rule: str) -> str:
    """The boxes as Markdown: the inputs each box restricts, with its statistics (the CSV has every input)."""
    shown = found.boxes[found.boxes["restricted"]].drop(columns="restricted")
    shown = shown.assign(low=shown["low"].map(_shown), high=shown["high"].map(_shown))
    table = shown.to_markdown(index=False, floatfmt=".3g") if len(shown) else "_No input restricted._"
    return f"# {found.method.upper()} boxes: {rule}\n\nInputs each box restricts (all inputs: the CSV).\n\n{table}\n"


def _tradeoff_figure(found: Discovery, rule: str):
    """PRIM's peeling trajectory: coverage against density, coloured by restricted inputs."""
    from ema_workbench.analysis.scenario_discovery_util import plot_tradeoff

    fig = plot_tradeoff(found.peeling, annotated=True)
    fig.axes[0].set_title(f"PRIM peeling trajectory: {rule}", fontsize="medium")
    return fig


def _tree_figure(found: Discovery):
    """The CART tree drawn by scikit-learn (no Graphviz)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from sklearn.tree import plot_tree

    fig = Figure(figsize=TREE_FIGSIZE)
    FigureCanvasAgg(fig)  # scikit-learn measures the text on the canvas
    clf = found.algorithm.clf
    plot_tree(
        clf,
        feature_names=found.algorithm.feature_names[: clf.n_features_in_],
        filled=True,
        ax=fig.add_subplot(111),
        fontsize=TREE_FONTSIZE,
    )
    return fig


def write_discovery(exp_dir: Path, cases: Cases, found: Discovery) -> list[Path]:
    """Write the tables, the figure and the summary into ``<exp_dir>/discovery/`` (each file whole
    or not at all); return the files written."""
    import matplotlib.pyplot as plt

    from sim.plotting import save

    out = exp_dir / DISCOVERY_DIR
    out.mkdir(exist_ok=True)
    m = found.method
    files = [
        write_frame(found.boxes, out / f"{m}_boxes.csv"),
        write_text(out / f"{m}_boxes.md", boxes_markdown(found, cases.rule)),
    ]
    if found.peeling is not None:
        files.append(write_frame(found.peeling, out / f"{m}_peeling.csv"))
        fig = _tradeoff_figure(found, cases.rule)
        files.append(save(fig, out / f"{m}_tradeoff.png", dpi=FIGURE_DPI, bbox_inches="tight"))
        plt.close(fig)
    else:
        files.append(save(_tree_figure(found), out / f"{m}_tree.png", dpi=FIGURE_DPI, bbox_inches="tight"))
    files.append(write_text(out / f"{m}_summary.txt", summary_text(cases, found, exp_dir)))
    return files


# --------------------------------------------------------------------------- command
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="zonesim-discover",
        description="Scenario discovery (EMA Workbench's PRIM or CART) over an experiment folder: which ranges of "
        "the swept parameters hold the runs whose outcome passes a threshold. Writes <folder>/discovery/.",
    )
    p.add_argument("folder", help="experiment folder (what zonesim -m writes: runs/<key>/)")
    p.add_argument("--outcome", required=True, help="a column of the runs' summary.csv, e.g. approval_wd_mean")
    p.add_argument("--threshold", required=True, type=float, help="cases of interest: outcome above (or below) this")
    side = p.add_mutually_exclusive_group()
    side.add_argument(
        "--above",
        dest="above",
        action="store_true",
        default=True,
        help="cases of interest: outcome > threshold (default)",
    )
    side.add_argument("--below", dest="above", action="store_false", help="cases of interest: outcome < threshold")
    p.add_argument("--method", choices=METHODS, default="prim", help="prim (default) or cart")
    p.add_argument("--mass-min", type=float, default=MASS_MIN, help=f"smallest share of runs in a box ({MASS_MIN})")
    return p


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``zonesim-discover``."""
    import matplotlib

    matplotlib.use("Agg")
    args = build_parser().parse_args(argv)
    from sim.ema import MissingExtraError

    try:
        cases = read_cases(args.folder, args.outcome, args.threshold, args.above)
        found = find_boxes(cases.x, cases.y, args.method, cases.inputs, args.mass_min)
    except (DiscoveryError, MissingExtraError) as exc:
        print(f"zonesim-discover: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    files = write_discovery(Path(args.folder), cases, found)
    print(summary_text(cases, found, Path(args.folder)), end="")
    print(f"written: {', '.join(str(f) for f in files)}")


if __name__ == "__main__":
    main()
