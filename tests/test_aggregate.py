"""Aggregation of experiment folders (``sim.experiments``): tidy tables, group summaries, paired
effects against a reference, files, figures and the ``zonesim-aggregate`` command.

Fixtures build two small experiment folders from real short runs (2015-01..2021-12) in the layout
the runner writes: ``runs/<key>/`` with ``DONE``, ``failures/<key>.json``, Hydra job folders.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.experiments import stats
from sim.experiments.aggregate import OUTCOMES, RunRecord, aggregate, main, print_report, swept_parameters
from sim.experiments.figures import paired_differences, reference_group
from sim.runner.files import write_done
from sim.runner.run import run
from tests.conftest import compose_params

END = "time.end=2021-12"
MONTHS = 7 * 12
SEEDS = (0, 1, 2)
FIGURES = {"output.png", "approval_latency.png", "zombies.png", "output_per_mu.png", "effects.png", "differences.png"}


def _key(overrides) -> str:
    return hashlib.sha256(" ".join(overrides).encode()).hexdigest()[:12]


def _set_meta(run_dir: Path, **fields) -> None:
    meta = json.loads((run_dir / "run.json").read_text())
    for k, v in fields.items():
        if v is None:
            meta.pop(k, None)
        else:
            meta[k] = v
    (run_dir / "run.json").write_text(json.dumps(meta, ensure_ascii=False))
    if (run_dir / "DONE").exists():
        write_done(run_dir)  # a complete run's record describes the edited run.json


def write_run(exp: Path, *overrides: str, done: bool = True) -> Path:
    """A real run in ``exp/runs/<key>/`` with the runner's run.json fields ``key``/``overrides`` and a ``DONE``
    record of its files as they end up."""
    key = _key(overrides)
    run_dir = exp / "runs" / key
    run(compose_params(*overrides), run_dir)
    _set_meta(run_dir, key=key, overrides=list(overrides))
    if not done:
        (run_dir / "DONE").unlink(missing_ok=True)
    return run_dir


def copy_run(src: Path, scenario: str, *, overrides: list[str] | None, done: bool = True) -> Path:
    """A copy of run ``src`` relabelled as ``scenario`` (identical outcomes); ``overrides=None`` drops the field."""
    seed = json.loads((src / "run.json").read_text())["seed"]
    key = _key([scenario, str(seed)])
    dst = src.parent / key
    shutil.copytree(src, dst)
    (dst / "DONE").unlink(missing_ok=True)
    _set_meta(dst, key=key, scenario=scenario, overrides=overrides)
    if done:
        write_done(dst)
    return dst


@pytest.fixture(scope="module")
def scen_exp(tmp_path_factory) -> Path:
    """baseline and full_reform × 3 seeds; ``late_policy`` = copies of the baseline runs (run.json
    without ``overrides``); an incomplete run (no DONE); a failure record; a Hydra job folder."""
    exp = tmp_path_factory.mktemp("scen")
    for scenario in ("baseline", "full_reform"):
        for seed in SEEDS:
            d = write_run(exp, f"scenario={scenario}", f"seed={seed}", END)
            if scenario == "baseline":
                copy_run(d, "late_policy", overrides=None)
            elif seed == 0:
                copy_run(d, "incomplete_one", overrides=["scenario=incomplete_one", "seed=0", END], done=False)
    (exp / "failures").mkdir()
    (exp / "failures" / "0123456789ab.json").write_text(
        json.dumps(
            {
                "key": "0123456789ab",
                "overrides": ["scenario=devolution", "seed=1", END],
                "error": "ValueError: something broke",
                "traceback": "Traceback (most recent call last):\n ...",
            }
        )
    )
    (exp / "7" / ".hydra").mkdir(parents=True)
    (exp / "7" / "zonesim.log").write_text("a Hydra job log\n")
    return exp


@pytest.fixture(scope="module")
def scen(scen_exp) -> dict[str, pd.DataFrame]:
    return aggregate(scen_exp)


@pytest.fixture(scope="module")
def sweep_exp(tmp_path_factory) -> Path:
    """full_reform with policy.devolution.powers = 0 and 37, seeds 0 and 1."""
    exp = tmp_path_factory.mktemp("sweep")
    for powers in (0, 37):
        for seed in (0, 1):
            write_run(exp, "scenario=full_reform", f"seed={seed}", f"policy.devolution.powers={powers}", END)
    return exp


# --------------------------------------------------------------------------- statistics
def test_mean_ci_known_answer():
    """[1..5]: mean 3, s/√n = √2.5/√5 = 0.70711, t(0.975, 4) = 2.776445 → 3 ± 1.963243; at 90 %
    t(0.95, 4) = 2.131847 → 3 ± 1.507443."""
    ci = stats.mean_ci([1, 2, 3, 4, 5])
    assert ci.n == 5 and ci.mean == 3.0
    assert ci.low == pytest.approx(3 - 1.963243, abs=1e-6) and ci.high == pytest.approx(3 + 1.963243, abs=1e-6)
    ci90 = stats.mean_ci(np.array([1, 2, 3, 4, 5.0]), level=0.90)
    assert (ci90.low, ci90.high) == pytest.approx((3 - 1.507443, 3 + 1.507443), abs=1e-6)
    assert stats.mean_ci([1, np.nan, 2, 3, 4, 5]) == ci  # NaN dropped


def test_paired_diff_ci_known_answer():
    """a − b = [1, 2, 3]: mean 2, s/√n = 1/√3, t(0.975, 2) = 4.302653 → 2 ± 2.484138."""
    ci = stats.paired_diff_ci([10, 12, 14, np.nan], [9, 10, 11, 5])
    assert ci.n == 3 and ci.mean == pytest.approx(2.0)
    assert (ci.low, ci.high) == pytest.approx((2 - 2.484138, 2 + 2.484138), abs=1e-6)
    with pytest.raises(ValueError):
        stats.paired_diff_ci([1, 2], [1, 2, 3])
    with pytest.raises(ValueError):
        stats.mean_ci([1, 2], level=1.0)


def test_degenerate_intervals():
    """Zero differences → exactly [0, 0]; constant sample → zero width; one value → no interval; none → NaN."""
    x = [0.1 + 0.2, 7.3, 1e9 / 3]
    assert stats.paired_diff_ci(x, list(x)) == (0.0, 0.0, 0.0, 3)
    assert stats.paired_diff_ci([4.0], [4.0]) == (0.0, 0.0, 0.0, 1)
    assert stats.mean_ci([0.3, 0.3, 0.3]) == (0.3, 0.3, 0.3, 3)
    one = stats.mean_ci([2.5])
    assert one.mean == 2.5 and np.isnan(one.low) and np.isnan(one.high) and one.n == 1
    none = stats.mean_ci([np.nan])
    assert none.n == 0 and np.isnan(none.mean)
    assert stats.relative_pct(5.0, 20.0) == 25.0 and np.isnan(stats.relative_pct(1.0, 0.0))


@settings(max_examples=200, deadline=None)
@given(
    values=st.lists(st.floats(-1e12, 1e12, allow_nan=False), min_size=2, max_size=60),
    level=st.floats(0.5, 0.999),
)
def test_intervals_are_scipy_stats_bit_for_bit(values, level):
    """The t-intervals (computed with ``scipy.special.stdtrit``, without importing ``scipy.stats``)
    are ``scipy.stats.t.interval`` with ``scipy.stats.sem``, to the last bit, for one sample and
    for a vector of them."""
    from scipy import stats as scipy_stats

    v = np.asarray(values)
    if np.all(v == v[0]):
        return  # the zero-width rule, tested above
    ci = stats.mean_ci(v, level)
    low, high = scipy_stats.t.interval(level, v.size - 1, loc=float(np.mean(v)), scale=scipy_stats.sem(v))
    np.testing.assert_array_equal([ci.low, ci.high], [low, high])  # NaN (an underflowed variance) as NaN
    df = np.arange(1, v.size + 1, dtype=float)
    scale = np.abs(v) * (np.arange(v.size) % 3)  # some zero scales: NaN there
    np.testing.assert_array_equal(
        stats.t_interval(level, df, loc=v, scale=scale), scipy_stats.t.interval(level, df, loc=v, scale=scale)
    )


def test_mean_ci_by_matches_mean_ci():
    df = pd.DataFrame({"g": ["a"] * 5 + ["b"] * 3 + ["c"], "v": [1, 2, 3, 4, 5, 2, 2, 2, 9]})
    b = stats.mean_ci_by(df, "g", "v").set_index("g")
    ci = stats.mean_ci([1, 2, 3, 4, 5])
    assert (b.loc["a", "mean"], b.loc["a", "low"], b.loc["a", "high"]) == pytest.approx(ci[:3])
    assert (b.loc["b", "low"], b.loc["b", "high"]) == (2.0, 2.0)
    assert b.loc["c", "n"] == 1 and np.isnan(b.loc["c", "low"])


# --------------------------------------------------------------------------- tables
def test_tidy_tables_keys_and_rows(scen):
    runs, out = scen["runs"], scen["run_outcomes"]
    assert list(runs.columns[:7]) == ["key", "scenario", "seed", "group", "date", "year", "month"]
    assert {"output", "zombie_share", "zombie_exits", "output_per_mu", "zones", "bodies"} <= set(runs.columns)
    assert len(runs) == 9 * MONTHS and not runs.duplicated(["key", "date"]).any()
    assert runs["date"].str.fullmatch(r"\d{4}-\d{2}").all()  # months are text YYYY-MM in every table
    assert runs.groupby("key").size().eq(MONTHS).all()
    assert set(runs["scenario"]) == {"baseline", "full_reform", "late_policy"}
    assert len(out) == 9 and not out.duplicated(["scenario", "seed"]).any()
    assert list(out.columns) == ["key", "scenario", "seed", "group", "wall_seconds", *OUTCOMES]
    # units: output of 2020 in 亿 yuan/year is the year's monthly output in 万 yuan / 1e4
    r = out.iloc[0]
    mon = runs[runs["key"] == r["key"]]
    assert r["output_2020"] == pytest.approx(mon.loc[mon["year"] == 2020, "output"].sum() / 1e4)
    assert r["output_cumulative"] == pytest.approx(mon["output"].sum() / 1e4)
    assert out["output_2025"].isna().all()  # horizon ends 2021-12
    assert (out["approval_wd_median"] > 0).all() and (out["approvals_total"] >= out["approvals_from2019"]).all()
    assert (out["approval_wd_p90"] >= out["approval_wd_median"]).all()
    assert set(scen["approvals"]["key"]) == set(out["key"]) and "firm_key" in scen["approvals"]


def test_incomplete_runs_and_hydra_folders_are_ignored(scen, scen_exp):
    assert "incomplete_one" not in set(scen["run_outcomes"]["scenario"])
    meta = json.loads((scen_exp / "aggregate" / "meta.json").read_text())
    assert meta["n_incomplete"] == 1 and meta["n_runs"] == 9 and meta["n_failures"] == 1
    assert meta["swept"] == [] and meta["group_keys"] == ["scenario"]
    # time.end: an override in most runs, from the resolved config in late_policy (no overrides field)
    assert meta["fixed_overrides"] == {"time.end": "2021-12"}


def test_runs_of_other_model_code_are_not_mixed_with_current_ones(scen_exp, tmp_path):
    """An experiment re-run after a model change adds new runs beside the old ones: the old ones
    (another ``code`` in run.json) are left out while current runs exist, and read when none does."""
    from sim.experiments.aggregate import discover_runs

    exp = tmp_path / "exp"
    shutil.copytree(scen_exp / "runs", exp / "runs")
    current, _ = discover_runs(exp)
    old = []
    for rec in current:
        if rec.scenario == "baseline":
            dst = copy_run(rec.path, "baseline", overrides=["scenario=baseline", f"seed={rec.seed}", END])
            _set_meta(dst, key=dst.name + "old", code="0123456789ab")
            old.append(dst.name)
    records, incomplete = discover_runs(exp)
    assert {r.path.name for r in records} == {r.path.name for r in current}
    assert set(old) <= set(incomplete)
    assert len({(r.scenario, r.seed) for r in records}) == len(records)  # one run per scenario and seed
    for rec in current:  # only the old code's runs left: an old experiment is read whole
        shutil.rmtree(rec.path)
    records, _ = discover_runs(exp)
    assert {r.path.name for r in records} == set(old)


def test_a_runs_stored_outcomes_are_the_ones_its_tables_give(scen_exp):
    """A run records the outcomes it computed (``summary.csv``) with the fingerprint of the code
    that computed them; under the current code they are, bit for bit, what ``run_outcomes``
    computes from its tables as the aggregation reads them."""
    from sim.experiments.aggregate import discover_runs, run_outcomes
    from sim.experiments.aggregate.reading import stored_outcomes
    from sim.runner.outputs import stream_approvals

    records, _ = discover_runs(scen_exp)
    assert records
    for rec in records:
        stored = stored_outcomes(rec, OUTCOMES)
        tables = {
            "monthly": pd.read_parquet(rec.path / "monthly.parquet"),
            "approvals": stream_approvals(pd.read_parquet(rec.path / "approvals.parquet")),
        }
        computed = run_outcomes(tables)
        assert list(stored) == list(computed) == list(OUTCOMES)
        np.testing.assert_array_equal(np.array(list(stored.values())), np.array(list(computed.values())))


def test_the_aggregation_reads_stored_outcomes_only_when_made_by_the_current_code(scen_exp, tmp_path, monkeypatch):
    """The aggregation reads a run's stored outcomes instead of computing them when its
    ``outcomes_code`` is the current one, and computes them from the tables otherwise (a run of
    other outcome code, or of a zonesim that recorded none)."""
    from sim.experiments.aggregate import build

    exp = tmp_path / "exp"
    shutil.copytree(scen_exp / "runs", exp / "runs")
    computed = []
    compute = build.run_outcomes
    monkeypatch.setattr(build, "run_outcomes", lambda tables: computed.append(1) or compute(tables))
    before = aggregate(exp, figures=False)["run_outcomes"].set_index("key")
    assert computed == []  # every run's own record read

    # a run whose summary.csv says otherwise: read as it is under the current code...
    key = before.index[0]
    run_dir = exp / "runs" / key
    summary = pd.read_csv(run_dir / "summary.csv")
    summary["output_cumulative"] = -1.0
    summary.to_csv(run_dir / "summary.csv", index=False)
    write_done(run_dir)
    assert aggregate(exp, figures=False)["run_outcomes"].set_index("key").loc[key, "output_cumulative"] == -1.0
    # ...and computed from its tables when another code, or none, made it
    for code in ("0123456789ab", None):
        _set_meta(run_dir, outcomes_code=code)
        after = aggregate(exp, figures=False)["run_outcomes"].set_index("key")
        assert len(computed) == 1
        computed.clear()
        pd.testing.assert_frame_equal(after.drop(columns="wall_seconds"), before.drop(columns="wall_seconds"))


def test_summary_per_group(scen):
    s = scen["summary"]
    assert len(s) == 3 * len(OUTCOMES) and (s["n_runs"] == 3).all()
    base = s[(s["group"] == "baseline") & (s["outcome"] == "output_cumulative")].iloc[0]
    vals = scen["run_outcomes"].query("scenario == 'baseline'")["output_cumulative"]
    ci = stats.mean_ci(vals)
    assert (base["mean"], base["ci_low"], base["ci_high"]) == pytest.approx(ci[:3])
    assert base["ci_low"] < base["mean"] < base["ci_high"]


def test_identical_scenario_has_exactly_zero_effects(scen):
    """late_policy = the baseline runs under another name: every paired difference is 0 with a [0, 0] interval."""
    eff = scen["effects"]
    assert set(eff["group"]) == {"full_reform", "late_policy"} and (eff["reference"] == "scenario=baseline").all()
    late = eff[eff["group"] == "late_policy"].set_index("outcome")
    defined = late[late["n_pairs"] > 0]
    assert set(late.index) - set(defined.index) == {"output_2025"}
    assert (defined["n_pairs"] == 3).all()
    assert (
        (defined["diff_mean"] == 0.0).all() and (defined["ci_low"] == 0.0).all() and (defined["ci_high"] == 0.0).all()
    )
    assert (defined["rel_diff_pct"].fillna(0.0) == 0.0).all()
    assert late.loc["output_2025", ["diff_mean", "ci_low", "ci_high"]].isna().all()
    full = eff[eff["group"] == "full_reform"].set_index("outcome")
    assert full.loc["zones_end", "diff_mean"] < 0  # consolidation removes zones
    widths = full["ci_high"] - full["ci_low"]
    assert (widths > 0).any()
    # the paired mean difference is the difference of the paired means
    r = full.loc["output_cumulative"]
    assert r["diff_mean"] == pytest.approx(r["group_mean"] - r["ref_mean"])
    assert r["rel_diff_pct"] == pytest.approx(100 * r["diff_mean"] / r["ref_mean"])


def test_files_written(scen, scen_exp):
    agg = scen_exp / "aggregate"
    for name in (
        "runs.parquet",
        "run_outcomes.parquet",
        "approvals.parquet",
        "summary.csv",
        "summary.md",
        "effects.csv",
        "effects.md",
        "failures.csv",
        "meta.json",
    ):
        assert (agg / name).stat().st_size > 0, name
    fails = pd.read_csv(agg / "failures.csv")
    assert list(fails.columns) == ["key", "overrides", "error"] and len(fails) == 1
    assert fails.loc[0, "overrides"] == f"scenario=devolution seed=1 {END}"
    eff_md = (agg / "effects.md").read_text()
    assert "| group" in eff_md and "late_policy" in eff_md and "[0, 0]" in eff_md and "95% CI" in eff_md
    assert "| outcome" in (agg / "summary.md").read_text()
    eff = pd.read_csv(agg / "effects.csv")
    assert {"group", "outcome", "unit", "n_pairs", "diff_mean", "ci_low", "ci_high", "rel_diff_pct"} <= set(eff.columns)
    assert len(pd.read_parquet(agg / "runs.parquet")) == 9 * MONTHS


def test_figures_written(scen, scen_exp):
    figs = scen_exp / "aggregate" / "figures"
    assert {p.name for p in figs.glob("*.png")} == FIGURES
    for p in figs.glob("*.png"):
        assert p.stat().st_size > 5000 and p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_reform_minus_baseline_over_time_is_paired_by_seed(scen, sweep_exp):
    """differences.png: each group minus the reference run of the same seed; the copies of the
    baseline (late_policy) differ by exactly 0 in every month; a sweep's reference group is found
    from meta.json's reference (its keys as written)."""
    runs = scen["runs"]
    assert reference_group(runs, {"scenario": "baseline"}) == "baseline"
    zombie = paired_differences(runs, "zombie_share", "date", "baseline", ["seed"])
    assert set(zombie["group"]) == {"full_reform", "late_policy"}
    late = zombie[zombie["group"] == "late_policy"]
    assert len(late) == 3 * MONTHS and (late["zombie_share"] == 0.0).all()
    full = zombie[zombie["group"] == "full_reform"].set_index(["seed", "date"])["zombie_share"]
    base = runs[runs["group"] == "baseline"].set_index(["seed", "date"])["zombie_share"]
    ref = runs[runs["group"] == "full_reform"].set_index(["seed", "date"])["zombie_share"]
    assert np.allclose(full, (ref - base).loc[full.index])
    rel = paired_differences(runs, "output", "date", "baseline", ["seed"], relative=True)
    f = rel[rel["group"] == "full_reform"].set_index(["seed", "date"])["output"]
    b = runs[runs["group"] == "baseline"].set_index(["seed", "date"])["output"]
    r = runs[runs["group"] == "full_reform"].set_index(["seed", "date"])["output"]
    assert np.allclose(f, (100 * (r - b) / b).loc[f.index])
    sweep = aggregate(sweep_exp, figures=False)["runs"]
    assert (
        reference_group(sweep, {"policy.devolution.powers": 0, "scenario": "full_reform"})
        == (sweep.loc[sweep["policy__devolution__powers"] == 0, "group"].iloc[0])
    )
    assert reference_group(sweep, {"region.name": "x"}) is None  # not a column: no figure


