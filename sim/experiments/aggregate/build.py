"""``zonesim-aggregate``: aggregate an experiment folder into ``<exp>/aggregate/`` (see the
package's docstring for what is written), print the report, set the exit status."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim.exit_codes import EXIT_BAD_INPUT, EXIT_FAILURES, EXIT_OK
from sim.experiments.aggregate.outcomes import OUTCOMES, RECENT_FROM, run_outcomes
from sim.experiments.aggregate.reading import (
    NoRunsError,
    damaged_runs,
    discover_runs,
    parameter_descriptions,
    read_failures,
    stored_outcomes,
    swept_parameters,
    typed_column,
)
from sim.experiments.aggregate.statistics import (
    group_labels,
    match_reference,
    paired_effects,
    parse_reference,
    reference_label,
    resolve_reference,
    summarise_groups,
)
from sim.experiments.aggregate.tables import (
    effects_markdown,
    failures_text,
    header,
    outcome_glossary,
    summary_markdown,
)
from sim.layout import AGGREGATE_DIR, META
from sim.runner.files import write_documented, write_frame, write_json, write_text
from sim.runner.outputs import stream_approvals
from sim.vocabulary import EXPERIMENT, EXPERIMENT_TABLES, parameter_column


def aggregate(
    exp_dir: str | Path,
    reference: str | list[str] | dict | None = None,
    *,
    figures: bool = True,
    level: float = 0.95,
    parallel: dict | None = None,
) -> dict[str, pd.DataFrame]:
    """Aggregate the experiment folder ``exp_dir``; write ``<exp>/aggregate/``; return its tables.

    ``reference`` selects the reference group for the paired effects (``"scenario=baseline"``,
    ``"k=v,k2=v2"``, a list of such or a dict; default: see the module docstring).  ``level`` is
    the confidence level of every interval; ``parallel`` (``joblib.Parallel`` arguments) draws the
    figures in parallel.  Returns ``runs``, ``run_outcomes``, ``approvals``,
    ``summary``, ``effects`` and ``failures``.  Raises :class:`NoRunsError` when no run is complete,
    ``ValueError`` for a reference that names no grouping key or matches no run.
    """
    exp_dir = Path(exp_dir)
    if not exp_dir.is_dir():
        raise FileNotFoundError(f"experiment folder {exp_dir} not found")
    records, incomplete = discover_runs(exp_dir)
    failures = read_failures(exp_dir)
    out_dir = exp_dir / AGGREGATE_DIR
    out_dir.mkdir(exist_ok=True)
    write_frame(failures, out_dir / "failures.csv")
    if not records:
        raise NoRunsError(
            f"no complete run under {exp_dir / 'runs'} ({len(incomplete)} incomplete, {len(failures)} failed)"
        )
    swept, fixed = swept_parameters(records)
    columns = {k: parameter_column(k) for k in swept}  # policy.devolution.powers -> policy__devolution__powers
    swept_cols = list(columns.values())
    group_keys = ["scenario", *swept_cols]

    ident = pd.DataFrame({"key": [r.key for r in records], "scenario": [r.scenario for r in records]})
    for k, col in columns.items():
        ident[col] = typed_column([r.params.get(k) for r in records])
    ident["seed"] = pd.Series([r.seed for r in records], dtype="int64")
    ident = ident.sort_values([*group_keys, "seed", "key"], na_position="last", kind="stable").reset_index(drop=True)
    written = {col: k for k, col in columns.items()}  # column -> the key as written (policy/assessment)
    ident["group"] = group_labels(ident, swept_cols, written)
    by_key = {r.key: r for r in records}

    monthly_parts, approval_parts, outcome_rows = [], [], []
    for row in ident.itertuples(index=False):
        rec = by_key[row.key]
        keys = dict(zip(ident.columns, row))
        monthly = pd.read_parquet(rec.path / "monthly.parquet")
        approvals = stream_approvals(
            pd.read_parquet(rec.path / "approvals.parquet") if (rec.path / "approvals.parquet").exists() else None
        )
        values = stored_outcomes(rec, OUTCOMES) or run_outcomes({"monthly": monthly, "approvals": approvals})
        outcome_rows.append({**keys, "wall_seconds": rec.wall_seconds, **values})
        monthly_parts.append(monthly.assign(**{k: v for k, v in keys.items()}))
        if approvals is not None and len(approvals):
            approval_parts.append(approvals.rename(columns={"key": "firm_key"}).assign(**keys))
    id_cols = list(ident.columns)
    runs = pd.concat(monthly_parts, ignore_index=True)
    time_cols = [c for c in ("date", "year", "month") if c in runs]
    runs = runs[id_cols + time_cols + [c for c in runs.columns if c not in id_cols + time_cols]]
    for k in swept_cols:  # assign() broadcast scalars: restore the typed columns
        runs[k] = runs[k].astype(ident[k].dtype)
    outcomes = pd.DataFrame(outcome_rows, columns=[*id_cols, "wall_seconds", *OUTCOMES])
    for k in swept_cols:
        outcomes[k] = outcomes[k].astype(ident[k].dtype)
    if approval_parts:
        approvals_all = pd.concat(approval_parts, ignore_index=True)
        approvals_all = approvals_all[id_cols + [c for c in approvals_all.columns if c not in id_cols]]
        for k in swept_cols:
            approvals_all[k] = approvals_all[k].astype(ident[k].dtype)
    else:
        approvals_all = pd.DataFrame(columns=[*id_cols, "firm_key", "applied", "approval_wd", "approval_calendar_days"])

    asked = parse_reference(reference)  # dotted keys, as the user writes them
    asked = {parameter_column(k): v for k, v in asked.items()} if asked else asked
    ref = resolve_reference(outcomes, group_keys, asked)
    summary = summarise_groups(outcomes, group_keys, level)
    effects, pair_keys = paired_effects(outcomes, group_keys, ref, level, written)

    meta = {
        "exp_dir": str(exp_dir),
        "n_runs": len(records),
        "n_incomplete": len(incomplete),
        "incomplete": incomplete,
        "n_failures": len(failures),
        "swept": swept,
        "parameter_columns": columns,
        "group_keys": group_keys,
        "fixed_overrides": fixed,
        "seeds": sorted(int(s) for s in ident["seed"].unique()),
        "groups": list(dict.fromkeys(ident["group"])),
        "reference": {written.get(k, k): (v.item() if isinstance(v, np.generic) else v) for k, v in ref.items()},
        "reference_label": reference_label(ref, written),
        "reference_groups": list(dict.fromkeys(outcomes.loc[match_reference(outcomes, ref), "group"])),
        "pair_keys": pair_keys,
        "level": level,
        "method": "t-interval of the mean (scipy.stats.t.interval, sem with ddof=1); effects from same-seed pairs",
        "recent_from": RECENT_FROM,
        "outcomes": {
            k: {"label": o.label, "unit": o.unit, "aggregation": o.aggregation, "description": o.description}
            for k, o in OUTCOMES.items()
        },
    }
    described = parameter_descriptions(columns)
    for frame, table in (
        (runs, "runs"),
        (outcomes, "run_outcomes"),
        (approvals_all, "approvals"),
        (summary, "summary"),
        (effects, "effects"),
    ):
        write_documented(frame, out_dir / EXPERIMENT_TABLES[table].file, EXPERIMENT + table, described)
    write_json(out_dir / META, meta)
    pct = round(level * 100)
    write_text(
        out_dir / "summary.md",
        f"# Summary by group\n\n{header(meta)}\nMean across runs (seeds) and {pct}% t-interval of the mean.\n\n"
        + summary_markdown(summary, level)
        + outcome_glossary(),
    )
    write_text(
        out_dir / "effects.md",
        f"# Paired differences versus {meta['reference_label']}\n\n{header(meta)}\n"
        f"Each group minus the reference, over pairs matched on {', '.join(f'`{k}`' for k in pair_keys)}: "
        f"mean difference, {pct}% t-interval of the paired differences, relative difference "
        f"= mean difference / reference mean.\n\n" + effects_markdown(effects, level) + outcome_glossary(),
    )
    tables = {
        "runs": runs,
        "run_outcomes": outcomes,
        "approvals": approvals_all,
        "summary": summary,
        "effects": effects,
        "failures": failures,
    }
    if figures:
        from sim.experiments.figures import make_figures  # matplotlib only when drawing

        make_figures(exp_dir, tables, parallel=parallel)
    return tables


def main(argv: list[str] | None = None) -> None:
    """``zonesim-aggregate <folder> [--reference k=v[,k=v]] [--level 0.95] [--no-figures]``.

    Exits 0 when all runs succeeded, 1 when the folder has failed runs or runs whose files do not
    match their ``DONE`` (after aggregating the complete ones and printing a failures summary), 2
    when nothing can be aggregated.
    """
    parser = argparse.ArgumentParser(
        prog="zonesim-aggregate", description="Aggregate an experiment folder into <folder>/aggregate/."
    )
    parser.add_argument("folder", help="experiment folder (a Hydra multirun sweep dir with runs/<key>/)")
    parser.add_argument(
        "--reference",
        action="append",
        default=None,
        metavar="KEY=VALUE[,KEY=VALUE]",
        help="reference group for paired effects (default: scenario=baseline if present)",
    )
    parser.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    parser.add_argument("--no-figures", action="store_true", help="skip the figures")
    args = parser.parse_args(argv)
    try:
        tables = aggregate(args.folder, reference=args.reference, figures=not args.no_figures, level=args.level)
    except (NoRunsError, ValueError, FileNotFoundError) as exc:
        print(f"zonesim-aggregate: error: {exc}", file=sys.stderr)
        fails = read_failures(args.folder) if Path(args.folder).is_dir() else pd.DataFrame()
        if len(fails):
            print(failures_text(fails), file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    print_report(tables, args.folder)
    damaged = damaged_runs(args.folder)
    if damaged:
        print(
            f"zonesim-aggregate: {len(damaged)} run(s) marked complete have missing or truncated files and were "
            f"left out (re-run the sweep to recompute them): {', '.join(damaged)}",
            file=sys.stderr,
        )
    sys.exit(EXIT_FAILURES if len(tables["failures"]) or damaged else EXIT_OK)


def print_report(tables: dict[str, pd.DataFrame], exp_dir: str | Path) -> None:
    """Print what :func:`aggregate` found in ``exp_dir``: counts, the effects table, failed runs.

    ``tables`` is the result of ``aggregate(exp_dir, ...)`` (its ``meta.json`` is read for the
    reference, pairing keys and level).  Used by ``zonesim-aggregate`` and the multirun callback.
    """
    out_dir = Path(exp_dir) / AGGREGATE_DIR
    meta = json.loads((out_dir / META).read_text())
    level = float(meta.get("level", 0.95))
    print(
        f"{meta['n_runs']} complete runs in {len(meta['groups'])} groups "
        f"({meta['n_incomplete']} incomplete ignored, {meta['n_failures']} failed); outputs in {out_dir}"
    )
    print(
        f"\nPaired differences versus {meta['reference_label']} "
        f"(pairs matched on {', '.join(meta['pair_keys'])}; mean and {round(level * 100)}% CI):\n"
    )
    print(effects_markdown(tables["effects"], level))
    if len(tables["failures"]):
        print(failures_text(tables["failures"]))
