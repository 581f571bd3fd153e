"""Global sensitivity experiment (zonesim-sensitivity): design, sampling, runs, SALib indices."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.config.validate import parse_month
from sim.experiments import sensitivity as sa
from sim.runner.run import code_fingerprint


def declared_design(**kw) -> sa.Design:
    spec, _ = sa.load_spec()
    return sa.design_from_spec(spec, **kw)


def toy_design(method: str, n: int, bounds=((0.0, 1.0), (0.0, 1.0))) -> sa.Design:
    """A design over parameters x1, x2 (no schema keys: for the analysis alone)."""
    params = [sa.Parameter(f"x{i + 1}", lo, hi, unit="u") for i, (lo, hi) in enumerate(bounds)]
    return sa.Design(method=method, n=n, parameters=params, outcomes={"y": "y-unit"}, sample_seed=1, num_resamples=200)


# --------------------------------------------------------------------------- the declared design
def test_declared_parameters_are_assumed_with_schema_units_and_admissible_ranges():
    design = declared_design()
    assert 8 <= len(design.parameters) <= 12
    assert len(set(design.names)) == len(design.names)
    for p in design.parameters:
        meta, default, _ = sa.schema_field(p.name)
        assert p.unit == meta["unit"] and p.unit, p.name
        assert "assumed" in meta["source"] or meta["source"].startswith("calibrated"), (
            f"{p.name} is neither assumed nor calibrated (a sourced value is not uncertain here)"
        )
        assert p.low <= default <= p.high, f"{p.name}: default {default} outside [{p.low}, {p.high}]"
        assert not p.name.startswith(("policy.", "sample.", "output.")), "policy levers are not uncertain"
        assert p.low < p.high
        assert meta["ge"] is None or p.low >= meta["ge"]
        assert meta["le"] is None or p.high <= meta["le"]
        assert meta["gt"] is None or p.low > meta["gt"]
        assert p.low <= default <= p.high, f"{p.name}: the default {default} lies outside its range"
    assert design.method in sa.METHODS and design.scenario == "full_reform" and design.outcomes


def test_levels_and_the_paired_effect_never_share_a_default_folder():
    """``zonesim-sensitivity`` and ``zonesim-sensitivity --paired-with baseline`` are two analyses of the
    same samples: by default they go to ``morris`` and ``morris_minus_baseline``, so neither refuses
    the other's folder as another design."""
    from sim.experiments.sensitivity.command import default_folder_name

    assert default_folder_name(declared_design()) == "morris"
    assert default_folder_name(declared_design(paired_with="baseline")) == "morris_minus_baseline"
    assert default_folder_name(declared_design(method="sobol", paired_with="baseline")) == "sobol_minus_baseline"


def test_a_range_outside_the_schema_or_an_unknown_key_is_refused():
    with pytest.raises(sa.DesignError, match=r"approval.background_load.*outside the admissible range \[0, 0.95\]"):
        sa.make_parameter("approval.background_load", [0.2, 0.99])
    with pytest.raises(sa.DesignError, match="not a key"):
        sa.make_parameter("investment.no_such_thing", [0, 1])
    with pytest.raises(sa.DesignError, match="low < high"):
        sa.make_parameter("firms.interest_rate", [0.07, 0.04])
    with pytest.raises(sa.DesignError, match="power of 2"):
        declared_design(method="sobol", n=100)


@pytest.mark.parametrize("method,n", [("morris", 3), ("sobol", 4)])
def test_samples_stay_within_the_declared_bounds(method, n):
    design = declared_design(method=method, n=n)
    table = sa.sample(design)
    d = len(design.parameters)
    assert list(table.columns) == design.names
    assert len(table) == design.rows() == (n * (d + 1) if method == "morris" else n * (d + 2))
    for p in design.parameters:
        assert table[p.name].between(p.low, p.high).all(), p.name
    pd.testing.assert_frame_equal(table, sa.sample(design))  # the same design on every re-run


