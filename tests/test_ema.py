"""zonesim from researchers' exploratory-modelling tools: EMA Workbench (sim.ema), a SALib Morris
sample through the public API, and scenario discovery (PRIM, CART) over EMA results and over a
sweep folder (zonesim-discover)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import ConfigError, ema, make_params, simulate
from sim.experiments import discover
from sim.experiments import sensitivity as sa
from tests.conftest import run_cli

workbench = ema.require_ema()  # the 'ema' extra, which make installs (quietly: no ipyparallel warning)

# A small generated region over the reform years (the levers act from 2018-19): about 0.4 s a run.
SMALL = ("region=synthetic", "region.synthetic.enterprises=300", "time.end=2020-12")
MORRIS_RUNS = (*SMALL[:-1], "time.end=2017-12")  # the uncertainties act from the start: a shorter horizon
SCENARIOS, POLICIES = 20, 2
SAMPLING_SEED = 20180901
MORRIS_TRAJECTORIES = 2
OUTCOME = "approval_wd_mean"  # working days: the levers' first target
INTEREST_QUANTILE = 0.75  # cases of interest: the slowest quarter of the experiments


@pytest.fixture(scope="module")
def ema_results():
    """20 scenarios x 2 policies of the declared uncertainties and levers, run one after another."""
    model = ema.model("full_reform", overrides=SMALL)
    with workbench.SequentialEvaluator(model) as evaluator:
        return workbench.perform_experiments(
            model,
            scenarios=SCENARIOS,
            policies=POLICIES,
            evaluator=evaluator,
            uncertainty_sampling_kwargs={"rng": SAMPLING_SEED},
            lever_sampling_kwargs={"rng": SAMPLING_SEED + 1},
        )


# --------------------------------------------------------------------------- the EMA model
def test_uncertainties_levers_and_outcomes_come_from_the_declarations():
    """Uncertainties are the sensitivity design's, levers the schema's policy ranges, each with the
    EMA type of its schema type; names are identifiers standing for the dotted keys."""
    model = ema.model(overrides=SMALL)
    uncertainties = {dotted: p for p in model.uncertainties for dotted in p.variable_name}
    assert set(uncertainties) == {p.name for p in sa.design_from_spec(sa.load_spec()[0]).parameters}
    levers = {p.variable_name[0]: p for p in model.levers}
    assert set(levers) == set(ema.LEVERS)
    powers = levers["policy.devolution.powers"]
    assert isinstance(powers, workbench.IntegerParameter) and (powers.lower_bound, powers.upper_bound) == (0, 37)
    assert powers.name == "policy__devolution__powers"
    assert isinstance(levers["policy.devolution.one_stop_agent"], workbench.BooleanParameter)
    assert isinstance(levers["policy.devolution.service_mode"], workbench.CategoricalParameter)
    assert isinstance(levers["policy.approval_process.transit_cut"], workbench.RealParameter)
    assert [o.name for o in model.outcomes] == list(ema.declared_outcomes())


def test_a_bad_range_or_override_stops_before_any_experiment():
    with pytest.raises(sa.DesignError, match="outside the admissible range"):
        ema.model(levers={"policy.devolution.powers": (0, 40)}, overrides=SMALL)
    with pytest.raises(sa.DesignError, match="open: declare"):
        ema.model(levers=["policy.consolidation.abolish_max_firms"], overrides=SMALL)
    with pytest.raises(sa.DesignError, match="both an uncertainty and a lever"):
        ema.model(levers=["approval.background_load"], overrides=SMALL)
    with pytest.raises(ConfigError, match=r"policy.devolution.powers = 99 is out of range \[0, 37\]"):
        ema.model(overrides=[*SMALL, "policy.devolution.powers=99"])


def test_ema_workbench_drives_the_model(ema_results):
    """Acceptance (a): 20 scenarios x 2 policies, sequential; every outcome has 40 values that vary,
    integer levers arrive as integers."""
    experiments, outcomes = ema_results
    assert len(experiments) == SCENARIOS * POLICIES
    assert set(outcomes) == set(ema.declared_outcomes())
    for name, values in outcomes.items():
        assert values.shape == (SCENARIOS * POLICIES,) and np.isfinite(values).all(), name
        assert np.unique(values).size > 1, f"{name} does not vary"
    assert experiments["policy__devolution__powers"].dtype.kind == "i"
    assert experiments["policy__devolution__powers"].nunique() == POLICIES


def test_prim_finds_a_box_in_the_ema_results(ema_results):
    """Acceptance (a): PRIM over the experiments finds a box that restricts some input and holds a
    larger share of cases of interest than the whole sample."""
    experiments, outcomes = ema_results
    x = experiments.drop(columns=["policy", "model", "scenario"])
    y = outcomes[OUTCOME] > np.quantile(outcomes[OUTCOME], INTEREST_QUANTILE)
    found = discover.find_boxes(x, y, "prim", {c: ema.dotted_key(c) for c in x.columns})
    stats = found.stats.iloc[0]
    assert stats["res_dim"] >= 1 and found.boxes["restricted"].sum() == stats["res_dim"]
    assert 0 < stats["coverage"] <= 1 and stats["density"] > y.mean() and 0 < stats["mass"] < 1
    assert len(found.peeling) > 1 and found.peeling["coverage"].iloc[0] == 1
    assert set(found.boxes["parameter"]) == {ema.dotted_key(c) for c in x.columns}


# --------------------------------------------------------------------------- SALib
def test_a_salib_morris_sample_runs_through_the_public_api():
    """Acceptance (a): the declared Morris design's rows, each through make_params and simulate."""
    design = sa.design_from_spec(sa.load_spec()[0], method="morris", n=MORRIS_TRAJECTORIES)
    rows = sa.sample(design)
    integer = [p.name for p in design.parameters if p.integer]
    outcome = []
    for row in rows.to_dict("records"):
        values = {k: (round(v) if k in integer else v) for k, v in row.items()}
        params = make_params(design.scenario, design.seed, overrides=values, hydra_overrides=MORRIS_RUNS)
        outcome.append(simulate(params).outcomes[OUTCOME])
    table, _ = sa.compute_indices(
        design.problem(),
        "morris",
        rows.to_numpy(),
        np.array(outcome),
        num_levels=design.num_levels,
        num_resamples=design.num_resamples,
    )
    assert len(rows) == MORRIS_TRAJECTORIES * (len(design.parameters) + 1)
    assert np.unique(outcome).size > 1
    assert list(table["parameter"]) == design.names and np.isfinite(table["mu_star"]).all()
    assert table["mu_star"].max() > 0


