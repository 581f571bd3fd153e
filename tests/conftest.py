"""Shared fixtures: compose the real Hydra configs, build regions, run models."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim.config.schema import ModelConfig, register_configs
from sim.data import RegionData, build_region, load_catalogue
from sim.model.model import ZoneReformModel

CONFIG_DIR = Path(__file__).resolve().parents[1] / "configs"
register_configs()

#: the slow tier (``make test`` runs it, ``make test-fast`` does not): files whose tests drive the
#: commands end to end (sweeps, launchers, installs, notebooks, reports, the dashboard, kill and
#: disk-full runs), and tests that run the model once per parameter
SLOW_FILES = {
    "test_experiments.py",
    "test_warm.py",
    "test_decompose.py",
    "test_notebooks.py",
    "test_sensitivity.py",
    "test_install.py",
    "test_patterns.py",
    "test_ema.py",
    "test_kill_points.py",
    "test_national_sweep.py",
    "test_launchers.py",
    "test_reliability.py",
    "test_calibration.py",
    "test_calibrate_process.py",
    "test_per_mu.py",
    "test_report.py",
    "test_worker_death.py",
    "test_demo_components.py",
    "test_demo_hosts.py",
    "test_cli.py",
    "test_aggregate.py",
    "test_invariants.py",
    "test_scale.py",
    "test_national.py",
    "test_process_levers.py",
}
#: ... and single tests that start the command in a subprocess (or share a fixture that does), or
#: sweep several full runs
SLOW_TESTS = {
    "test_every_parameter_is_read_by_the_model",
    "test_bad_input_process_ends_fast_and_small",
    "test_cli_bad_founded_month_fails_cleanly",
    "test_cli_process_bad_input_fails_cleanly",
    "test_cli_same_seed_writes_identical_files",
    "test_cli_results_do_not_depend_on_python_hash_seed",
    "test_cli_tables_equal_in_process_simulation",
    "test_every_column_a_run_writes_is_in_the_dictionary_and_in_the_parquet_schema",
    "test_every_column_the_aggregator_writes_is_documented_and_swept_parameters_are_plain_names",
    "test_one_function_gives_every_outcome_under_the_same_names",
    "test_load_run_reads_back_what_zonesim_wrote",
    "test_load_run_refuses_what_is_not_a_complete_run",
    "test_load_experiment_is_the_analysis_layers_reader",
    "test_multirun_bad_input_does_not_delete_existing_output_dir",
    # mechanism sweeps of several full runs each (the fast tier keeps a shorter test of each mechanism)
    "test_latency_falls_as_powers_are_devolved",
    "test_zombie_disposal_lowers_zombie_share",
    "test_common_random_numbers_identical_before_policies_start",
    "test_ledger_is_conserved_every_month",
    "test_simulate_twice_in_one_process_is_stateless",
    "test_latency_falls_with_regional_assessment_items",
}


#: approval without queueing, randomness, transit or hand-off, on the catalogue's precedence graph:
#: an item takes exactly prep·prep_scale + effort·effort_scale + review·review_scale (scales 1)
EXACT_APPROVAL = (
    "approval.service_cv=0",
    "approval.prep_cv=0",
    "approval.rework_probability=0",
    "approval.background_load=0",
    "approval.min_office_staff=1000",
    "approval.transit_days_region=0",
    "approval.transit_days_city=0",
    "approval.transit_days_county=0",
    "approval.stage_handoff_days=0",
    "approval.prep_scale=1",
    "approval.item_effort_scale=1",
    "approval.review_scale=1",
    "approval.precedence=catalogue",
    "time.end=2016-06",
)


def _fast_tier(config) -> bool:
    """The run selects ``-m "not slow"`` (``make test-fast``)."""
    return config.getoption("markexpr", "").replace(" ", "") == "notslow"


def pytest_ignore_collect(collection_path, config):
    """In the fast tier the slow files are not even imported (EMA Workbench, Solara and nbmake
    take seconds to import in every worker)."""
    if _fast_tier(config) and (collection_path.name in SLOW_FILES or collection_path.name == "browser"):
        return True
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.name in SLOW_FILES or item.path.parent.name == "browser" or item.originalname in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


def compose_params(*overrides: str) -> ModelConfig:
    """The validated parameters the CLI would build for ``zonesim <overrides>`` (the public API,
    :func:`sim.make_params`, given Hydra override strings)."""
    return sim.make_params(hydra_overrides=overrides)


def make_model(params: ModelConfig, region: RegionData | None = None) -> ZoneReformModel:
    return ZoneReformModel(params, region if region is not None else build_region(params))


def run_model(params: ModelConfig, region: RegionData | None = None) -> ZoneReformModel:
    return make_model(params, region).run()


def tiny_region(
    zones: list[dict],
    counties: list[dict] | None = None,
    adjacency=None,
    total_firms: int | None = None,
    total_output: float = 1e6,
) -> RegionData:
    """A hand-built region with the embedded sectors and approval catalogue.

    ``zones`` rows need ``zone_id``, ``county_id``, ``firms``, ``output_share`` and
    ``output_per_mu``; other columns get defaults.  Counties default to one per zone's county,
    all in one city, in a chain.
    """
    sectors, items, spending = load_catalogue()
    if counties is None:
        ids = list(dict.fromkeys(z["county_id"] for z in zones))
        counties = [
            {
                "county_id": c,
                "name_zh": c,
                "name_en": c,
                "city_id": "city0",
                "fiscal_revenue": 50000.0,
                "source": "test",
            }
            for c in ids
        ]
        if adjacency is None:
            adjacency = [{"county_a": a, "county_b": b, "source": "test"} for a, b in zip(ids, ids[1:])]
    rows = []
    for z in zones:
        row = {
            "name_zh": z["zone_id"],
            "name_en": z["zone_id"],
            "level": "region",
            "type": "industrial",
            "body_id": f"b_{z['zone_id']}",
            "rank": "division",
            "blocks": 1,
            "leading_sectors": "machinery;light_textile;other",
            "name_mismatch": 0,
            "founded": "",
            "source": "test",
        }
        row.update(z)
        row.setdefault("land_mu", row["output_share"] * total_output / row["output_per_mu"] / 0.6 + 100.0)
        rows.append(row)
    region = RegionData(
        counties=pd.DataFrame(counties),
        adjacency=pd.DataFrame(adjacency or [], columns=["county_a", "county_b", "source"]),
        zones=pd.DataFrame(rows),
        sectors=sectors,
        items=items,
        spending=spending,
        origin="<test>",
    )
    from sim.data.region import check_region

    region = check_region(region)
    region.total_firms = total_firms if total_firms is not None else int(sum(z["firms"] for z in zones))
    region.total_output = total_output
    return region


def run_cli(args: list[str], cwd: Path, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the ``zonesim`` console script (or the module) in ``cwd``; extra environment in ``env``."""
    exe = Path(sys.executable).parent / "zonesim"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "sim.runner.cli"]
    full_env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"} | (env or {})
    return subprocess.run(cmd + list(args), cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def params() -> ModelConfig:
    """Baseline parameters from the real configs."""
    return compose_params()
