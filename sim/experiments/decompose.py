"""Shapley decomposition of the reform's effect by policy family (``experiment=decompose``).

    zonesim experiment=decompose                 # every combination of the families x 10 seeds
    zonesim experiment=decompose seed=0,1 time.end=2019-12 hydra.sweep.dir=multirun/decompose_quick
    zonesim-decompose multirun/decompose         # (re)compute the table and figure of a folder

The *policy families* are config groups ``policy/<family>`` with an ``off`` option and an "on"
option.  They are declared once, as sweeps ``policy/<family>: off,<on option>`` in
``hydra.sweeper.params`` of ``configs/experiment/decompose.yaml``: Hydra's basic sweeper runs
every combination of them (``2^n``) with every seed of ``seed: range(10)``, the same seeds in
every combination, so combinations are compared on common random numbers.  Every run has
``scenario_name=decompose`` and is identified by its config-group choices, which the aggregator
picks up as swept parameters (columns ``policy/consolidation`` ...; groups labelled
``decompose, assessment=off, consolidation=ningxia, ...``).  Runs are the runner's ordinary
``runs/<key>/`` folders keyed by their configuration, so re-running the command skips complete
runs.  The all-off combination is ``scenario=baseline`` and the all-on combination
``scenario=full_reform`` but for ``scenario_name`` (tests/test_decompose.py).  At the end,
:class:`DecomposeCallback` writes the manifest, aggregates the folder with the all-off
combination as the reference of the paired effects, and writes and prints the decomposition.
(By hand: ``zonesim-aggregate <folder> --reference policy/consolidation=off,policy/devolution=off,...``
with every family off; without it the aggregator pairs with the first group in sorted order.)

In a folder, the families are the swept ``policy/<family>`` choices with two values, ``off``
and the on option; any other swept parameter defines strata, each decomposed on its own.

Decomposition (Shorrocks 2013; Shapley 1953)
--------------------------------------------
For an outcome and a seed, ``v(S)`` is the outcome of the run with the families ``S`` on minus
that of the run with none on (same seed).  Family ``f``'s contribution is its marginal effect
averaged over all orders in which the families can be switched on::

    phi_f = sum over S not containing f of |S|! (n-|S|-1)! / n! * [v(S + f) - v(S)]

The contributions add up to the full effect ``v(N) - v(empty)`` seed by seed (efficiency; the
``residual`` column shows the floating-point remainder), families that act alike get equal shares,
and a family that changes nothing gets 0.  Over seeds: mean and t-interval of each contribution
(:func:`sim.experiments.stats.mean_ci`).  Written to ``<exp>/decompose/`` (each file written to a
temporary name, then renamed):

``shapley.parquet`` / ``shapley.csv`` / ``shapley.md``
    one row per stratum (values of other swept parameters, if any), outcome and family, plus a
    ``full effect`` row: ``n_seeds``, ``mean``, ``ci_low``/``ci_high``, ``share_pct`` (the mean
    contribution in % of the mean full effect; empty when the full effect's interval contains 0),
    ``alone_mean`` (effect of the family switched on alone) and ``last_mean`` (effect of switching
    it on last, from all the others); the gap between the two measures the family's interactions
    with the others.
``shapley_seeds.parquet``
    the per-seed contributions (``family``, ``seed``, ``value``; the full effect as family
    ``full effect``) and ``residual`` = full effect - sum of contributions.
``shapley.png``
    one panel per outcome: each family's contribution (mean and interval) and the full effect.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.exit_codes import EXIT_BAD_INPUT
from sim.experiments.aggregate import (
    OUTCOMES,
    NoRunsError,
    RunRecord,
    aggregate,
    discover_runs,
    print_report,
    run_outcomes,
    swept_parameters,
)
from sim.experiments.callbacks import ExperimentCallback

# the Shapley values and their table and figure live in their own modules; re-exported here
from sim.experiments.shapley import FULL, SUMMARY_COLUMNS, seed_contributions, shapley, summarise  # noqa: F401
from sim.experiments.shapley_report import figure_shapley, shapley_markdown
from sim.plotting import save
from sim.runner.files import write_frame, write_text
from sim.runner.outputs import stream_approvals

log = logging.getLogger("zonesim.decompose")

OUT_DIR = "decompose"
OFF = "off"
GROUP_PREFIX = "policy/"
# Headline outcomes (names of the effects table, sim.experiments.aggregate.OUTCOMES); one not
# computed by the aggregator (e.g. real output before it exists) is left out.
HEADLINE = (
    "output_cumulative",
    "output_real_cumulative",
    "zombie_exits_total",
    "zombie_share_end",
    "approval_wd_mean_from2019",
    "approval_wd_mean",
)


# --------------------------------------------------------------------------- the experiment's callback
class DecomposeCallback(ExperimentCallback):
    """The experiment callback (manifest, exit status), with the paired effects taken versus the
    all-off combination, and the decomposition written and printed last."""

    def on_multirun_end(self, config, **kwargs: Any) -> None:
        exp_dir = Path(config.hydra.sweep.dir)
        aggregate_after, self.aggregate = self.aggregate, False
        status = 0
        try:
            super().on_multirun_end(config, **kwargs)  # manifest; SystemExit(1) if a run failed
        except SystemExit as exc:
            status = exc.code or 1
        finally:
            self.aggregate = aggregate_after
        if not self.aggregate:
            if status:
                raise SystemExit(status)
            return
        try:  # the aggregator's paired effects, versus the all-off combination
            reference = {f"{GROUP_PREFIX}{f}": OFF for f in read_families(discover_runs(exp_dir)[0])[0]} or None
            print_report(
                aggregate(exp_dir, reference=reference, figures=self.figures, parallel=self._settings), exp_dir
            )
        except Exception:  # noqa: BLE001 - runs are saved; report and fail the command
            log.exception("aggregation of %s failed (re-run it with zonesim-aggregate)", exp_dir)
            status = 1
        try:
            print(report_text(decompose(exp_dir, figure=self.figures)["shapley"], exp_dir))
        except NoRunsError as exc:
            log.error("decomposition of %s: %s", exp_dir, exc)
            status = status or 1
        except Exception:  # noqa: BLE001
            log.exception("decomposition of %s failed (re-run it with zonesim-decompose)", exp_dir)
            status = 1
        if status:
            raise SystemExit(status)


# --------------------------------------------------------------------------- reading runs
def read_families(records: list[RunRecord]) -> tuple[dict[str, str], list[str]]:
    """The families ``{family: on option}`` of complete runs and the other swept parameters (strata).

    Families are the swept ``policy/<family>`` config-group choices with two values, ``off`` and
    the on option.  Fills the records' ``params`` (:func:`~sim.experiments.aggregate.swept_parameters`).
    """
    swept, _ = swept_parameters(records)
    families = {}
    for k in swept:
        vals = {str(r.params.get(k)) for r in records}
        on = vals - {OFF}
        if k.startswith(GROUP_PREFIX) and OFF in vals and len(on) == 1:
            families[k.removeprefix(GROUP_PREFIX)] = on.pop()
    return families, [k for k in swept if k not in {GROUP_PREFIX + f for f in families}]


def read_outcomes(exp_dir: Path) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Run-level outcomes of the folder's complete runs (:data:`OUTCOMES`, with the run's set of
    families on in ``on``), the families and the strata (:func:`read_families`)."""
    records, _ = discover_runs(exp_dir)
    if not records:
        raise NoRunsError(f"no complete run under {exp_dir / 'runs'}")
    families, strata = read_families(records)
    if not families:
        raise NoRunsError(f"{exp_dir}: no policy family switched on and off across runs (not a decompose folder?)")
    rows = []
    for r in records:
        approvals = stream_approvals(
            pd.read_parquet(r.path / "approvals.parquet") if (r.path / "approvals.parquet").exists() else None
        )
        on = frozenset(f for f in families if str(r.params.get(GROUP_PREFIX + f)) != OFF)
        rows.append(
            {
                "key": r.key,
                "scenario": r.scenario,
                "seed": r.seed,
                "on": on,
                **{k: r.params.get(k) for k in strata},
                **run_outcomes({"monthly": pd.read_parquet(r.path / "monthly.parquet"), "approvals": approvals}),
            }
        )
    return pd.DataFrame(rows), families, strata


