"""The national-scale sweep (``configs/experiment/national.yaml``, docs/cluster.md "A national-scale
sweep"): the experiment composes as documented, and a shrunken copy of it runs on a private Ray
instance with the same tables as under Hydra's basic launcher.

Fast tests compose the experiment (nothing is run). The ``slow`` test runs 2 runs of the
experiment (baseline and full_reform, seed 0) on a 0.5 % copy of the national region to 2019-12,
once with ``hydra/launcher=basic`` and once with ``hydra/launcher=ray_local`` (~30 s in all on
2 cores); it skips when the ``cluster`` extra is not installed. Exact outcome values are not
tested: they change with the model.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf

from sim.data import build_region
from sim.data.national import NATIONAL_TYPES, PROVINCIAL_TYPE
from sim.experiments.callbacks import count_jobs
from tests.conftest import compose_params
from tests.test_launchers import (
    LAUNCHERS,
    RAY_TARGET,
    assert_no_process_left,
    assert_same_runs,
    completed_runs,
    compose_launcher,
    need_plugin,
    run_zonesim,
)

# zonesim_joblib: joblib's launcher that launches the jobs again when a worker dies
JOBLIB_TARGET = "hydra_plugins.zonesim_launcher.resilient_joblib.ResilientJoblibLauncher"
SCALE, END = 0.005, "2019-12"  # 13 zones, ~1,900 firms; the reform (2018-09) and a first ranking (2019-12)
# the experiment, shrunken and restricted to 2 runs: baseline and full_reform with seed 0
SMALL = ["experiment=national", f"region.national.scale={SCALE}", f"time.end={END}", "hydra.sweeper.params.seed=0"]
MEMORY = 200 * 2**20  # bytes of Ray's `memory` resource asked per run (a reservation, not a limit)


# ---------------------------------------------------------------------------- fast: configs


def test_national_experiment_composes():
    """``zonesim experiment=national``: national region, 2015-2035, MOFCOM ranking, 2 scenarios x
    10 seeds, its own sweep folder, zonesim's joblib launcher (so that it runs anywhere)."""
    cfg = compose_launcher("experiment=national")
    assert cfg.region.kind == "national" and cfg.region.national.scale == 1.0
    assert (cfg.time.start, cfg.time.end) == ("2015-01", "2035-12")
    assert cfg.policy.assessment.rule == "mofcom"
    assert str(cfg.hydra.mode) == "RunMode.MULTIRUN"
    assert cfg.hydra.sweep.dir == "multirun/national"
    assert OmegaConf.to_container(cfg.hydra.sweeper.params) == {"scenario": "baseline,full_reform", "seed": "range(10)"}
    assert cfg.hydra.launcher._target_ == JOBLIB_TARGET
    assert count_jobs(cfg) == 20
    assert count_jobs(compose_launcher(*SMALL)) == 2  # the slow test's restriction
    first = (Path(__file__).resolve().parents[1] / "configs/experiment/national.yaml").read_text().splitlines()[0]
    assert first == "# @package _global_"


@pytest.mark.parametrize("scenario, assessed", [("baseline", False), ("full_reform", True)])
def test_shrunken_national_run_validates(scenario, assessed):
    """The command-line shrink (scale, horizon) reaches the model's parameters, and the experiment's
    MOFCOM rule survives the scenario's assessment option (the experiment is merged after it)."""
    params = compose_params(
        "experiment=national", f"scenario={scenario}", "region.national.scale=0.02", "time.end=2016-12"
    )
    assert params.region.kind == "national" and params.region.national.scale == 0.02
    assert params.time.end == "2016-12"
    assert params.policy.assessment.enabled is assessed
    assert params.policy.assessment.rule == "mofcom"


@pytest.mark.parametrize("name", sorted(LAUNCHERS))
def test_command_line_launcher_beats_the_experiment_file(name):
    """``zonesim experiment=national hydra/launcher=<name>`` (docs/cluster.md): the command line
    picks the launcher, and the experiment sets no joblib-only key that another launcher rejects."""
    need_plugin(name)
    cfg = compose_launcher("experiment=national", f"hydra/launcher={name}")
    assert cfg.hydra.launcher._target_ == LAUNCHERS[name][1]
    assert str(cfg.hydra.mode) == "RunMode.MULTIRUN" and cfg.region.kind == "national"


@pytest.mark.parametrize("name", ["ray_local", "ray_cluster"])
def test_ray_memory_per_run_composes(name):
    """docs/cluster.md's ``+hydra.launcher.ray.remote.memory=...`` (a key the launcher files do not
    declare, hence the ``+``) and ``hydra.launcher.ray.remote.num_cpus`` reach ``ray.remote``'s options."""
    need_plugin(name)
    cfg = compose_launcher(
        "experiment=national",
        f"hydra/launcher={name}",
        f"+hydra.launcher.ray.remote.memory={4 * 2**30}",
        "hydra.launcher.ray.remote.num_cpus=1",
    )
    assert cfg.hydra.launcher._target_ == LAUNCHERS[name][1] == RAY_TARGET
    remote = OmegaConf.to_container(cfg.hydra.launcher.ray.remote)
    assert remote == {"num_cpus": 1, "max_retries": 0, "memory": 4 * 2**30}  # Ray accepts them: the slow test


