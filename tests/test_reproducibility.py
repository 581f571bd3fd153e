"""Reproducibility (acceptance g): same config and seed give identical tables, different seeds
differ, scenarios share common random numbers before their policies start, and results depend
neither on earlier runs in the same process nor on Python's hash seed."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from sim.runner.outputs import project_approvals
from sim.runner.run import TABLES, simulate
from tests.conftest import compose_params, run_cli, run_model

HORIZON = "time.end=2019-12"  # long enough for all four policies of full_reform to act
CRN_HORIZON = "time.end=2020-06"


def _run_cli(args: list[str], cwd: Path, hashseed: str) -> subprocess.CompletedProcess:
    return run_cli(args, cwd, env={"PYTHONHASHSEED": hashseed})


def _assert_tables_equal(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)


def _normalise(df: pd.DataFrame) -> pd.DataFrame:
    """Missing values of text columns as None (an all-None column is `object`, a filled one `str`)."""
    out = df.reset_index(drop=True).copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


# --------------------------------------------------------------------------- in process
@pytest.fixture(scope="module")
def reform_params():
    return compose_params("scenario=full_reform", "seed=3", HORIZON)


@pytest.fixture(scope="module")
def reform_results(reform_params):
    return run_model(reform_params).results()


def test_same_config_and_seed_give_identical_model_results(reform_params, reform_results):
    """Two fresh models with the same params and seed return equal DataFrames for every table."""
    again = run_model(compose_params("scenario=full_reform", "seed=3", HORIZON)).results()
    assert set(reform_results) == set(TABLES)
    _assert_tables_equal(reform_results, again)
    # the run is not trivially empty: there is something to be reproduced
    assert len(reform_results["monthly"]) == 60
    assert len(reform_results["approvals"]) > 0 and len(reform_results["exits"]) > 0
    assert len(reform_results["zone_events"]) > 0


def test_simulate_twice_in_one_process_is_stateless(reform_params, reform_results):
    """``simulate`` repeated in one process, with other runs in between, gives the same tables
    (no module-level state such as a shared RNG, cache or counter leaks between runs)."""
    first = simulate(reform_params)
    simulate(compose_params("scenario=consolidation", "seed=11", "time.end=2018-12"))
    simulate(compose_params("region=synthetic", "seed=2", "time.end=2016-06"))
    second = simulate(reform_params)
    _assert_tables_equal(first, second)
    _assert_tables_equal(first, reform_results)


def test_params_are_not_mutated_by_a_run(reform_params):
    """Running does not change the parameters object (a mutated config would break replication)."""
    before = dataclasses.asdict(reform_params)
    simulate(reform_params)
    assert dataclasses.asdict(reform_params) == before


def test_different_seeds_give_different_results():
    """Seeds 0 and 1 differ in the monthly series, the approvals and the exits."""
    a = simulate(compose_params("seed=0", "time.end=2017-12"))
    b = simulate(compose_params("seed=1", "time.end=2017-12"))
    assert not a["monthly"]["output"].equals(b["monthly"]["output"])
    assert not a["approvals"].equals(b["approvals"])
    assert not a["exits"].equals(b["exits"])
    # but the calendar and the initial zone set are the same
    assert a["monthly"]["date"].equals(b["monthly"]["date"])
    assert a["monthly"]["zones"].iloc[0] == b["monthly"]["zones"].iloc[0]


# --------------------------------------------------------------------------- common random numbers
@pytest.fixture(scope="module")
def baseline_crn():
    return simulate(compose_params("scenario=baseline", "seed=5", CRN_HORIZON))


def _month_index(label: str) -> int:
    y, m = map(int, label.split("-"))
    return (y - 2015) * 12 + (m - 1)


@pytest.mark.parametrize(
    "scenario,first_policy_month",
    [
        ("full_reform", "2018-01"),  # zombie disposal 2018-01, consolidation 2018-09, the rest 2019-01
        ("consolidation", "2018-09"),
        ("devolution", "2019-01"),
        ("approval_reform", "2019-03"),
        ("assessment", "2019-01"),
    ],
)
def test_common_random_numbers_identical_before_policies_start(baseline_crn, scenario, first_policy_month):
    """With the same seed a reform scenario reproduces the baseline exactly until its first policy
    starts (monthly rows, approvals completed, exits, yearly zone rows), and differs afterwards."""
    base = baseline_crn
    ref = simulate(compose_params(f"scenario={scenario}", "seed=5", CRN_HORIZON))
    cut = _month_index(first_policy_month)

    def before(df, col="date"):
        return _normalise(df[df[col] < first_policy_month])

    mb, mr = before(base["monthly"]), before(ref["monthly"])
    assert len(mb) == cut
    pd.testing.assert_frame_equal(mb, mr, check_exact=True, obj="monthly before policies")

    # an approval counted in month m completed at model time <= m + 1 (Mesa time runs one ahead)
    def done_before(df):
        return _normalise(df[df["production_time"] <= cut])

    ab, ar = done_before(base["approvals"]), done_before(ref["approvals"])  # projects' and plants'
    n_projects = len(done_before(project_approvals(base["approvals"])))
    assert len(ab) > 0
    pd.testing.assert_frame_equal(ab, ar, check_exact=True, obj="approvals completed before policies")
    assert n_projects == int(
        base["monthly"].loc[base["monthly"]["date"] < first_policy_month, "approvals_completed"].sum()
    )

    eb, er = before(base["exits"]), before(ref["exits"])
    assert len(eb) > 0
    pd.testing.assert_frame_equal(eb, er, check_exact=True, obj="exits before policies")

    year = int(first_policy_month[:4])
    zb, zr = (_normalise(t["zones_yearly"][t["zones_yearly"]["year"] < year]) for t in (base, ref))
    pd.testing.assert_frame_equal(zb, zr, check_exact=True, obj="zones_yearly before policies")

    # the scenario does change the run once its policies are in force (an assessment's first yellow
    # cards may leave the month's aggregates alone for a while: the zones' yearly rows record them)
    after_b = base["monthly"][base["monthly"]["date"] >= first_policy_month].reset_index(drop=True)
    after_r = ref["monthly"][ref["monthly"]["date"] >= first_policy_month].reset_index(drop=True)
    zones_b, zones_r = (
        t["zones_yearly"][t["zones_yearly"]["year"] >= year].reset_index(drop=True) for t in (base, ref)
    )
    assert not (after_b.equals(after_r) and zones_b.equals(zones_r))


# --------------------------------------------------------------------------- command line
CLI_ARGS = ["scenario=full_reform", "seed=4", HORIZON]


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory):
    """Three CLI runs of one config: two with hash seed 0, one with hash seed 4242 (run in parallel)."""
    jobs = {"a": "0", "b": "0", "c": "4242"}
    root = tmp_path_factory.mktemp("repro_cli")
    dirs = {}
    for name in jobs:
        (root / name).mkdir()
        dirs[name] = root / name / "run"
    with ThreadPoolExecutor(max_workers=3) as pool:
        futs = {
            name: pool.submit(_run_cli, CLI_ARGS + [f"hydra.run.dir={dirs[name]}"], root / name, seed)
            for name, seed in jobs.items()
        }
        procs = {name: f.result() for name, f in futs.items()}
    for name, proc in procs.items():
        assert proc.returncode == 0, f"run {name} failed:\n{proc.stderr[-3000:]}"
    return dirs


def _parquet_tables(folder: Path) -> dict[str, pd.DataFrame]:
    files = sorted(folder.glob("*.parquet"))
    assert {f.stem for f in files} == set(TABLES)
    return {f.stem: pd.read_parquet(f) for f in files}


def test_cli_same_seed_writes_identical_files(cli_runs):
    """Two CLI runs of the same command write equal Parquet tables and summary.csv; run.json
    agrees on everything but its timestamp and wall time."""
    a, b = cli_runs["a"], cli_runs["b"]
    _assert_tables_equal(_parquet_tables(a), _parquet_tables(b))
    assert (a / "summary.csv").read_text() == (b / "summary.csv").read_text()
    ja, jb = (json.loads((d / "run.json").read_text()) for d in (a, b))
    for volatile in ("started", "wall_seconds"):
        ja.pop(volatile), jb.pop(volatile)
    assert ja == jb
    assert ja["seed"] == 4 and ja["scenario"] == "full_reform"


def test_cli_results_do_not_depend_on_python_hash_seed(cli_runs):
    """PYTHONHASHSEED=0 and PYTHONHASHSEED=4242 give identical tables (no set/dict-of-str order
    or ``hash()`` of strings reaches the model's random streams)."""
    _assert_tables_equal(_parquet_tables(cli_runs["a"]), _parquet_tables(cli_runs["c"]))
    assert (cli_runs["a"] / "summary.csv").read_text() == (cli_runs["c"] / "summary.csv").read_text()


def test_cli_tables_equal_in_process_simulation(cli_runs):
    """What the command line writes is what ``simulate`` returns for the same overrides."""
    tables = simulate(compose_params(*CLI_ARGS))
    written = _parquet_tables(cli_runs["a"])
    for name in TABLES:
        pd.testing.assert_frame_equal(
            _normalise(written[name]), _normalise(tables[name]), check_exact=True, check_dtype=False, obj=name
        )
