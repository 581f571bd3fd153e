"""The public Python API (:mod:`sim.api`): from flat parameter values, as SALib, EMA Workbench or a
numpy loop hold them, to validated parameters the command line would run with, and a run."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import compose_params

from sim.api import ConfigError, make_params, simulate
from sim.runner.run import run_key


def test_flat_values_give_the_command_lines_parameters_and_run_key():
    """``make_params({...}, scenario=, seed=)`` equals ``zonesim scenario=... seed=... key=value``,
    whether the values are Python or numpy scalars."""
    cli = compose_params("scenario=full_reform", "seed=3", "policy.devolution.powers=20", "firms.interest_rate=0.06")
    for values in ({"policy.devolution.powers": 20, "firms.interest_rate": 0.06},
                   {"policy.devolution.powers": np.int64(20), "firms.interest_rate": np.float64(0.06)}):
        api = make_params(values, scenario="full_reform", seed=np.int64(3))
        assert api == cli and run_key(api) == run_key(cli)
        assert type(api.policy.devolution.powers) is int


@pytest.mark.parametrize("values, message", [
    ({"policy.devolution.power": 20}, "policy.devolution.power: unknown configuration key"),
    ({"policy.devolution.powers": np.int64(99)}, "policy.devolution.powers = 99 is out of range"),
    ({"policy.devolution.powers": 20.7}, "policy.devolution.powers = 20.7"),
    ({"policy.devolution.one_stop_agent": "maybe"}, "policy.devolution.one_stop_agent = 'maybe'"),
])
def test_bad_values_are_refused_naming_the_key(values, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(".", r"\.")):
        make_params(values, scenario="full_reform")


def test_an_unknown_scenario_is_refused():
    with pytest.raises(Exception, match="nonexistent"):
        make_params(scenario="nonexistent")


def test_simulate_runs_what_make_params_built():
    tables = simulate(make_params({"time.end": "2015-06"}, scenario="baseline", seed=1))
    assert len(tables["monthly"]) == 6 and tables["monthly"]["date"].iloc[-1] == "2015-06"