# --------------------------------------------------------------------------- zonesim-discover
@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """A sweep folder made by zonesim -m: devolution with 0 or 37 powers, two seeds each."""
    root = tmp_path_factory.mktemp("discover")
    exp = root / "sweep"
    res = run_cli(
        [
            "-m",
            "scenario=devolution",
            "policy.devolution.powers=0,37",
            "seed=range(2)",
            *SMALL,
            f"hydra.sweep.dir={exp}",
        ],
        root,
    )
    assert res.returncode == 0, res.stderr
    return exp


def discover_cli(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "zonesim-discover"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "sim.experiments.discover"]
    return subprocess.run([*cmd, *map(str, args)], capture_output=True, text=True, timeout=120)


def test_zonesim_discover_writes_boxes_tradeoff_and_summary(sweep):
    values = [pd.read_csv(p)[OUTCOME].iloc[0] for p in sorted(sweep.glob("runs/*/summary.csv"))]
    threshold = float(np.median(values))
    res = discover_cli(sweep, "--outcome", OUTCOME, "--threshold", threshold, "--above")
    assert res.returncode == 0, res.stderr
    out = sweep / discover.DISCOVERY_DIR
    boxes = pd.read_csv(out / "prim_boxes.csv")
    assert list(boxes["parameter"]) == ["policy.devolution.powers"]
    assert {"coverage", "density", "mass", "res_dim", "low", "high", "restricted"} <= set(boxes.columns)
    assert (out / "prim_tradeoff.png").stat().st_size > 0 and (out / "prim_peeling.csv").exists()
    summary = (out / "prim_summary.txt").read_text()
    assert f"{OUTCOME} > {threshold:g}" in summary and f"of {len(values)} runs" in summary
    assert summary in res.stdout and (out / "prim_boxes.md").exists()
    discover.main([str(sweep), "--outcome", OUTCOME, "--threshold", str(threshold), "--below", "--method", "cart"])
    assert (out / "cart_boxes.csv").exists() and (out / "cart_tree.png").stat().st_size > 0
    assert not list(out.glob(".*")), "temporary files left behind"


def _one_powers_value(sweep: Path, folder: Path) -> Path:
    """A copy of the sweep holding only the runs with 37 powers: only the seed varies."""
    for run in sweep.glob("runs/*"):
        if "policy.devolution.powers=37" in (run / "run.json").read_text():
            shutil.copytree(run, folder / "runs" / run.name)
    return folder


IMPOSSIBLE = 1e6  # working days: no run takes that long


@pytest.mark.parametrize(
    "folder,outcome,threshold,expected",
    [
        ("sweep", "no_such_outcome", 0, "unknown outcome 'no_such_outcome'"),
        ("sweep", OUTCOME, IMPOSSIBLE, f"no run has {OUTCOME} > {IMPOSSIBLE:g}"),
        ("one value", OUTCOME, 0, "nothing varies across the runs but the seed"),
        ("empty", OUTCOME, 0, "no complete run"),
    ],
)
def test_zonesim_discover_refuses_bad_input_in_one_line(sweep, tmp_path, capsys, folder, outcome, threshold, expected):
    """Exit status 2 and one line naming what is wrong, before anything is written."""
    path = {
        "sweep": sweep,
        "one value": _one_powers_value(sweep, tmp_path) if folder == "one value" else None,
        "empty": tmp_path,
    }[folder]
    with pytest.raises(SystemExit) as exit_:
        discover.main([str(path), "--outcome", outcome, "--threshold", str(threshold)])
    assert exit_.value.code == discover.EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip()
    assert err.startswith("zonesim-discover: error: ") and expected in err and "\n" not in err
