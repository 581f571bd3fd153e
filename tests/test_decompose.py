"""Shapley decomposition by policy family (``experiment=decompose``, sim.experiments.decompose):
the Shapley function on hand-made games, the experiment's combinations against the scenarios,
and one end-to-end run whose contributions sum to the full effect (issue 15, acceptance b)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from sim.api import compose_config
from sim.config.validate import from_dictconfig
from sim.experiments.decompose import FULL, OFF, seed_contributions, shapley
from sim.runner.run import run_key
from tests.conftest import run_cli

REPO = Path(__file__).resolve().parents[1]
EXPERIMENT = REPO / "configs" / "experiment" / "decompose.yaml"
NAMES = "abcde"
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


def subsets(players):
    return [frozenset(c) for s in range(len(players) + 1) for c in itertools.combinations(players, s)]


# --------------------------------------------------------------------------- the Shapley function
@settings(max_examples=60, deadline=None)
@given(parts=st.lists(finite, min_size=1, max_size=5), const=finite)
def test_additive_game_gives_each_player_its_part(parts, const):
    """v(S) = c + sum of a_i over S: each player's contribution is its own a_i."""
    players = list(NAMES[: len(parts)])
    a = dict(zip(players, parts))
    game = {s: const + sum(a[p] for p in s) for s in subsets(players)}
    phi = shapley(game, players)
    for p in players:
        assert phi[p] == pytest.approx(a[p], rel=1e-9, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), n=st.integers(min_value=2, max_value=5))
def test_game_with_interaction_is_efficient_and_symmetric(data, n):
    """A game with arbitrary interactions in which players a and b are interchangeable (v depends
    on how many of them are in S, not which): contributions sum to v(N) - v(empty) and a, b get
    equal shares; a player that changes nothing (a dummy added to the game) gets 0."""
    players = list(NAMES[:n])
    rest = players[2:]
    base = {(k, s): data.draw(finite) for k in range(3) for s in subsets(rest)}
    game = {s: base[(len(s & {"a", "b"}), s - {"a", "b"})] for s in subsets(players)}
    phi = shapley(game, players)
    full = game[frozenset(players)] - game[frozenset()]
    assert math.fsum(phi.values()) == pytest.approx(full, rel=1e-9, abs=1e-6)
    assert phi["a"] == pytest.approx(phi["b"], rel=1e-9, abs=1e-6)
    with_dummy = {s | extra: v for s, v in game.items() for extra in (frozenset(), frozenset({"z"}))}
    phi_d = shapley(with_dummy, [*players, "z"])
    assert phi_d["z"] == pytest.approx(0.0, abs=1e-6)
    for p in players:
        assert phi_d[p] == pytest.approx(phi[p], rel=1e-9, abs=1e-6)


def test_known_answers():
    """Two players who produce 1 only together get 1/2 each; with a third who adds 3 on its own
    whatever the others do, that one gets 3 and the pair still splits 1."""
    ab = {frozenset(): 0.0, frozenset("a"): 0.0, frozenset("b"): 0.0, frozenset("ab"): 1.0}
    assert shapley(ab, ["a", "b"]) == {"a": 0.5, "b": 0.5}
    abc = {s | extra: v + 3.0 * bool(extra) for s, v in ab.items() for extra in (frozenset(), frozenset("c"))}
    assert shapley(abc, ["a", "b", "c"]) == pytest.approx({"a": 0.5, "b": 0.5, "c": 3.0})


def test_seed_missing_a_combination_is_left_out():
    """Per seed, v is paired against that seed's all-off run; a seed without every combination
    (an experiment still running) is left out rather than decomposed on a partial game."""
    fam = ["x", "y"]
    rows = []
    for seed, noise in ((0, 10.0), (1, 20.0)):
        for s in subsets(fam):
            if seed == 1 and s == frozenset("xy"):
                continue
            out = noise + 1.0 * ("x" in s) + 2.0 * ("y" in s) + 4.0 * (len(s) == 2)
            rows.append({"seed": seed, "on": s, "out": out})
    table = seed_contributions(pd.DataFrame(rows), fam, [], ["out"])
    assert set(table["seed"]) == {0}
    phi = table.set_index("family")["value"]
    assert phi["x"] == 3.0 and phi["y"] == 4.0 and phi[FULL] == 7.0
    assert (table["residual"] == 0).all()