def decompose(
    exp_dir: str | Path, *, outcomes: Sequence[str] | None = None, level: float = 0.95, figure: bool = True
) -> dict[str, Any]:
    """Decompose the full effect in the folder ``exp_dir``; write ``<exp>/decompose/``; return the tables.

    Returns ``shapley`` (summary), ``seeds`` (per seed), ``families`` and ``strata``.  Raises
    :class:`~sim.experiments.aggregate.NoRunsError` when no (stratum, seed) has every combination.
    """
    exp_dir = Path(exp_dir)
    if not exp_dir.is_dir():
        raise FileNotFoundError(f"experiment folder {exp_dir} not found")
    runs, families, strata = read_outcomes(exp_dir)
    names = [o for o in (outcomes or HEADLINE) if o in OUTCOMES]
    seeds = seed_contributions(runs, list(families), strata, names)
    if seeds.empty:
        raise NoRunsError(
            f"{exp_dir}: no seed has all {2 ** len(families)} combinations of {'+'.join(families)} complete yet"
        )
    table = summarise(seeds, strata, level)
    out = exp_dir / OUT_DIR
    out.mkdir(exist_ok=True)
    pct = round(level * 100)
    header = (
        f"# Shapley decomposition of the full effect by policy family\n\nExperiment `{exp_dir}`: families "
        f"{', '.join(f'`{f}` ({on})' for f, on in families.items())}; seeds "
        f"{', '.join(map(str, sorted(seeds['seed'].unique())))}.\n\nPer seed, each family's contribution is "
        f"its marginal effect averaged over all orders of switching the families on (Shorrocks 2013), "
        f"paired against the all-off run of the same seed; the contributions sum to the full effect "
        f"(all on minus all off). Mean over seeds and {pct}% t-interval; share = mean contribution / "
        f"mean full effect; alone = effect of the family on its own; added last = effect of adding it "
        f"to all the others.\n\n"
    )
    write_frame(table, out / "shapley.parquet")
    write_frame(table, out / "shapley.csv")
    write_frame(seeds, out / "shapley_seeds.parquet")
    write_text(out / "shapley.md", header + shapley_markdown(table, strata, level))
    if figure:
        save(figure_shapley(table, strata, pct), out / "shapley.png", dpi=120, bbox_inches="tight")
    log.info("decomposition written to %s (max |residual| %.3g)", out, float(seeds["residual"].abs().max()))
    return {"shapley": table, "seeds": seeds, "families": families, "strata": strata}


