"""The public Python API (``import sim``): from flat parameter values, as SALib, EMA Workbench or a
numpy loop hold them, to validated parameters the command line would run with, a run, its
outcomes, and runs written by ``zonesim`` read back."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import compose_params, run_cli

import sim
from sim import ConfigError, Result, load_experiment, load_run, make_params, outcomes, simulate
from sim.analysis.load import Experiment, NotAnExperimentError
from sim.api import NotARunError
from sim.runner.run import run_key, summarise

# a small generated region over 15 months (a year-end for the yearly tables): about a second a run
SMALL = {"region.synthetic.enterprises": 300, "time.end": "2016-03"}
SMALL_ARGS = ["region=synthetic", "seed=2", *(f"{k}={v}" for k, v in SMALL.items())]


def same_outcomes(a: dict, b: dict) -> bool:
    """Equal outcome dicts, NaN equal to NaN (no approvals in a short run gives NaN latencies)."""
    return a.keys() == b.keys() and all(
        (isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y)) or x == y
        for x, y in ((a[k], b[k]) for k in a)
    )


# --------------------------------------------------------------------------- make_params
def test_acceptance_b_a_numpy_value_out_of_range_is_one_clear_error():
    with pytest.raises(ConfigError) as err:
        make_params("devolution", overrides={"policy.devolution.powers": np.int64(99)})
    message = str(err.value)
    assert message.startswith("policy.devolution.powers = 99 is out of range [0, 37]"), message
    assert "\n" not in message


@pytest.mark.parametrize(
    "values, message",
    [
        ({"policy.devolution.power": 20}, "policy.devolution.power: unknown configuration key"),
        ({"policy.devolution.powers": 20.7}, "policy.devolution.powers = 20.7 is not a whole number"),
        ({"policy.devolution.one_stop_agent": "yes"}, "policy.devolution.one_stop_agent = 'yes' is not a boolean"),
        ({"policy.devolution.service_mode": "online"}, "policy.devolution.service_mode = 'online' is not one of"),
        ({"time.end": "2015-13"}, "time.end = '2015-13' is not a month"),
    ],
)
def test_bad_values_are_refused_naming_the_key(values, message):
    with pytest.raises(ConfigError) as err:
        make_params("full_reform", overrides=values)
    assert str(err.value).startswith(message), str(err.value)


@pytest.mark.parametrize("powers", [20, np.int64(20), 20.0, np.float64(20.0), np.int32(20)])
def test_a_whole_number_of_any_type_gives_the_same_parameters_and_run_key(powers):
    reference = make_params("devolution", overrides={"policy.devolution.powers": 20})
    params = make_params("devolution", seed=np.int64(0), overrides={"policy.devolution.powers": powers})
    assert type(params.policy.devolution.powers) is int and type(params.seed) is int
    assert params == reference and run_key(params) == run_key(reference)


def test_flat_values_give_the_command_lines_parameters_and_run_key():
    """``make_params(scenario, seed, overrides={...})`` equals ``zonesim scenario=... seed=... key=value``."""
    cli = compose_params("scenario=full_reform", "seed=3", "policy.devolution.powers=20", "firms.interest_rate=0.06")
    api = make_params(
        "full_reform", np.int64(3), {"policy.devolution.powers": np.int64(20), "firms.interest_rate": np.float64(0.06)}
    )
    assert api == cli and run_key(api) == run_key(cli)
    assert type(api.firms.interest_rate) is float


def test_region_and_hydra_overrides():
    """``region`` picks the region config group; Hydra strings are applied after the keywords (as
    later words of a command line), the flat overrides last."""
    assert make_params(region="synthetic") == compose_params("region=synthetic")
    both = make_params(
        "baseline",
        seed=1,
        hydra_overrides=["scenario=devolution", "seed=4", "time.end=2016-12"],
        overrides={"time.end": "2017-12"},
    )
    assert both == compose_params("scenario=devolution", "seed=4", "time.end=2017-12")
    assert make_params(hydra_overrides="policy/assessment=ningxia").policy.assessment.enabled


def _hydra_compose(overrides: list[str]):
    """Hydra's own composition of ``overrides``, without the API's split (the reference)."""
    from hydra import compose, initialize_config_dir

    from sim.api import _lock
    from sim.layout import CONFIG_DIR

    with _lock, initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3", job_name="zonesim"):
        return compose(config_name="config", overrides=overrides)


@pytest.mark.parametrize(
    "overrides",
    [
        [],
        ["seed=7", "time.end=2016-06"],
        ["time.end=2016-06", "scenario=full_reform", "policy.devolution.powers=20", "seed=3"],
        ["region=synthetic", "region.synthetic.enterprises=300", "investment.arrival_scale=1e0"],
        ["policy/assessment=ningxia", "policy.assessment.enabled=false", "approval.service_cv=0.25"],
        ["scenario=full_reform", "policy.devolution.powers=5", "policy.devolution.powers=9"],
        ["+sample.extra=1", "seed=2"],
        ["~output.tables", "seed=2"],
    ],
)
def test_value_changes_on_the_cached_tree_give_hydras_composition(overrides):
    """compose_config applies plain value changes to the cached composition of the config-group
    choices; the configuration (and so the run key) is the one Hydra composes from the whole list,
    and a failing override fails the same way."""
    from omegaconf import OmegaConf

    from sim.api import compose_config

    try:
        expected = OmegaConf.to_container(_hydra_compose(overrides))
    except Exception as exc:  # noqa: BLE001 -- the same failure is expected of the API
        with pytest.raises(type(exc)) as err:
            compose_config(overrides)
        assert str(err.value) == str(exc)
        return
    assert OmegaConf.to_container(compose_config(overrides)) == expected


@pytest.mark.parametrize("line", ["no_such_key=1", "time.no_such=2016-06", "seed=[1,2"])
def test_a_bad_value_change_fails_as_hydra_fails(line):
    from sim.api import compose_config

    with pytest.raises(Exception) as want:
        _hydra_compose(["scenario=full_reform", line])
    with pytest.raises(type(want.value)) as got:
        compose_config(["scenario=full_reform", line])
    assert str(got.value) == str(want.value)


def test_misuse_of_the_call_form_is_explained():
    with pytest.raises(TypeError, match="overrides="):
        make_params({"policy.devolution.powers": 20})  # the old form: values first
    with pytest.raises(TypeError, match="hydra_overrides="):
        make_params(overrides=["time.end=2016-12"])
    with pytest.raises(ConfigError, match="seed = 2.5 is not a whole number"):
        make_params(seed=2.5)
    with pytest.raises(Exception, match="nonexistent"):
        make_params("nonexistent")


# --------------------------------------------------------------------------- simulate, outcomes
@pytest.fixture(scope="module")
def result() -> Result:
    return simulate(make_params(seed=2, region="synthetic", overrides=SMALL))


def test_simulate_returns_tables_outcomes_and_params(result):
    assert isinstance(result, Result) and result.params.seed == 2 and result.params.region.kind == "synthetic"
    assert len(result.tables["monthly"]) == 15 and result.tables["monthly"]["date"].iloc[-1] == "2016-03"
    assert same_outcomes(result.outcomes, outcomes(result.tables))
    # the outcomes of the run's summary.csv, under the same names
    summary = summarise(result.tables, result.params).iloc[0].to_dict()
    assert same_outcomes(
        result.outcomes,
        {k: v.item() if hasattr(v, "item") else v for k, v in summary.items() if k not in ("scenario", "seed")},
    )
    assert all(type(v) in (int, float) for v in result.outcomes.values())
    assert "scenario='baseline', seed=2" in repr(result)


def test_simulate_refuses_what_is_not_validated_parameters():
    from sim.api import compose_config

    with pytest.raises(TypeError, match="make_params"):
        simulate({"policy.devolution.powers": 20})
    with pytest.raises(TypeError, match="make_params"):
        simulate(compose_config(["time.end=2015-03"]))  # composed, not validated
    params = make_params(overrides={"time.end": "2015-03"})
    params.policy.devolution.powers = 99  # changed after validation: checked again before the run
    with pytest.raises(ConfigError, match=r"policy.devolution.powers = 99 is out of range \[0, 37\]"):
        simulate(params)


# --------------------------------------------------------------------------- load_run, load_experiment
@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    """A run written by the ``zonesim`` command, with the parameters of :func:`result`."""
    root = tmp_path_factory.mktemp("api_run")
    res = run_cli([*SMALL_ARGS, f"output.dir={root / 'run'}"], root)
    assert res.returncode == 0, res.stderr
    return root / "run"


def test_load_run_reads_back_what_zonesim_wrote(run_folder, result):
    loaded = load_run(run_folder)
    assert loaded.folder == run_folder and loaded.params.output.dir == str(run_folder)
    assert dataclasses.replace(loaded.params, output=result.params.output) == result.params
    assert json.loads((run_folder / "run.json").read_text())["key"] == run_key(loaded.params) == run_key(result.params)
    assert set(loaded.tables) == set(result.tables)
    for name, table in result.tables.items():
        pd.testing.assert_frame_equal(loaded.tables[name], table.reset_index(drop=True), obj=name)
    assert same_outcomes(loaded.outcomes, result.outcomes)
    assert same_outcomes(loaded.outcomes, outcomes(loaded.tables))


def test_load_run_refuses_what_is_not_a_complete_run(run_folder, tmp_path):
    with pytest.raises(NotARunError, match="no run.json"):
        load_run(tmp_path)
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in run_folder.iterdir():
        if f.is_file() and f.name != "monthly.parquet":
            (broken / f.name).write_bytes(f.read_bytes())
    with pytest.raises(NotARunError, match="monthly.parquet is missing"):
        load_run(broken)


def test_load_experiment_is_the_analysis_layers_reader(tmp_path, run_folder):
    (tmp_path / "aggregate").mkdir()
    (tmp_path / "aggregate" / "meta.json").write_text("{}")
    assert isinstance(load_experiment(tmp_path), Experiment)
    with pytest.raises(NotAnExperimentError):
        load_experiment(run_folder)


# --------------------------------------------------------------------------- import sim
def test_import_sim_is_light():
    """``import sim`` loads none of the heavy libraries: the API's names are imported on first use."""
    code = (
        "import sys, time; t = time.perf_counter(); import sim; t = time.perf_counter() - t; "
        "print(t, *[m for m in ('pandas', 'hydra', 'mesa', 'omegaconf', 'numba') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out[1:] == [] and float(out[0]) < 0.5, out
    assert sim.make_params is sim.api.make_params and set(sim.__all__) <= set(dir(sim))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        sim.nothing  # noqa: B018
