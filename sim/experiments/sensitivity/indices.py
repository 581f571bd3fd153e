"""The indices: SALib's analysis of one outcome (:func:`compute_indices`, usable without the
simulator) and of a whole experiment folder (:func:`analyse_experiment`)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.sensitivity.design import Design
from sim.experiments.sensitivity.reading import analysed_outcomes, collect
from sim.experiments.sensitivity.registry import get_method
from sim.experiments.sensitivity.writing import Report, markdown, plot_indices, rows_text
from sim.layout import DESIGN, FIGURES_DIR, INDICES, SAMPLES

log = logging.getLogger("zonesim")


def compute_indices(
    problem: dict,
    method: str,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    num_levels: int = 4,
    calc_second_order: bool = False,
    num_resamples: int = 1000,
    conf_level: float = 0.95,
    seed: int | None = 0,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Sensitivity indices of one outcome ``Y`` (one value per row of the sample ``X``) by SALib.

    ``method="morris"``: :func:`SALib.analyze.morris.analyze` → columns ``mu_star`` (mean absolute
    elementary effect: importance, in the outcome's unit per crossing of the parameter's range),
    ``mu_star_conf`` (bootstrap CI half-width), ``mu`` (signed mean: direction) and ``sigma``
    (s.d. of the effects: non-linearity/interactions).

    ``method="sobol"``: :func:`SALib.analyze.sobol.analyze` → ``S1`` (first-order variance share),
    ``ST`` (total-order share, interactions included) and their CI half-widths ``S1_conf``,
    ``ST_conf``; with ``calc_second_order`` also the pairwise ``S2`` table (second return value).

    Returns ``(table, s2)``: ``table`` has one row per parameter (column ``parameter``, in the
    problem's order); ``s2`` is a parameter × parameter frame or ``None``.
    """
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float).ravel()
    if len(Y) != len(X):
        raise ValueError(f"{len(Y)} outcome values for {len(X)} sample rows")
    if not np.all(np.isfinite(Y)):
        raise ValueError("outcome values must all be finite (SALib needs every row)")
    table, s2 = get_method(method).analyze(
        problem,
        X,
        Y,
        num_levels=num_levels,
        calc_second_order=calc_second_order,
        num_resamples=num_resamples,
        conf_level=conf_level,
        seed=seed,
    )
    table.insert(0, "parameter", list(problem["names"]))
    return table, s2


def analyse_experiment(exp_dir: Path, figures: bool = True) -> Report:
    """Read the runs of the experiment in ``exp_dir`` back, compute the indices of every outcome
    with all rows present and write ``outcomes.csv``, ``indices.csv``, ``indices.md`` and the
    figures.  Outcomes with missing rows are skipped (reported in ``indices.md``)."""
    exp_dir = Path(exp_dir)
    design = Design.from_json(json.loads((exp_dir / DESIGN).read_text()))
    samples = pd.read_parquet(exp_dir / SAMPLES)
    collected = collect(exp_dir, design, samples)
    Y = analysed_outcomes(design, collected)
    problem = design.problem()
    X = samples[design.names].to_numpy(dtype=float)
    by_param = {p.name: p for p in design.parameters}
    tables, s2_tables, skipped = [], [], {}
    for outcome in design.outcomes:
        y = Y[outcome]
        if outcome in collected.absent:
            skipped[outcome] = f"{outcome} is not a column of the runs' summary.csv"
            log.warning("sensitivity: %s not analysed (%s)", outcome, skipped[outcome])
            continue
        bad = [int(i) for i in y.index[~np.isfinite(y.to_numpy(dtype=float))]]
        if bad:
            miss = sorted({i for s, i in collected.missing} & set(bad))
            nan = sorted(set(bad) - set(miss))
            why = []
            if miss:
                why.append(f"rows without a complete run: {rows_text(miss)}")
            if nan:
                why.append(f"rows where {outcome} is not a number: {rows_text(nan)}")
            skipped[outcome] = "; ".join(why)
            log.warning("sensitivity: %s not analysed (%s)", outcome, skipped[outcome])
            continue
        if design.method == "sobol" and float(np.ptp(y.to_numpy(dtype=float))) == 0.0:
            skipped[outcome] = f"{outcome} is the same ({float(y.iloc[0]):g}) in every row: no variance to share"
            log.warning("sensitivity: %s not analysed (%s)", outcome, skipped[outcome])
            continue
        table, s2 = compute_indices(
            problem,
            design.method,
            X,
            y.to_numpy(dtype=float),
            num_levels=design.num_levels,
            calc_second_order=design.calc_second_order,
            num_resamples=design.num_resamples,
            conf_level=design.conf_level,
            seed=design.sample_seed,
        )
        table.insert(0, "outcome", outcome)
        table.insert(2, "unit", [by_param[n].unit for n in table["parameter"]])
        table.insert(3, "low", [by_param[n].low for n in table["parameter"]])
        table.insert(4, "high", [by_param[n].high for n in table["parameter"]])
        table.insert(5, "outcome_unit", design.outcomes[outcome])
        tables.append(table)
        if s2 is not None:
            s2_tables.append(s2.rename_axis("parameter").reset_index().assign(outcome=outcome))
    columns = ["outcome", "parameter", "unit", "low", "high", "outcome_unit", *get_method(design.method).columns]
    indices = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=columns)
    indices.insert(0, "method", design.method)

    files = []
    table = samples.copy()
    table.index.name = "sample"
    for s in design.scenarios:
        for o in design.outcomes:
            table[f"{o}[{s}]" if design.paired_with else o] = collected.values[(s, o)]
    if design.paired_with:
        for o in design.outcomes:
            table[f"{o}[{design.scenario}-{design.paired_with}]"] = Y[o]
    table.to_csv(exp_dir / "outcomes.csv")
    indices.to_csv(exp_dir / INDICES, index=False)
    files += [exp_dir / "outcomes.csv", exp_dir / INDICES]
    if s2_tables:
        pd.concat(s2_tables, ignore_index=True).to_csv(exp_dir / "indices_second_order.csv", index=False)
        files.append(exp_dir / "indices_second_order.csv")
    report = Report(
        indices,
        [o for o in design.outcomes if o not in skipped],
        skipped,
        collected.failed,
        collected.missing,
        files,
        collected.stale,
    )
    if report.stale:
        log.warning(
            "sensitivity: %d runs were made by other model code; re-run the command to update them", report.stale
        )
    (exp_dir / "indices.md").write_text(markdown(design, report, len(samples)), encoding="utf-8")
    files.append(exp_dir / "indices.md")
    if figures:
        for outcome in skipped:  # a figure of an earlier analysis would now be stale
            (exp_dir / FIGURES_DIR / f"sensitivity_{outcome}.png").unlink(missing_ok=True)
        for outcome in report.analysed:
            path = exp_dir / FIGURES_DIR / f"sensitivity_{outcome}.png"
            plot_indices(indices[indices["outcome"] == outcome], design, outcome, path)
            files.append(path)
    return report
