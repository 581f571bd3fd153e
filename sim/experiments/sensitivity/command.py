"""``zonesim-sensitivity``: the command line, and the Hydra callback that holds the declared design."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import Any

from sim.exit_codes import EXIT_BAD_INPUT, EXIT_FAILURES, EXIT_OK
from sim.experiments.sensitivity.base import DesignError
from sim.experiments.sensitivity.design import EXPERIMENT, design_from_spec, load_spec, prepare
from sim.experiments.sensitivity.registry import METHODS
from sim.experiments.sensitivity.running import launch, precheck, split_overrides, zonesim_command
from sim.layout import DESIGN, MANIFEST, SAMPLES

try:  # the callback base class; Hydra is a dependency of the package, the import is only cosmetic
    from hydra.experimental.callback import Callback as _Callback
except ImportError:  # pragma: no cover
    _Callback = object

log = logging.getLogger("zonesim")


class SensitivityCallback(_Callback):
    """Holds the declared design in ``configs/experiment/sensitivity.yaml`` (its keyword arguments,
    read by ``zonesim-sensitivity``); when ``analyse`` is true it computes the indices at the end
    of a multirun whose sweep folder holds a ``design.json`` (a multirun started by hand)."""

    def __init__(self, analyse: bool = True, **design: Any) -> None:
        self.analyse = bool(analyse)

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        exp_dir = Path(config.hydra.sweep.dir)
        if self.analyse and (exp_dir / DESIGN).exists() and (exp_dir / SAMPLES).exists():
            from sim.experiments.sensitivity.indices import analyse_experiment  # pandas, SALib, matplotlib

            report = analyse_experiment(exp_dir)
            log.info("sensitivity: indices of %d outcome(s) in %s", len(report.analysed), exp_dir / "indices.md")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="zonesim-sensitivity",
        description="Global sensitivity analysis (SALib Morris or Sobol) of zonesim outcomes; the design is "
        "declared in configs/experiment/<experiment>.yaml under hydra.callbacks.sensitivity.",
        epilog="Other arguments are Hydra overrides of every run, e.g. time.end=2025-12 scenario=devolution "
        "seed=3 hydra/launcher=basic hydra.launcher.n_jobs=4.",
    )
    p.add_argument("--method", choices=METHODS, help="morris (screening) or sobol (variance shares)")
    p.add_argument("--n", type=int, help="morris: trajectories; sobol: base sample size (a power of 2)")
    p.add_argument(
        "--dir",
        help="experiment folder (default: the experiment's hydra.sweep.dir/<method>, or "
        "<method>_minus_<SCENARIO> with --paired-with)",
    )
    p.add_argument(
        "--paired-with",
        metavar="SCENARIO",
        help="analyse scenario - SCENARIO per sample row (same seed); 'none' to switch off",
    )
    p.add_argument("--experiment", default=EXPERIMENT, help="experiment file in configs/experiment/")
    p.add_argument("--analyse-only", action="store_true", help="no runs: indices from the runs on disk")
    p.add_argument("--dry-run", action="store_true", help="write the samples and print the zonesim command")
    p.add_argument("--no-figures", action="store_true")
    p.add_argument("overrides", nargs="*", help="Hydra overrides of every run")
    return p


def default_folder_name(design) -> str:
    """``morris`` for the levels of a scenario, ``morris_minus_baseline`` for its paired effect: the
    two analyses of one method never share a folder."""
    return design.method + (f"_minus_{design.paired_with}" if design.paired_with else "")


def run_experiment(argv: list[str]) -> int:
    """The command (see the module docstring); returns the exit status."""
    args = build_parser().parse_args(argv)
    spec, sweep_dir = load_spec(args.experiment)
    picked, model_ov, hydra_ov = split_overrides(args.overrides)
    paired = args.paired_with
    design = design_from_spec(
        spec,
        method=args.method,
        n=args.n,
        scenario=picked.get("scenario"),
        paired_with=("" if paired and paired.lower() == "none" else paired),
        seed=int(picked["seed"]) if "seed" in picked else None,
        overrides=model_ov,
        experiment=args.experiment,
    )
    exp_dir = Path(args.dir or Path(sweep_dir) / default_folder_name(design)).resolve()
    if args.analyse_only:
        if not (exp_dir / DESIGN).exists():
            raise DesignError(f"{exp_dir} holds no {DESIGN}: nothing to analyse")
        status = 0
    else:
        precheck(design)
        samples = prepare(exp_dir, design)
        print(
            f"zonesim-sensitivity: {design.method}, {len(samples)} sample rows x {len(design.scenarios)} "
            f"scenario(s), {len(design.parameters)} parameters -> {exp_dir}",
            file=sys.stderr,
            flush=True,
        )
        if args.dry_run:
            print(" ".join(zonesim_command(exp_dir, design, hydra_ov)))
            return EXIT_OK
        started = time.time()
        status = launch(exp_dir, design, hydra_ov)
        manifest = exp_dir / MANIFEST  # written by the experiment callback when the multirun ends
        if status != 0 and (not manifest.exists() or manifest.stat().st_mtime < started):
            print(
                f"zonesim-sensitivity: the multirun did not complete (status {status}); analysing what is on disk",
                file=sys.stderr,
            )
    from sim.experiments.sensitivity.indices import analyse_experiment  # pandas, SALib, matplotlib
    from sim.experiments.sensitivity.writing import print_report

    report = analyse_experiment(exp_dir, figures=not args.no_figures)
    print_report(report, exp_dir)
    ok = status == 0 and not report.failed and not report.skipped and not report.missing
    return EXIT_OK if ok else EXIT_FAILURES


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``zonesim-sensitivity``."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="[%(asctime)s][%(name)s][%(levelname)s] %(message)s")
    try:
        status = run_experiment(argv)
    except DesignError as exc:
        print(f"zonesim-sensitivity: error: {exc}", file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    sys.exit(status)
