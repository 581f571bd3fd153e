"""Experiments (multiruns): resume after a kill, failures recorded, launcher-independent results."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import run_cli

REPO = Path(__file__).resolve().parents[1]
SHORT = ["time.end=2016-12"]


def zonesim(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return run_cli(list(args), cwd, timeout=timeout)


def done_keys(exp: Path) -> set[str]:
    return {p.parent.name for p in (exp / "runs").glob("*/DONE")}


def tables_by_key(exp: Path, table: str = "monthly") -> dict[str, pd.DataFrame]:
    return {k: pd.read_parquet(exp / "runs" / k / f"{table}.parquet") for k in sorted(done_keys(exp))}


def assert_same_runs(a: Path, b: Path) -> None:
    ta, tb = tables_by_key(a), tables_by_key(b)
    assert ta.keys() == tb.keys() and ta
    for k in ta:
        pd.testing.assert_frame_equal(ta[k], tb[k])
        for t in ("approvals", "exits", "zones_yearly"):
            pd.testing.assert_frame_equal(
                pd.read_parquet(a / "runs" / k / f"{t}.parquet"), pd.read_parquet(b / "runs" / k / f"{t}.parquet")
            )


def test_multirun_writes_content_addressed_runs_and_manifest(tmp_path):
    """Each job lands in runs/<key>/ (key = hash of its resolved config) with a DONE marker; the
    manifest lists every run with its seed, overrides and wall time; progress lines count jobs."""
    exp = tmp_path / "exp"
    res = zonesim("-m", "seed=0,1", "scenario=baseline,devolution", *SHORT, f"hydra.sweep.dir={exp}", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert len(done_keys(exp)) == 4
    manifest = json.loads((exp / "manifest.json").read_text())
    assert len(manifest["runs"]) == 4 and manifest["failures"] == []
    assert {r["seed"] for r in manifest["runs"]} == {0, 1}
    assert all(r["wall_seconds"] > 0 and r["overrides"] for r in manifest["runs"])
    assert manifest["versions"]["mesa"] and manifest["started"] <= manifest["ended"]
    assert "[4/4]" in res.stderr  # one progress line per finished run, with the total


def test_progress_counts_only_the_runs_of_this_sweep(tmp_path):
    """A complete run folder the sweep does not make (here a copy under another key, as a run of
    older code leaves) counts neither as already complete nor in the progress lines."""
    exp = tmp_path / "exp"
    sweep = ["-m", "seed=0,1", *SHORT, f"hydra.sweep.dir={exp}"]
    assert zonesim(*sweep, cwd=tmp_path).returncode == 0
    first, second = sorted(done_keys(exp))
    shutil.copytree(exp / "runs" / first, exp / "runs" / "0123456789ab")  # a complete run of another key
    shutil.rmtree(exp / "runs" / second)
    res = zonesim(*sweep, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "2 jobs (1 already complete)" in res.stdout + res.stderr
    assert "[2/2]" in res.stderr and "[3/2]" not in res.stderr
    assert done_keys(exp) == {first, second, "0123456789ab"}


def test_resume_after_kill_runs_only_the_missing_jobs(tmp_path):
    """A sweep killed part-way and re-run executes only the runs without a DONE marker, and ends
    with exactly the results of an uninterrupted sweep."""
    sweep = ["-m", "seed=0,1,2,3,4,5", *SHORT]
    full = tmp_path / "full"
    assert zonesim(*sweep, f"hydra.sweep.dir={full}", cwd=tmp_path).returncode == 0

    exp = tmp_path / "killed"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.runner.cli", *sweep, f"hydra.sweep.dir={exp}"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 120
    while len(done_keys(exp)) < 2 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = done_keys(exp)
    assert 2 <= len(before) < 6, "the kill should land part-way through the sweep"

    res = zonesim(*sweep, f"hydra.sweep.dir={exp}", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert res.stderr.count("complete, skipped") == len(before)
    assert res.stderr.count("running scenario") == 6 - len(before)
    assert_same_runs(full, exp)


# ``python -c`` that runs ``zonesim <args>`` with the model raising for seed 1: a fault that only shows
# while a run runs (every input is checked before the sweep starts, so a bad input cannot stand in)
FAILS_FOR_SEED_1 = """
import sys
import sim.runner.run as run
simulate = run.simulate
def failing(params, region=None):
    if params.seed == 1:
        raise RuntimeError("injected fault in the run of seed 1")
    return simulate(params, region)
