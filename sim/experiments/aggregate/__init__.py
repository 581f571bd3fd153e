"""Aggregate an experiment folder: tidy tables of all runs, group summaries, paired effects.

    zonesim-aggregate <exp>                              # reference: scenario=baseline if present
    zonesim-aggregate <exp> --reference scenario=full_reform
    zonesim-aggregate <exp> --reference scenario=full_reform,policy.devolution.powers=0 --no-figures

An experiment folder (a Hydra multirun sweep dir written by the runner) holds ``runs/<key>/``
(one folder per completed run, marked by an empty ``DONE`` file written last; folders without
it are incomplete and ignored), ``failures/<key>.json`` for runs that raised, and Hydra's own
job folders (ignored).  Everything is written to ``<exp>/aggregate/``:

``runs.parquet``
    tidy monthly table of all runs: ``key``, ``scenario``, one column per swept parameter
    (``policy__devolution__powers``), ``seed``, ``group`` (label), ``date`` (text ``YYYY-MM``),
    ``year``, ``month``, then every column of the runs' ``monthly.parquet`` (output in
    万 yuan/month, shares 0-1, counts; units in ``docs/outputs.md``).
``run_outcomes.parquet``
    one row per run: the same keys, ``wall_seconds`` and the run-level outcomes of
    :data:`OUTCOMES` (names, units and meanings there).
``approvals.parquet``
    every approval of every run (the runs' ``approvals.parquet``, enterprise ``key`` renamed
    ``firm_key``) with the run keys; ``approval_wd`` in working days, ``approval_calendar_days`` in calendar days.
``summary.csv`` / ``summary.md``
    per group (scenario × swept-parameter values) and outcome: runs, mean, standard deviation
    and t-interval of the mean across seeds.
``effects.csv`` / ``effects.md``
    per non-reference group and outcome: mean paired difference versus the reference over
    same-seed pairs, its t-interval, and the relative difference in % of the reference mean.
``failures.csv``
    ``key, overrides, error`` of failed runs (header only if none).
``meta.json``
    what was found and how it was grouped: swept parameters, grouping and pairing keys,
    reference, incomplete runs, outcome units.
``figures/*.png``
    see :mod:`sim.experiments.figures`.

Grouping, reference and pairing
-------------------------------
*Grouping keys* are ``scenario`` (from run.json) and the *swept parameters*: override keys
whose value differs across runs, excluding ``seed``, ``scenario``/``scenario_name``,
``hydra.*`` and ``output.*`` (output settings do not change a run's outcomes).  A run without
an override that others have takes the value from its resolved configuration (or is missing,
for config-group choices such as ``region=synthetic``).

The *reference* is an assignment of some grouping keys (default ``scenario=baseline`` if a
baseline was run, else every grouping key of the first group in sorted order).  Each group
whose values differ from it on those keys is compared with the reference runs having the same
*pairing keys*: ``seed`` plus every other grouping key that varies among the reference runs.
So with ``--reference scenario=baseline`` a full factorial sweep over scenarios and
``policy.devolution.powers`` compares (full_reform, powers=20, seed 3) with (baseline,
powers=20, seed 3), while a baseline run at one setting only is paired on the seed alone.
Layout
------
:mod:`.reading` (run folders, overrides, swept parameters), :mod:`.outcomes` (the run-level
outcomes), :mod:`.statistics` (groups, reference, summaries, paired effects), :mod:`.tables`
(Markdown), :mod:`.build` (:func:`aggregate` and the command); figures in
:mod:`sim.experiments.figures`.
"""

from sim.exit_codes import EXIT_BAD_INPUT, EXIT_FAILURES
from sim.formatting import fmt_number
from sim.layout import AGGREGATE_DIR
from sim.lazy import lazy_names

#: where each name of the package lives, imported on first use (PEP 562): the Hydra callback and the
#: command import only what they need, not SALib, scipy.stats and matplotlib
_EXPORTS = {
    "aggregate": "sim.experiments.aggregate.build",
    "main": "sim.experiments.aggregate.build",
    "print_report": "sim.experiments.aggregate.build",
    "OUTCOMES": "sim.experiments.aggregate.outcomes",
    "OUTPUT_YEARS": "sim.experiments.aggregate.outcomes",
    "RECENT_FROM": "sim.experiments.aggregate.outcomes",
    "Outcome": "sim.experiments.aggregate.outcomes",
    "run_outcomes": "sim.experiments.aggregate.outcomes",
    "NoRunsError": "sim.experiments.aggregate.reading",
    "RunRecord": "sim.experiments.aggregate.reading",
    "coerce_value": "sim.experiments.aggregate.reading",
    "damaged_runs": "sim.experiments.aggregate.reading",
    "discover_runs": "sim.experiments.aggregate.reading",
    "dotted_get": "sim.experiments.aggregate.reading",
    "parse_override": "sim.experiments.aggregate.reading",
    "read_failures": "sim.experiments.aggregate.reading",
    "run_problem": "sim.experiments.aggregate.reading",
    "swept_parameters": "sim.experiments.aggregate.reading",
    "typed_column": "sim.experiments.aggregate.reading",
    "paired_effects": "sim.experiments.aggregate.statistics",
    "parse_reference": "sim.experiments.aggregate.statistics",
    "summarise_groups": "sim.experiments.aggregate.statistics",
    "effects_markdown": "sim.experiments.aggregate.tables",
    "markdown_table": "sim.experiments.aggregate.tables",
    "summary_markdown": "sim.experiments.aggregate.tables",
}


__getattr__, __dir__ = lazy_names(globals(), _EXPORTS)

__all__ = [
    "AGGREGATE_DIR",
    "EXIT_BAD_INPUT",
    "EXIT_FAILURES",
    "OUTCOMES",
    "OUTPUT_YEARS",
    "RECENT_FROM",
    "NoRunsError",
    "Outcome",
    "RunRecord",
    "aggregate",
    "coerce_value",
    "damaged_runs",
    "discover_runs",
    "dotted_get",
    "effects_markdown",
    "fmt_number",
    "main",
    "markdown_table",
    "paired_effects",
    "parse_override",
    "parse_reference",
    "print_report",
    "read_failures",
    "run_outcomes",
    "run_problem",
    "summarise_groups",
    "summary_markdown",
    "swept_parameters",
    "typed_column",
]
