"""``zonesim-sensitivity``: global sensitivity analysis of the model's outcomes (SALib).

    zonesim-sensitivity [--method morris|sobol] [--n N] [--dir DIR] [--paired-with SCENARIO]
                        [--experiment NAME] [--analyse-only] [--dry-run] [hydra overrides...]

The design — uncertain parameters and their ranges, method, sample size, scenario(s), model
seed, outcomes — is declared in ``configs/experiment/sensitivity.yaml`` under
``hydra.callbacks.sensitivity`` (the file also composes as the Hydra experiment
``experiment=sensitivity``, which sets the multirun mode, the launcher and the sweep folder).
Units, sources and admissible ranges of the parameters are read from the schema's field
metadata (:mod:`sim.config.schema`); a declared range outside the admissible one is an error.

The command

1. checks the command's overrides by composing one run per scenario (a typo stops it here, with
   exit status 2, before anything is written), builds the SALib problem (names, bounds) and
   samples it — Morris trajectories
   (:func:`SALib.sample.morris.sample`) or Saltelli/Sobol' points (:func:`SALib.sample.sobol.sample`)
   with a fixed seed, so re-running gives the same design — and writes ``<dir>/samples.parquet``
   (one column per dotted parameter key, one row per model run) and ``<dir>/design.json``;
2. runs every row through the ordinary runner as one Hydra multirun,
   ``zonesim experiment=sensitivity sample.file=<dir>/samples.parquet sample.index=range(0,N)
   scenario=… seed=… <overrides>`` (a subprocess; whatever launcher the config selects); the
   runner writes ``<dir>/runs/<key>/`` per run, skips complete runs, records failures;
3. reads ``summary.csv`` and ``run.json`` of every run back, matched to sample rows by the run's
   resolved ``sample.index`` (and checked against the sampled values), and writes
   ``outcomes.csv`` (one row per sample), ``indices.csv`` and ``indices.md`` (one row per
   outcome × parameter, with the parameter's unit) and ``figures/sensitivity_<outcome>.png``.

With ``--paired-with baseline`` every sample row is run in both scenarios with the same seed
and the analysed outcome is the difference (scenario − paired scenario): the sensitivity of the
reform *effect* rather than of the level.  Outcomes with a missing or failed row are not
analysed (SALib needs every row of the design) and the report says which rows are missing.

Layout
------
The package follows SALib's one-module-per-method layout; each method is registered in
:mod:`.registry` and implements :class:`.base.Method`:

- :mod:`.morris` — Morris elementary-effects screening (``mu_star``, ``mu``, ``sigma``);
- :mod:`.sobol` — Sobol' variance shares (``S1``, ``ST``, optionally ``S2``);
- :mod:`.design` — the declared design, checked against the schema, and its sample;
- :mod:`.running` — the ``zonesim`` multirun over the sample rows;
- :mod:`.reading` — the runs read back, matched to sample rows;
- :mod:`.indices` — SALib's indices (:func:`compute_indices`, usable without the simulator) and
  the analysis of a folder (:func:`analyse_experiment`);
- :mod:`.writing` — ``indices.md``, the figures and the printed report;
- :mod:`.command` — the command line and the Hydra callback.
"""

from sim.exit_codes import EXIT_BAD_INPUT
from sim.lazy import lazy_names

#: where each name of the package lives, imported on first use (PEP 562): the Hydra callback and the
#: command import only what they need, not SALib, scipy.stats and matplotlib
_EXPORTS = {
    "DesignError": "sim.experiments.sensitivity.base",
    "Method": "sim.experiments.sensitivity.base",
    "SensitivityCallback": "sim.experiments.sensitivity.command",
    "build_parser": "sim.experiments.sensitivity.command",
    "main": "sim.experiments.sensitivity.command",
    "run_experiment": "sim.experiments.sensitivity.command",
    "DESIGN": "sim.experiments.sensitivity.design",
    "EXPERIMENT": "sim.experiments.sensitivity.design",
    "SAMPLES": "sim.experiments.sensitivity.design",
    "Design": "sim.experiments.sensitivity.design",
    "Parameter": "sim.experiments.sensitivity.design",
    "design_from_spec": "sim.experiments.sensitivity.design",
    "experiment_file": "sim.experiments.sensitivity.design",
    "load_spec": "sim.experiments.sensitivity.design",
    "make_parameter": "sim.experiments.sensitivity.design",
    "prepare": "sim.experiments.sensitivity.design",
    "sample": "sim.experiments.sensitivity.design",
    "schema_field": "sim.experiments.sensitivity.design",
    "analyse_experiment": "sim.experiments.sensitivity.indices",
    "compute_indices": "sim.experiments.sensitivity.indices",
    "Collected": "sim.experiments.sensitivity.reading",
    "analysed_outcomes": "sim.experiments.sensitivity.reading",
    "collect": "sim.experiments.sensitivity.reading",
    "METHODS": "sim.experiments.sensitivity.registry",
    "MORRIS_COLUMNS": "sim.experiments.sensitivity.registry",
    "REGISTRY": "sim.experiments.sensitivity.registry",
    "SOBOL_COLUMNS": "sim.experiments.sensitivity.registry",
    "get_method": "sim.experiments.sensitivity.registry",
    "launch": "sim.experiments.sensitivity.running",
    "precheck": "sim.experiments.sensitivity.running",
    "split_overrides": "sim.experiments.sensitivity.running",
    "zonesim_command": "sim.experiments.sensitivity.running",
    "Report": "sim.experiments.sensitivity.writing",
    "markdown": "sim.experiments.sensitivity.writing",
    "plot_indices": "sim.experiments.sensitivity.writing",
    "print_report": "sim.experiments.sensitivity.writing",
}


__getattr__, __dir__ = lazy_names(globals(), _EXPORTS)

__all__ = [
    "DESIGN",
    "EXIT_BAD_INPUT",
    "EXPERIMENT",
    "METHODS",
    "MORRIS_COLUMNS",
    "REGISTRY",
    "SAMPLES",
    "SOBOL_COLUMNS",
    "Collected",
    "Design",
    "DesignError",
    "Method",
    "Parameter",
    "Report",
    "SensitivityCallback",
    "analyse_experiment",
    "analysed_outcomes",
    "build_parser",
    "collect",
    "compute_indices",
    "design_from_spec",
    "experiment_file",
    "get_method",
    "launch",
    "load_spec",
    "main",
    "make_parameter",
    "markdown",
    "plot_indices",
    "precheck",
    "prepare",
    "print_report",
    "run_experiment",
    "sample",
    "schema_field",
    "split_overrides",
    "zonesim_command",
]