# --------------------------------------------------------------------------- the experiment's combinations
def families() -> dict[str, str]:
    """``{family: on option}`` as declared in configs/experiment/decompose.yaml."""
    params = OmegaConf.load(EXPERIMENT).hydra.sweeper.params
    out = {}
    for key, sweep in params.items():
        if key.startswith("policy/"):
            values = [v.strip() for v in str(sweep).split(",")]
            assert len(values) == 2 and OFF in values, f"{key}: {sweep} is not off,<on option>"
            out[key] = next(v for v in values if v != OFF)
    return out


def test_declared_families_are_the_policy_groups():
    fams = families()
    assert set(fams) >= {"policy/consolidation", "policy/devolution", "policy/assessment", "policy/zombie_disposal"}
    for key, on in fams.items():
        assert {OFF, f"{on}"} <= {p.stem for p in (REPO / "configs" / key).glob("*.yaml")}


@pytest.mark.parametrize(("choice", "scenario"), [(OFF, "baseline"), ("on", "full_reform")])
def test_extreme_combinations_are_the_scenarios(choice, scenario):
    """The all-off combination composes to scenario=baseline and the all-on one to
    scenario=full_reform, except for scenario_name: same parameters, same run key."""
    ov = [f"{k}={OFF if choice == OFF else on}" for k, on in families().items()]
    combo = from_dictconfig(compose_config(["experiment=decompose", *ov]))
    ref = from_dictconfig(compose_config([f"scenario={scenario}"]))
    assert combo.scenario_name == "decompose"
    same = dataclasses.replace(combo, scenario_name=ref.scenario_name)
    assert same == ref
    assert run_key(same) == run_key(ref)


# --------------------------------------------------------------------------- end to end
def test_experiment_decompose_end_to_end_and_resume(tmp_path):
    """experiment=decompose with two families (the others fixed off), one seed and a horizon in
    which both act: the table exists, every outcome's contributions sum to the full effect (all on
    minus all off, read from the runs), and re-running skips every complete run."""
    exp = tmp_path / "dec"
    args = [
        "experiment=decompose",
        "policy/devolution=off",
        "policy/assessment=off",
        "policy/approval_process=off",
        "seed=0",
        "time.end=2019-06",
        f"hydra.sweep.dir={exp}",
    ]
    res = run_cli(args, tmp_path, timeout=240)
    assert res.returncode == 0, res.stderr[-3000:]
    assert len(list((exp / "runs").glob("*/DONE"))) == 4
    out = exp / "decompose"
    for f in ("shapley.parquet", "shapley.csv", "shapley.md", "shapley_seeds.parquet", "shapley.png"):
        assert (out / f).is_file(), f
    assert not list(out.glob(".*")), "temporary files left behind"
    assert "Shapley decomposition by policy family" in res.stdout

    table = pd.read_parquet(out / "shapley.parquet")
    assert set(table["family"]) == {"consolidation", "zombie_disposal", FULL}
    assert set(table["outcome"]) >= {
        "output_cumulative",
        "zombie_exits_total",
        "zombie_share_end",
        "approval_wd_mean",
    }
    seeds = pd.read_parquet(out / "shapley_seeds.parquet")
    runs = pd.read_parquet(exp / "aggregate" / "run_outcomes.parquet")
    on = (runs["policy__consolidation"] != OFF) & (runs["policy__zombie_disposal"] != OFF)
    off = (runs["policy__consolidation"] == OFF) & (runs["policy__zombie_disposal"] == OFF)
    checked = 0
    for name, sub in seeds.groupby("outcome"):
        full = float(runs.loc[on, name].iloc[0] - runs.loc[off, name].iloc[0])
        parts = sub.loc[sub["family"] != FULL, "value"].to_numpy(float)
        if np.isnan(full):
            assert np.isnan(parts).all()
            continue
        assert math.fsum(parts) == pytest.approx(full, rel=1e-9, abs=1e-9), name
        assert float(sub.loc[sub["family"] == FULL, "value"].iloc[0]) == pytest.approx(full, rel=1e-12, abs=1e-12)
        summed = table[(table["outcome"] == name) & (table["family"] != FULL)]["mean"].sum()
        assert summed == pytest.approx(
            table[(table["outcome"] == name) & (table["family"] == FULL)]["mean"].iloc[0], rel=1e-9, abs=1e-9
        )
        checked += 1
    assert checked >= 4
    meta = json.loads((exp / "aggregate" / "meta.json").read_text())  # the aggregator's effects: versus all off
    assert meta["reference"] == {"policy/consolidation": OFF, "policy/zombie_disposal": OFF}
    effects = pd.read_csv(exp / "aggregate" / "effects.csv")
    all_on = effects[
        (effects["policy__consolidation"] != OFF)
        & (effects["policy__zombie_disposal"] != OFF)
        & (effects["outcome"] == "output_cumulative")
    ]
    full_output = table[(table["outcome"] == "output_cumulative") & (table["family"] == FULL)]["mean"].iloc[0]
    assert all_on["diff_mean"].iloc[0] == pytest.approx(full_output, rel=1e-9)
    exits = table[(table["outcome"] == "zombie_exits_total")].set_index("family")["mean"]
    assert exits[FULL] > 0 and exits["zombie_disposal"] > 0  # the policies acted within the horizon

    again = run_cli(args, tmp_path, timeout=240)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stderr.count("complete, skipped") == 4
    assert "running scenario" not in again.stderr