# --------------------------------------------------------------------------- swept parameters
def test_swept_parameter_becomes_a_column(sweep_exp, capsys):
    t = aggregate(sweep_exp, figures=False)
    col = "policy__devolution__powers"  # the dotted key, as a name SQL engines take unquoted
    out, runs = t["run_outcomes"], t["runs"]
    assert col in out and col in runs and pd.api.types.is_integer_dtype(out[col])
    assert sorted(zip(out[col], out["seed"])) == [(0, 0), (0, 1), (37, 0), (37, 1)]
    assert len(runs) == 4 * MONTHS and runs.groupby([col, "seed"])["key"].nunique().eq(1).all()
    assert list(runs.columns[:5]) == ["key", "scenario", col, "seed", "group"]
    # no baseline: the first group in sorted order is the reference; pairs on the seed
    eff = t["effects"]
    assert set(eff["group"]) == {"full_reform, powers=37"}
    assert (eff["reference"] == "scenario=full_reform, policy.devolution.powers=0").all()
    assert (eff.loc[eff["outcome"] != "output_2025", "n_pairs"] == 2).all()
    s = t["summary"]
    assert set(s[col]) == {0, 37} and (s["n_runs"] == 2).all()
    print_report(t, sweep_exp)  # what the multirun callback prints
    out = capsys.readouterr().out
    assert "4 complete runs in 2 groups" in out and "| full_reform, powers=37" in out and "failed run" not in out