run.simulate = failing
from sim.runner.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_failing_run_is_recorded_and_the_others_complete(tmp_path):
    """A run that raises while it runs (here: an injected fault for seed 1, under the in-process
    basic launcher) is written to the failures table; the other runs finish; the command exits
    non-zero."""
    exp = tmp_path / "exp"
    res = subprocess.run(
        [
            sys.executable,
            "-c",
            FAILS_FOR_SEED_1,
            "-m",
            "seed=0,1",
            "scenario=baseline,devolution",
            "hydra/launcher=basic",
            *SHORT,
            f"hydra.sweep.dir={exp}",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode != 0
    assert len(done_keys(exp)) == 2
    failures = [json.loads(p.read_text()) for p in (exp / "failures").glob("*.json")]
    assert len(failures) == 2
    assert all("seed=1" in f["overrides"] and "injected fault" in f["error"] for f in failures)
    manifest = json.loads((exp / "manifest.json").read_text())
    assert len(manifest["failures"]) == 2 and len(manifest["runs"]) == 2


def test_a_sweep_with_a_broken_data_folder_is_refused_before_it_starts(tmp_path):
    """Every sweep point is checked first: a broken data folder for one value stops the command with
    one line, before the sweep folder exists."""
    bad = tmp_path / "broken_data"
    bad.mkdir()
    (bad / "counties.csv").write_text("county_id\nx\n")
    exp = tmp_path / "exp"
    good = REPO / "sim" / "data" / "ningxia"
    res = zonesim("-m", f"region.data_dir={good},{bad}", "seed=0,1", *SHORT, f"hydra.sweep.dir={exp}", cwd=tmp_path)
    assert res.returncode == 2 and "broken_data" in res.stderr and "Traceback" not in res.stderr
    assert not exp.exists()


def test_same_results_under_basic_and_joblib_with_two_workers(tmp_path):
    """Same configs and seeds give identical tables whatever the launcher and number of workers."""
    sweep = ["-m", "seed=0,1", "scenario=baseline,full_reform", "time.end=2019-12"]
    basic, joblib = tmp_path / "basic", tmp_path / "joblib"
    assert zonesim(*sweep, f"hydra.sweep.dir={basic}", cwd=tmp_path).returncode == 0
    res = zonesim(*sweep, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={joblib}", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert_same_runs(basic, joblib)
    # zonesim's launcher: its workers import matplotlib only at the end, while the runs are read,
    # and draw the figures; the figures are those of the sweep drawn in one process, byte for byte
    ours = tmp_path / "zonesim_joblib"
    res = zonesim(
        *sweep, "hydra/launcher=zonesim_joblib", "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={ours}", cwd=tmp_path
    )
    assert res.returncode == 0, res.stderr
    assert_same_runs(basic, ours)
    figures = {p.name: p.read_bytes() for p in sorted((basic / "aggregate" / "figures").glob("*.png"))}
    assert len(figures) >= 4
    assert {p.name: p.read_bytes() for p in sorted((ours / "aggregate" / "figures").glob("*.png"))} == figures


@pytest.mark.parametrize("experiment", sorted(p.stem for p in (REPO / "configs" / "experiment").glob("*.yaml")))
def test_every_experiment_config_composes(experiment):
    """Every experiment file composes with the real configs (and its sweep settings are set)."""
    from hydra import compose, initialize_config_dir

    from sim.config.schema import register_configs

    register_configs()
    with initialize_config_dir(config_dir=str(REPO / "configs"), version_base="1.3", job_name="test"):
        cfg = compose(config_name="config", overrides=[f"experiment={experiment}"], return_hydra_config=True)
    assert cfg.hydra.sweeper is not None


def test_policy_after_the_horizon_gives_exactly_zero_paired_differences(tmp_path):
    """Pairing, not just means: a scenario whose only policy starts after the horizon equals
    baseline seed by seed, so every paired difference is exactly 0 with a zero-width interval."""
    exp = tmp_path / "exp"
    res = zonesim(
        "-m",
        "scenario=baseline,devolution",
        "policy.devolution.start=2031-01",
        "seed=0,1,2",
        "time.end=2017-12",
        f"hydra.sweep.dir={exp}",
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    effects = pd.read_csv(exp / "aggregate" / "effects.csv")
    dev = effects[effects["group"].astype(str).str.contains("devolution")]
    finite = dev.dropna(subset=["diff_mean"])  # outcomes of years past the horizon are NaN
    assert (finite["n_pairs"] == 3).all()
    assert len(finite) >= 5
    assert (finite["diff_mean"] == 0).all()
    assert (finite["ci_low"] == 0).all() and (finite["ci_high"] == 0).all()


def test_cli_sweep_gives_one_row_set_per_value_and_seed(tmp_path):
    """A sweep over one parameter x seeds is aggregated with the parameter as a column: one run
    (and one monthly row set) per (value, seed)."""
    exp = tmp_path / "exp"
    res = zonesim(
        "-m",
        "scenario=devolution",
        "policy.devolution.start=2015-01",
        "policy.devolution.powers=0,20,37",
        "seed=0,1",
        "time.end=2016-12",
        f"hydra.sweep.dir={exp}",
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    agg = exp / "aggregate"
    outcomes = pd.read_parquet(agg / "run_outcomes.parquet")
    assert "policy__devolution__powers" in outcomes.columns  # the dotted key, as a plain column name
    pairs = outcomes.groupby(["policy__devolution__powers", "seed"]).size()
    assert len(pairs) == 6 and (pairs == 1).all()
    runs = pd.read_parquet(agg / "runs.parquet")
    per = runs.groupby(["policy__devolution__powers", "seed"]).size()
    assert len(per) == 6 and (per == 24).all()  # 24 months each
    for f in ("summary.csv", "summary.md", "effects.csv", "effects.md", "failures.csv"):
        assert (agg / f).is_file()
    assert list((agg / "figures").glob("*.png"))


@pytest.mark.slow
def test_main_job_compares_the_seven_scenarios(tmp_path):
    """The README's main job (experiment=compare) on two of its ten seeds: the 7 scenarios in
    parallel, an effects table printed, the tidy table, summaries, figures and manifest written.
    (``make run`` runs all ten seeds; the experiment's wiring is the same for any number.)"""
    exp = tmp_path / "compare"
    res = zonesim("experiment=compare", "seed=range(2)", f"hydra.sweep.dir={exp}", cwd=tmp_path, timeout=900)
    assert res.returncode == 0, res.stderr[-2000:]
    assert len(done_keys(exp)) == 14
    assert "full_reform" in res.stdout and "Approval latency" in res.stdout
    agg = exp / "aggregate"
    for f in ("runs.parquet", "run_outcomes.parquet", "summary.csv", "effects.csv", "effects.md"):
        assert (agg / f).is_file()
    assert len(list((agg / "figures").glob("*.png"))) >= 5
    assert (exp / "manifest.json").is_file()
    outcomes = pd.read_parquet(agg / "run_outcomes.parquet")
    assert sorted(outcomes["scenario"].unique()) == sorted(
        ["baseline", "consolidation", "devolution", "approval_reform", "assessment", "zombie_disposal", "full_reform"]
    )