# --------------------------------------------------------------------------- the index computation
def test_morris_known_answer():
    """y = 3 x1 + 0 x2: mu* of x1 is the change of y across x1's range (3 on [0, 1], 6 on [0, 2]),
    sigma 0 (linear, no interaction); x2 has no effect at all."""
    for hi, expected in ((1.0, 3.0), (2.0, 6.0)):
        design = toy_design("morris", 10, bounds=((0.0, hi), (0.0, 1.0)))
        X = sa.sample(design).to_numpy()
        table, _ = sa.compute_indices(design.problem(), "morris", X, 3 * X[:, 0] + 0 * X[:, 1], num_resamples=100)
        t = table.set_index("parameter")
        assert t.loc["x1", "mu_star"] == pytest.approx(expected)
        assert t.loc["x1", "mu"] == pytest.approx(expected)
        assert t.loc["x1", "sigma"] == pytest.approx(0, abs=1e-9)
        assert t.loc["x2", ["mu_star", "mu", "sigma"]].abs().max() == pytest.approx(0, abs=1e-12)


def test_sobol_known_answer():
    """y = 3 x1 + 0 x2: x1 explains all the variance (S1 = ST = 1), x2 none (S1 = ST = 0)."""
    design = toy_design("sobol", 256)
    X = sa.sample(design).to_numpy()
    table, s2 = sa.compute_indices(design.problem(), "sobol", X, 3 * X[:, 0], num_resamples=100)
    t = table.set_index("parameter")
    assert s2 is None
    assert t.loc["x1", "S1"] == pytest.approx(1, abs=0.05) and t.loc["x1", "ST"] == pytest.approx(1, abs=0.05)
    assert abs(t.loc["x2", "S1"]) < 0.02 and abs(t.loc["x2", "ST"]) < 0.02


def fake_experiment(
    exp: Path, design: sa.Design, model, skip: int | None = None, code: str | None = None, prefix: str = "k"
) -> pd.DataFrame:
    """An experiment folder as the runner leaves it, with y = model(row) in every summary.csv
    (row ``skip`` failed instead), made by the current model code unless ``code`` is given."""
    samples = sa.prepare(exp, design)
    for i, row in samples.iterrows():
        key = f"{prefix}{i:04d}"
        overrides = [f"sample.file={exp / sa.SAMPLES}", f"sample.index={i}", f"scenario={design.scenario}"]
        if i == skip:
            (exp / "failures").mkdir(exist_ok=True)
            (exp / "failures" / f"{key}.json").write_text(
                json.dumps({"key": key, "overrides": overrides, "error": "RuntimeError: boom"})
            )
            continue
        run = exp / "runs" / key
        run.mkdir(parents=True)
        config = {
            "scenario_name": design.scenario,
            "seed": design.seed,
            "sample": {"file": str(exp / sa.SAMPLES), "index": int(i)},
        }
        for p in design.parameters:
            config[p.name] = float(row[p.name])
        (run / "run.json").write_text(
            json.dumps({"key": key, "overrides": overrides, "config": config, "code": code or code_fingerprint()})
        )
        pd.DataFrame([{"scenario": design.scenario, "y": model(row)}]).to_csv(run / "summary.csv", index=False)
        (run / "DONE").touch()
    return samples


def test_analysis_reads_runs_back_in_sample_order(tmp_path):
    """The analysis of an experiment folder matches runs to sample rows by their sample.index
    (directory order is irrelevant): the known answer comes back out."""
    design = toy_design("morris", 8)
    fake_experiment(tmp_path, design, lambda r: 3 * r["x1"])
    fake_experiment(tmp_path, design, lambda r: 99 * r["x2"], code="older model code", prefix="z")
    report = sa.analyse_experiment(tmp_path, figures=False)
    t = report.indices.set_index("parameter")
    assert report.analysed == ["y"] and not report.skipped and not report.failed and report.stale == 0
    assert t.loc["x1", "mu_star"] == pytest.approx(3) and t.loc["x2", "mu_star"] == pytest.approx(0)
    assert t.loc["x1", "unit"] == "u"
    assert (tmp_path / "indices.csv").exists() and "| x1 | u |" in (tmp_path / "indices.md").read_text()


def test_failed_rows_are_reported_and_their_outcomes_not_analysed(tmp_path):
    design = toy_design("morris", 3)
    fake_experiment(tmp_path, design, lambda r: r["x1"], skip=4)
    report = sa.analyse_experiment(tmp_path, figures=False)
    assert report.failed == {(design.scenario, 4): "RuntimeError: boom"}
    assert "y" in report.skipped and "4" in report.skipped["y"] and report.indices.empty
    md = (tmp_path / "indices.md").read_text()
    assert "row 4: RuntimeError: boom" in md and "**y not analysed**" in md