def _record(key, seed, overrides, config=None):
    return RunRecord(key=key, scenario="s", seed=seed, overrides=overrides, config=config or {}, path=Path(key))


def test_swept_parameter_detection_rules():
    recs = [
        _record(
            "a",
            0,
            {
                "seed": 0,
                "policy.devolution.powers": 37,
                "time.end": "2021-12",
                "hydra.sweep.dir": "x",
                "output.dir": "runs/a",
            },
            {"policy": {"devolution": {"powers": 37}}},
        ),
        _record(
            "b",
            1,
            {
                "seed": 1,
                "policy.devolution.powers": 37.0,
                "time.end": "2021-12",
                "hydra.sweep.dir": "y",
                "output.dir": "runs/b",
            },
        ),
        _record("c", 0, {"seed": 0, "time.end": "2021-12", "firms.x": 1}, {"policy": {"devolution": {"powers": 37}}}),
        _record("d", 1, {"seed": 1, "time.end": "2021-12", "firms.x": 2}, {"policy": {"devolution": {"powers": 37}}}),
    ]
    swept, fixed = swept_parameters(recs)
    assert swept == ["firms.x"] and fixed["time.end"] == "2021-12"
    assert "policy.devolution.powers" not in swept  # 37 == 37.0 == the config value of c and d
    recs[3].config = {}  # no value at all is a value of its own
    assert swept_parameters(recs)[0] == ["firms.x", "policy.devolution.powers"]
    assert [r.params["firms.x"] for r in recs] == [None, None, 1, 2]


