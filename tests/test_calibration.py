"""Calibration: the command runs end to end on a small budget, and the committed defaults
reproduce every pre-reform target within its tolerance on replicate seeds (issue 4, b)."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from conftest import CONFIG_DIR, compose_params

from sim.experiments import calibrate
from sim.experiments.sensitivity import DesignError
from sim.experiments.targets import CALIBRATION_TARGETS, distance, within_tolerance


def test_committed_defaults_reproduce_every_target():
    spec = calibrate.load_spec()
    spec.seeds = 3
    means = calibrate.check(spec)
    missed = {
        k: (round(means[k], 4), t.value, t.tolerance)
        for k, t in CALIBRATION_TARGETS.items()
        if not within_tolerance(means)[k]
    }
    assert not missed, f"targets outside tolerance (model, target, tolerance): {missed}"


def test_fitted_defaults_name_the_calibration_as_their_source():
    spec = calibrate.load_spec()
    for p in spec.parameters:
        assert p.source.startswith("calibrated: zonesim-calibrate"), (p.name, p.source)
        assert p.low <= p.default <= p.high, p.name


def test_calibration_command_runs_end_to_end(tmp_path):
    calibrate.main(["--seeds", "1", "--popsize", "1", "--maxiter", "1", "--jobs", "1", "--out", str(tmp_path)])
    evaluations = pd.read_parquet(tmp_path / "evaluations.parquet")
    spec = calibrate.load_spec()
    # differential evolution: an initial population of popsize x parameters, then one generation
    assert len(evaluations) == 2 * len(spec.parameters)
    assert set(spec.names) <= set(evaluations.columns)
    for p in spec.parameters:  # every evaluated vector lies inside the declared bounds
        assert evaluations[p.name].between(p.low, p.high).all(), p.name
    recomputed = evaluations.apply(lambda row: distance(row), axis=1)
    assert (recomputed - evaluations["distance"]).abs().max() < 1e-9
    best = yaml.safe_load((tmp_path / "best.yaml").read_text())
    assert set(best) == set(spec.names)
    row = evaluations.loc[evaluations["distance"].idxmin()]
    assert all(best[n] == pytest.approx(row[n], rel=1e-3) for n in spec.names)
    table = pd.read_csv(tmp_path / "calibration.csv")
    assert set(CALIBRATION_TARGETS) <= set(table["target"])
    assert (tmp_path / "convergence.png").stat().st_size > 0


def test_objective_applies_the_parameter_vector():
    spec = calibrate.load_spec()
    base = calibrate.compose_baseline(spec.overrides)
    obj = calibrate.Objective(base, ["approval.prep_scale", "firms.fixed_cost_share"], 1, [False, False])
    p = obj.config([0.42, 0.11], seed=7)
    assert (p.approval.prep_scale, p.firms.fixed_cost_share, p.seed) == (0.42, 0.11, 7)
    assert p.time.end == "2020-12" and p.scenario_name == "baseline"
    default = compose_params("time.end=2020-12")
    assert p.investment == default.investment  # nothing else changed


def test_distance_is_zero_at_the_targets_and_grows_with_the_deviation():
    exact = {k: t.value for k, t in CALIBRATION_TARGETS.items()}
    assert distance(exact) == 0.0
    one = dict(exact, **{"above-scale firms": exact["above-scale firms"] + 100.0})  # one tolerance away
    assert distance(one) == pytest.approx(1.0)


def test_a_range_target_is_met_anywhere_inside_its_range_and_penalised_beyond_it():
    name = "construction-permit stage (drawing review), working days"
    t = CALIBRATION_TARGETS[name]
    assert (t.low, t.high) == (44.0, 132.0)
    exact = {k: v.value for k, v in CALIBRATION_TARGETS.items()}
    for inside in (44.0, 60.0, 132.0):
        assert distance(dict(exact, **{name: inside})) == 0.0
        assert within_tolerance(dict(exact, **{name: inside}))[name]
    beyond = dict(exact, **{name: 132.0 + t.tolerance})  # one tolerance beyond the range
    assert distance(beyond) == pytest.approx(1.0) and within_tolerance(beyond)[name]
    assert not within_tolerance(dict(exact, **{name: 44.0 - 2 * t.tolerance}))[name]


def test_no_target_is_a_figure_observed_after_the_reform_began():
    """Validation discipline: targets are facts of 2017 or before (宁东's end-2018 share is an
    out-of-sample pattern, not a target)."""
    import re

    for name, t in CALIBRATION_TARGETS.items():
        years = [int(y) for y in re.findall(r"(?<!\d)(20[0-9]{2})(?!\d)", t.source + " " + name)]
        assert all(y <= 2017 for y in years), (name, t.source)


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda d: d["parameters"].update({"firms.no_such_key": [0, 1]}), "firms.no_such_key"),
        (lambda d: d["parameters"].update({"protection.base": [0.5, 1.5]}), "protection.base"),
        (lambda d: d.update({"budget": 3}), "budget"),
    ],
)
def test_bad_design_names_the_key(tmp_path, edit, message):
    design = yaml.safe_load((CONFIG_DIR / "calibration" / "ningxia.yaml").read_text())
    edit(design)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(design))
    with pytest.raises(DesignError, match=message.replace(".", r"\.")):
        calibrate.load_spec(path)
