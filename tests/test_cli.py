"""The ``zonesim`` command end to end: a reform run with overrides, a default full-horizon run
and a Hydra multirun, each in its own temporary folder (Hydra never writes into the repo)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from sim.runner.files import check_done
from sim.runner.run import PACKAGES, TABLES
from tests.conftest import run_cli

FILES = {f"{t}.parquet" for t in TABLES} | {"summary.csv", "run.json"}


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """The three commands of this module, started together (each in its own cwd)."""
    root = tmp_path_factory.mktemp("cli")
    cwds = {name: root / name for name in ("reform", "default", "multi")}
    for d in cwds.values():
        d.mkdir()
    commands = {
        "reform": [
            "scenario=full_reform",
            "seed=3",
            "policy.devolution.powers=20",
            "time.end=2019-12",
            f"hydra.run.dir={cwds['reform'] / 'run'}",
        ],
        "default": [f"hydra.run.dir={cwds['default'] / 'run'}"],
        "multi": ["-m", "seed=0,1", "time.end=2016-12", f"hydra.sweep.dir={cwds['multi'] / 'sweep'}"],
    }
    with ThreadPoolExecutor(max_workers=3) as pool:
        futs = {name: pool.submit(run_cli, args, cwds[name]) for name, args in commands.items()}
        procs = {name: f.result() for name, f in futs.items()}
    return cwds, procs


def _no_stray_outputs(cwd: Path) -> None:
    assert not (cwd / "outputs").exists() and not (cwd / "multirun").exists()


def test_reform_run_with_overrides_writes_all_outputs(cli):
    """``zonesim scenario=full_reform seed=3 policy.devolution.powers=20 time.end=2019-12`` exits 0,
    prints the summary table and writes every table, summary.csv and run.json (no staging left)."""
    cwds, procs = cli
    proc, run = procs["reform"], cwds["reform"] / "run"
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "approval_wd_mean" in proc.stdout and "zombie_share_end" in proc.stdout
    assert f"outputs: {run}" in proc.stdout
    assert "full_reform" in proc.stdout
    written = {p.name for p in run.iterdir() if p.is_file()}
    assert FILES <= written
    assert not list(run.glob(".*.partial")) and not list(run.glob(".*.tmp"))  # no private staging left
    assert check_done(run) is None  # DONE lists every file with its size and hash, and they match
    for t in TABLES:
        assert len(pd.read_parquet(run / f"{t}.parquet")) > 0, t
    _no_stray_outputs(cwds["reform"])


def test_reform_run_json_records_seed_scenario_config_and_versions(cli):
    """run.json holds the seed, the scenario, the resolved config (powers=20 from the command
    line, the policies of full_reform enabled) and the versions of the packages used."""
    cwds, procs = cli
    assert procs["reform"].returncode == 0, procs["reform"].stderr[-3000:]
    meta = json.loads((cwds["reform"] / "run" / "run.json").read_text())
    assert meta["seed"] == 3
    assert meta["scenario"] == "full_reform"
    cfg = meta["config"]
    assert cfg["seed"] == 3 and cfg["scenario_name"] == "full_reform"
    assert cfg["policy"]["devolution"]["powers"] == 20
    assert cfg["time"]["end"] == "2019-12"
    assert all(cfg["policy"][p]["enabled"] for p in ("consolidation", "devolution", "assessment", "zombie_disposal"))
    versions = meta["versions"]
    assert set(PACKAGES) | {"python"} <= set(versions)
    for pkg in ("zonesim", "mesa", "hydra-core", "pandas", "numpy"):
        assert versions[pkg] not in ("", "not installed"), pkg
    assert versions["mesa"].startswith("3.")
    assert isinstance(meta["wall_seconds"], (int, float)) and meta["wall_seconds"] >= 0
    assert meta["region"]  # where the data came from


def test_reform_run_tables_reflect_the_overrides(cli):
    """The command-line values reach the model: 20 powers devolved from 2019-01, the horizon ends
    2019-12, consolidation events happen, and summary.csv matches the printed table."""
    cwds, procs = cli
    assert procs["reform"].returncode == 0, procs["reform"].stderr[-3000:]
    run = cwds["reform"] / "run"
    monthly = pd.read_parquet(run / "monthly.parquet")
    assert monthly["date"].iloc[0] == "2015-01" and monthly["date"].iloc[-1] == "2019-12"
    assert len(monthly) == 60
    assert (monthly.loc[monthly["date"] >= "2019-01", "powers_devolved"] == 20).all()
    assert (monthly.loc[monthly["date"] < "2019-01", "powers_devolved"] == 0).all()
    events = pd.read_parquet(run / "zone_events.parquet")
    assert (events["date"] >= "2018-09").all() and len(events) > 0
    summary = pd.read_csv(run / "summary.csv")
    assert summary.loc[0, "seed"] == 3 and summary.loc[0, "scenario"] == "full_reform"
    assert summary.loc[0, "zones_end"] < summary.loc[0, "zones_start"]  # consolidation cut zones
    assert f"{summary.loc[0, 'approval_wd_mean']:,.3f}" in procs["reform"].stdout


def test_default_run_covers_2015_to_2030(cli):
    """A bare ``zonesim`` runs the baseline on the embedded data for 2015-01 to 2030-12."""
    cwds, procs = cli
    proc, run = procs["default"], cwds["default"] / "run"
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "approval_wd_mean" in proc.stdout
    assert FILES <= {p.name for p in run.iterdir()}
    monthly = pd.read_parquet(run / "monthly.parquet")
    assert len(monthly) == 16 * 12
    assert monthly["date"].iloc[0] == "2015-01" and monthly["date"].iloc[-1] == "2030-12"
    assert (monthly["powers_devolved"] == 0).all()
    meta = json.loads((run / "run.json").read_text())
    assert meta["seed"] == 0 and meta["scenario"] == "baseline"
    assert pd.read_parquet(run / "zone_events.parquet")["event"].isin(["founded"]).all()
    _no_stray_outputs(cwds["default"])


def test_multirun_writes_one_folder_per_job(cli):
    """``zonesim -m seed=0,1`` runs two jobs, each writing its own complete folder ``runs/<key>/``
    with its seed, and the experiment is aggregated at the end."""
    cwds, procs = cli
    proc, sweep = procs["multi"], cwds["multi"] / "sweep"
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = sorted(
        (p.parent for p in (sweep / "runs").glob("*/DONE")),
        key=lambda p: json.loads((p / "run.json").read_text())["seed"],
    )
    assert len(jobs) == 2
    seeds = []
    for job in jobs:
        assert FILES <= {p.name for p in job.iterdir()}, job
        meta = json.loads((job / "run.json").read_text())
        seeds.append(meta["seed"])
        assert meta["key"] == job.name
        monthly = pd.read_parquet(job / "monthly.parquet")
        assert monthly["date"].iloc[-1] == "2016-12"
    assert seeds == [0, 1]
    m0, m1 = (pd.read_parquet(j / "monthly.parquet") for j in jobs)
    assert not m0["output"].equals(m1["output"])
    assert (sweep / "manifest.json").is_file()
    assert (sweep / "aggregate" / "summary.csv").is_file()
    _no_stray_outputs(cwds["multi"])