# --------------------------------------------------------------------------- command line
def test_cli_exits_1_with_failures_and_prints_effects(scen_exp, tmp_path, capsys):
    exp = shutil.copytree(scen_exp, tmp_path / "exp")
    with pytest.raises(SystemExit) as exc:
        main([str(exp), "--no-figures"])
    assert exc.value.code == 1
    out = capsys.readouterr().out
    assert "Paired differences versus scenario=baseline" in out
    assert "| late_policy" in out and "| full_reform" in out and "Zombie exits" in out
    assert "1 failed run" in out and "0123456789ab" in out and "ValueError: something broke" in out


def test_cli_reference_option_and_exit_codes(scen_exp, sweep_exp, tmp_path, capsys):
    exp = shutil.copytree(scen_exp, tmp_path / "exp")
    t = aggregate(exp, reference="scenario=full_reform", figures=False)
    eff = t["effects"].set_index(["group", "outcome"])["diff_mean"]
    base = aggregate(exp, figures=False)["effects"].set_index(["group", "outcome"])["diff_mean"]
    assert eff[("baseline", "output_cumulative")] == pytest.approx(-base[("full_reform", "output_cumulative")])
    sweep = shutil.copytree(sweep_exp, tmp_path / "sweep")
    with pytest.raises(SystemExit) as exc:
        main([str(sweep), "--no-figures", "--reference", "policy.devolution.powers=37"])
    assert exc.value.code == 0 and "powers=0" in capsys.readouterr().out
    for bad in (["--reference", "scenario=nope"], ["--reference", "nokey=1"]):
        with pytest.raises(SystemExit) as exc:
            main([str(sweep), "--no-figures", *bad])
        assert exc.value.code == 2
    assert "error" in capsys.readouterr().err
