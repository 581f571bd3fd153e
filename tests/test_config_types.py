"""Values reach the model as the types the schema declares, from any caller.

Researchers drive zonesim from EMA Workbench, SALib loops and numpy code, which pass numpy
scalars; the command line passes Python ones.  Validation checks numpy scalars' ranges like any
other number, refuses a fractional number for an integer, a string for a boolean or a number,
normalises the accepted values to Python types (so the same value gives the same run key), and
``simulate`` validates before it runs.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import compose_params

from sim.config.validate import ConfigError, validate
from sim.runner.run import run_key, simulate


def _with(params, dotted: str, value):
    """A copy of ``params`` with ``dotted`` set to ``value`` as is (no Hydra: what an API caller does)."""
    params = dataclasses.replace(params)
    *path, name = dotted.split(".")
    obj = params
    for p in path:
        child = dataclasses.replace(getattr(obj, p))
        setattr(obj, p, child)
        obj = child
    setattr(obj, name, value)
    return params


@pytest.mark.parametrize(
    "dotted, value, message",
    [
        ("policy.devolution.powers", np.int64(99), "policy.devolution.powers = 99 is out of range"),
        ("policy.devolution.powers", 20.7, "policy.devolution.powers = 20.7 is not a whole number"),
        ("policy.devolution.one_stop_agent", "yes", "policy.devolution.one_stop_agent = 'yes' is not a boolean"),
        ("firms.interest_rate", "0.05", "firms.interest_rate = '0.05' is not a number"),
        ("firms.interest_rate", np.float64(-1.0), "firms.interest_rate = -1.0 is out of range"),
        ("seed", True, "seed = True is not a number"),
        # tables of numbers: every entry finite (a NaN admin cost or weight would spread silently)
        (
            "bodies.admin_cost",
            {"bureau": float("nan"), "division": 1500.0, "deputy_division": 800.0},
            "bodies.admin_cost.bureau = nan is not a finite number",
        ),
        (
            "policy.assessment.weights",
            {"output_per_mu": float("inf")},
            "policy.assessment.weights.output_per_mu = inf is not a finite number",
        ),
        # it names output folders: no path out of the output root, no hidden folder
        ("scenario_name", "../../x", "scenario_name = '../../x' is not a name"),
        ("scenario_name", ".hidden", "scenario_name = '.hidden' is not a name"),
    ],
)
def test_bad_values_of_any_type_are_refused_naming_the_key(params, dotted, value, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(".", r"\.")):
        validate(_with(params, dotted, value))


def test_numpy_scalars_are_normalised_and_give_the_same_run_key(params):
    a = validate(_with(params, "policy.devolution.powers", np.int64(20)))
    b = validate(_with(params, "policy.devolution.powers", 20))
    c = validate(_with(params, "policy.devolution.powers", 20.0))
    assert type(a.policy.devolution.powers) is int and a.policy.devolution.powers == 20
    assert run_key(a) == run_key(b) == run_key(c)
    d = validate(_with(params, "firms.interest_rate", np.float32(0.05)))
    assert type(d.firms.interest_rate) is float
    e = validate(_with(params, "policy.devolution.one_stop_agent", np.bool_(False)))
    assert e.policy.devolution.one_stop_agent is False


def test_simulate_validates_before_it_runs():
    p = compose_params("scenario=full_reform", "time.end=2015-03")
    with pytest.raises(ConfigError, match="policy.devolution.powers = 99"):
        simulate(_with(p, "policy.devolution.powers", 99))


def test_an_assessment_with_every_weight_zero_is_refused(params):
    """An enabled assessment needs a score: all-zero weights would rank zones by nothing (ties by index)."""
    p = _with(params, "policy.assessment.weights", {"output_per_mu": 0.0, "tax_per_mu": 0.0})
    validate(p)  # off: nothing is ranked, nothing to refuse
    p = _with(p, "policy.assessment.enabled", True)
    with pytest.raises(ConfigError, match="policy.assessment.weights are all 0"):
        validate(p)


@pytest.mark.parametrize("value", ["yes", 1, "true"])
def test_make_params_refuses_a_non_boolean_for_a_boolean(value):
    """OmegaConf would read ``"yes"`` or ``1`` as true; the public API refuses them, naming the key."""
    from sim import make_params

    with pytest.raises(ConfigError, match=f"policy.devolution.enabled = {value!r} is not a boolean"):
        make_params(overrides={"policy.devolution.enabled": value})
    assert make_params(overrides={"policy.devolution.enabled": np.bool_(False)}).policy.devolution.enabled is False


@pytest.mark.parametrize(
    "overrides",
    [
        ["scenario=baseline"],
        ["scenario=full_reform", "policy.devolution.powers=20"],
        ["experiment=compare", "scenario=assessment"],
        ["region=national", "region.national.scale=0.01"],
        ["region=synthetic", "policy/consolidation=ningxia"],
    ],
)
def test_a_composed_configuration_is_validated_without_a_second_merge(overrides):
    """Hydra composes the configuration on the schema, so it is typed already and
    ``from_dictconfig`` converts it directly: the same parameters as merging it into the schema."""
    from omegaconf import OmegaConf

    from sim.api import compose_config
    from sim.config import validate as v
    from sim.config.schema import ModelConfig

    cfg = compose_config(overrides)
    assert OmegaConf.get_type(cfg) is ModelConfig
    assert v.from_dictconfig(cfg) == OmegaConf.to_object(OmegaConf.merge(v._schema_config(), cfg))