def report_text(table: pd.DataFrame, exp_dir: str | Path) -> str:
    strata = [c for c in table.columns if c not in {"outcome", *SUMMARY_COLUMNS}]
    return f"\nShapley decomposition by policy family (written to {Path(exp_dir) / OUT_DIR}):\n\n" + shapley_markdown(
        table, strata
    )


def main(argv: list[str] | None = None) -> None:
    """``zonesim-decompose <folder> [--level 0.95] [--outcome NAME ...] [--no-figure]``."""
    parser = argparse.ArgumentParser(
        prog="zonesim-decompose",
        description="Shapley decomposition of an experiment=decompose folder into <folder>/decompose/.",
    )
    parser.add_argument("folder", help="experiment folder written by `zonesim experiment=decompose`")
    parser.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    parser.add_argument(
        "--outcome",
        action="append",
        choices=list(OUTCOMES),
        default=None,
        help=f"outcome to decompose (repeatable; default: {', '.join(HEADLINE)} where computed)",
    )
    parser.add_argument("--no-figure", action="store_true", help="skip the figure")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    t = time.time()
    try:
        tables = decompose(args.folder, outcomes=args.outcome, level=args.level, figure=not args.no_figure)
    except (NoRunsError, ValueError, FileNotFoundError) as exc:
        print(f"zonesim-decompose: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    print(report_text(tables["shapley"], args.folder))
    log.info("done in %.1f s", time.time() - t)


if __name__ == "__main__":
    main()