# ---------------------------------------------------------------------------- slow: Ray


def assert_national_structure(sweep: Path) -> None:
    """The runs are the national region's: the generator's zones (provinces, levels, types) in the
    outputs, the MOFCOM ranking in force in full_reform, an effects table of the pair."""
    params = compose_params("experiment=national", f"region.national.scale={SCALE}", f"time.end={END}")
    zones = build_region(params).zones.set_index("zone_id")
    assert set(zones["level"]) == {"national", "region"}
    assert set(zones.loc[zones["level"] == "national", "type"]) <= set(NATIONAL_TYPES.values())
    assert zones["province_id"].nunique() > 5 and zones["macro_region"].nunique() > 1
    scenarios = {}
    for folder in completed_runs(sweep).values():
        run = json.loads((folder / "run.json").read_text())
        scenarios[run["scenario"]] = folder
        assert run["seed"] == 0
        region = run["config"]["region"]
        assert region["kind"] == "national" and region["national"]["scale"] == SCALE
        assert run["config"]["time"]["end"] == END
        yearly = pd.read_parquet(folder / "zones_yearly.parquet")
        first = yearly[yearly["year"] == 2015].set_index("zone_id")
        assert sorted(first.index) == sorted(zones.index)  # every generated zone, no other
        for col in ("county_id", "level", "type"):
            assert first[col].to_dict() == zones[col].to_dict(), col
        assert set(first.loc[first["level"] == "region", "type"]) == {PROVINCIAL_TYPE}
        monthly = pd.read_parquet(folder / "monthly.parquet")
        assert len(monthly) == 5 * 12  # 2015-01 .. 2019-12
    assert sorted(scenarios) == ["baseline", "full_reform"]
    reform = json.loads((scenarios["full_reform"] / "run.json").read_text())["config"]["policy"]["assessment"]
    assert reform["enabled"] and reform["rule"] == "mofcom"
    scored = pd.read_parquet(scenarios["full_reform"] / "zones_yearly.parquet").query("year == 2019")["score"]
    assert scored.notna().any()  # the first ranking (2019-12) took place
    effects = pd.read_csv(sweep / "aggregate" / "effects.csv")
    assert not effects.empty and set(effects["group"]) == {"full_reform"}


@pytest.mark.slow
def test_national_sweep_on_ray_local_equals_basic_launcher(tmp_path):
    """``zonesim experiment=national hydra/launcher=ray_local`` on a shrunken country, 2 runs, with
    a memory request per run: the runs finish, the manifest lists them, the tables equal those of
    the same runs under the basic launcher, and the outputs hold the national structure."""
    pytest.importorskip("ray", reason="the `cluster` extra is not installed")
    need_plugin("ray_local")
    started = time.time()
    tag = uuid.uuid4().hex
    basic = run_zonesim(
        [*SMALL, "hydra/launcher=basic", "hydra.sweep.dir=basic"], tmp_path, {**os.environ, "ZONESIM_TEST_TAG": tag}
    )
    assert basic.returncode == 0, basic.stdout[-5000:]
    assert len(completed_runs(tmp_path / "basic")) == 2

    ray_tmp = Path(tempfile.mkdtemp(prefix="zr-", dir="/tmp"))  # Unix socket paths must stay < 108 bytes
    env = {**os.environ, "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0", "ZONESIM_TEST_TAG": tag}
    env.pop("RAY_ADDRESS", None)
    try:
        done = run_zonesim(
            [
                *SMALL,
                "hydra/launcher=ray_local",
                "hydra.launcher.ray.init.num_cpus=2",
                f"+hydra.launcher.ray.remote.memory={MEMORY}",
                f"+hydra.launcher.ray.init._temp_dir={ray_tmp}",
                "hydra.sweep.dir=ray",
            ],
            tmp_path,
            env,
        )
        assert done.returncode == 0, done.stdout[-5000:]
        assert "Started a local Ray instance" in done.stdout, done.stdout[-5000:]
        assert_no_process_left(tag, "Ray")
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)

    for sweep in (tmp_path / "basic", tmp_path / "ray"):
        runs = completed_runs(sweep)  # folders with DONE
        assert len(runs) == 2, sorted((sweep / "runs").iterdir())
        manifest = json.loads((sweep / "manifest.json").read_text())
        assert sorted(r["key"] for r in manifest["runs"]) == sorted(runs) and not manifest["failures"]
        assert_national_structure(sweep)
    assert_same_runs(tmp_path / "ray", tmp_path / "basic")  # same keys, equal tables, manifest complete
    print(f"national sweep, 2 runs under basic and under ray_local: {time.time() - started:.1f} s")