def test_cli_exits_2_on_a_folder_without_runs(tmp_path, capsys):
    from sim.experiments.decompose import main

    (tmp_path / "runs").mkdir()
    with pytest.raises(SystemExit) as exc:
        main([str(tmp_path)])
    assert exc.value.code == 2
    assert "no complete run" in capsys.readouterr().err


def test_other_swept_parameters_are_decomposed_separately():
    """A parameter swept beside the families (a stratum) is not mixed in: each of its values is
    decomposed against its own all-off run, and the summary keeps it as a column."""
    from sim.experiments.decompose import summarise

    fam = ["x", "y"]
    rows = [
        {"powers": p, "seed": seed, "on": s, "zombie_exits_total": seed + p * (("x" in s) + 3.0 * ("y" in s))}
        for p in (1, 2)
        for seed in (0, 1, 2)
        for s in subsets(fam)
    ]
    seeds = seed_contributions(pd.DataFrame(rows), fam, ["powers"], ["zombie_exits_total"])
    table = summarise(seeds, ["powers"]).set_index(["powers", "family"])
    assert table.loc[(2, "x"), "mean"] == 2.0 and table.loc[(2, "y"), "mean"] == 6.0
    assert table.loc[(1, FULL), "mean"] == 4.0 and table.loc[(1, FULL), "n_seeds"] == 3
    assert table.loc[(1, "y"), "share_pct"] == pytest.approx(75.0)
    assert table.loc[(1, "x"), "ci_low"] == table.loc[(1, "x"), "ci_high"] == 1.0  # the same in every seed


def test_no_share_of_a_full_effect_that_cannot_be_told_from_zero():
    """Two families that cancel: each contribution is reported, but its share of a full effect
    whose interval contains 0 is empty (not thousands of percent)."""
    from sim.experiments.decompose import summarise

    fam = ["x", "y"]
    noise = {0: -1.0, 1: 0.5, 2: 0.8}
    rows = [
        {
            "seed": seed,
            "on": s,
            "zombie_exits_total": 100.0 * ("x" in s) - 100.0 * ("y" in s) + noise[seed] * ("x" in s),
        }
        for seed in (0, 1, 2)
        for s in subsets(fam)
    ]
    table = summarise(seed_contributions(pd.DataFrame(rows), fam, [], ["zombie_exits_total"]), []).set_index("family")
    assert table.loc[FULL, "ci_low"] < 0 < table.loc[FULL, "ci_high"]
    assert table.loc["x", "mean"] == pytest.approx(100.1, abs=0.01)
    assert table["share_pct"].isna().all()