def test_an_outcome_missing_from_the_summaries_is_named(tmp_path):
    design = toy_design("morris", 2)
    design.outcomes["no_such_outcome"] = ""
    fake_experiment(tmp_path, design, lambda r: r["x2"])
    report = sa.analyse_experiment(tmp_path, figures=False)
    assert report.analysed == ["y"] and "not a column" in report.skipped["no_such_outcome"]


def test_a_folder_with_another_design_is_refused(tmp_path):
    sa.prepare(tmp_path, toy_design("morris", 3))
    with pytest.raises(sa.DesignError, match="another design"):
        sa.prepare(tmp_path, toy_design("morris", 4))


def test_a_bad_override_stops_the_command_before_anything_is_written(tmp_path, capsys):
    for bad, message in (
        ("time.edn=2019-12", "time.edn"),
        ("approval.prep_scale=0.5", "is sampled"),
        ("seed=0,1", "sweep"),
    ):
        with pytest.raises(SystemExit) as ended:
            sa.main(["--dir", str(tmp_path / "exp"), bad])
        assert ended.value.code == sa.EXIT_BAD_INPUT
        assert message in capsys.readouterr().err
    assert not (tmp_path / "exp").exists()


# --------------------------------------------------------------------------- end to end
def test_sensitivity_experiment_runs_the_sample_and_indexes_every_parameter(tmp_path):
    """zonesim-sensitivity at a small size: Morris, 2 trajectories of all declared parameters,
    2015-2019, basic launcher.  Every run carries its row's sampled values; the indices table
    has every declared parameter for every outcome; re-running the same command resumes."""
    exp = tmp_path / "sa"
    argv = ["--method", "morris", "--n", "2", "--dir", str(exp), "time.end=2019-12", "hydra/launcher=basic"]
    with pytest.raises(SystemExit) as ended:
        sa.main(argv)
    assert ended.value.code == 0

    design = sa.Design.from_json(json.loads((exp / sa.DESIGN).read_text()))
    declared = declared_design()
    assert design.names == declared.names and design.outcomes == declared.outcomes
    assert design.overrides == ["time.end=2019-12"]
    samples = pd.read_parquet(exp / sa.SAMPLES)
    assert list(samples.columns) == declared.names and len(samples) == 2 * (len(declared.names) + 1)
    for p in declared.parameters:
        assert samples[p.name].between(p.low, p.high).all(), p.name

    # the sample file round-trips into the runs: each resolved config has its row's values
    seen = set()
    for run_json in (exp / "runs").glob("*/run.json"):
        config = json.loads(run_json.read_text())["config"]
        i = config["sample"]["index"]
        seen.add(i)
        assert config["scenario_name"] == "full_reform" and config["seed"] == 0
        assert parse_month(config["time"]["end"], "time.end") == (2019, 12)
        for p in declared.parameters:
            section, name = p.name.split(".")
            assert config[section][name] == pytest.approx(samples.loc[i, p.name], rel=1e-12), (i, p.name)
    assert seen == set(range(len(samples)))

    indices = pd.read_csv(exp / "indices.csv")
    for outcome in declared.outcomes:
        rows = indices[indices["outcome"] == outcome]
        assert sorted(rows["parameter"]) == sorted(declared.names), outcome
        assert rows[["mu_star", "sigma", "mu_star_conf"]].notna().all().all()
        assert (rows["mu_star"] >= 0).all()
        assert (exp / "figures" / f"sensitivity_{outcome}.png").stat().st_size > 0
    units = dict(zip(indices["parameter"], indices["unit"]))
    assert all(units[p.name] == p.unit for p in declared.parameters)
    # the approval parameters move approval latency more than the location-choice latency weight
    lat = indices[indices["outcome"] == "approval_wd_mean"].set_index("parameter")["mu_star"]
    assert lat["approval.rework_probability"] > lat["investment.beta_latency"]

    # the same folder with another design is refused; analysis alone works without runs
    with pytest.raises(SystemExit) as ended:
        sa.main([*argv[:3], "3", *argv[4:]])
    assert ended.value.code == sa.EXIT_BAD_INPUT
    with pytest.raises(SystemExit) as ended:
        sa.main(["--analyse-only", "--no-figures", "--dir", str(exp)])
    assert ended.value.code == 0
