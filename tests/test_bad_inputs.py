"""The bad-input corpus (issue 17, acceptance a): every bad input ends ``zonesim`` with status 2
and exactly ONE line on stderr naming the key / file / row and what is admissible, no traceback,
no output or sweep folder, before anything runs.

Four kinds of case, each a row of a table below: configuration values (the command-line cases of
``tests/test_data_errors.py``, :data:`VALUE_CASES`, :data:`BOUND_CASES`: types, ranges, dates,
choices, NaN/inf, sizes no region has), Hydra's syntax
and Hydra's own settings (:data:`SYNTAX_CASES`: the grammar, groups, options, folders), sweeps
(:data:`SWEEP_CASES`: every sweep point is validated before the sweep folder is made, launcher
settings) and data files (:data:`DATA_CASES`: every fault of ``tests/test_data_errors.py`` and
more).  They run in-process through the console script's own entry point (fast); a few run as
real ``zonesim`` processes (:data:`PROCESS_CASES`), which also must end within 5 s and use less
than 1 GiB of memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.config import limits
from sim.data.loader import embedded_dir
from sim.runner import entry
from tests.test_data_errors import (
    CLI_CASES,
    DATA_FAULTS,
    SHORT,
    _assert_clean_failure,
    _copy_data,
    _edit,
    _expected,
    _main_in_process,
    _set,
)

GiB = 1024**3

# --------------------------------------------------------------------------- configuration values
# name: (command line, pieces of the stderr line); {tmp}: a folder outside the working folder
VALUE_CASES = {
    "unknown_key": (
        ["policy.devolution.powerz=3"],
        ["policy.devolution.powerz: unknown configuration key", "did you mean policy.devolution.powers"],
    ),
    "unknown_top_key": (["foo=1"], ["foo: unknown configuration key"]),
    "unknown_table_entry": (
        ["bodies.approval_staff.mayor=3"],
        ["bodies.approval_staff.mayor", "bureau, division, deputy_division"],
    ),
    "appended_existing_key": (["+seed=3"], ["seed", "already in the configuration", "without the '+'"]),
    "deleted_seed": (["~seed"], ["~seed", "cannot be deleted", "seed=VALUE"]),
    "deleted_nested_key": (["~policy.devolution.powers"], ["~policy.devolution.powers", "cannot be deleted"]),
    "seed_fraction": (["seed=1.5"], ["seed = 1.5 is not an integer"]),
    "powers_text": (["policy.devolution.powers=many"], ["policy.devolution.powers = 'many' is not an integer"]),
    "bool_text": (
        ["policy.zombie_disposal.enabled=maybe"],
        ["policy.zombie_disposal.enabled = 'maybe' is not a boolean (true or false)"],
    ),
    "float_text": (["time.working_days_per_month=fast"], ["time.working_days_per_month = 'fast' is not a number"]),
    "table_as_number": (["bodies.approval_staff=5"], ["bodies.approval_staff = 5 is not a table"]),
    "weights_as_number": (["policy.assessment.weights=3"], ["policy.assessment.weights = 3 is not a table"]),
    "seed_negative": (["seed=-1"], ["seed = -1", "out of range"]),
    "working_days_zero": (["time.working_days_per_month=0"], ["time.working_days_per_month = 0", "greater than 0"]),
    "nan": (["approval.background_load=nan"], ["approval.background_load = nan is not a finite number"]),
    "inf": (["approval.background_load=inf"], ["approval.background_load = inf is not a finite number"]),
    "nan_in_table": (["bodies.admin_cost.bureau=nan"], ["bodies.admin_cost.bureau = nan is not a finite number"]),
    "minus_inf_in_table": (["bodies.admin_cost.bureau=-inf"], ["bodies.admin_cost.bureau = -inf"]),
    "weights_all_zero": (
        [
            "scenario=full_reform",
            *(
                f"policy.assessment.weights.{k}=0"
                for k in ("output_per_mu", "tax_per_mu", "output_growth", "non_zombie_share")
            ),
        ],
        ["policy.assessment.weights are all 0"],
    ),
    "weight_negative": (["policy.assessment.weights.tax_per_mu=-0.3"], ["policy.assessment.weights.tax_per_mu = -0.3"]),
    "month_13": (["time.end=2015-13"], ["time.end = '2015-13'", "YYYY-MM"]),
    "horizon_too_long": (["time.end=2999-12"], ["time.end = 2999-12 is more than 50 years after time.start"]),
    "start_text": (["time.start=soon"], ["time.start = 'soon'", "YYYY-MM"]),
    "region_kind": (["region.kind=mars"], ["region.kind = 'mars'", "ningxia, synthetic, national"]),
    "competition_scope": (["investment.competition_scope=world"], ["investment.competition_scope = 'world'", "city"]),
    "scenario_name_path": (["scenario_name=../../x"], ["scenario_name = '../../x'", "letters, digits"]),
    "interpolation": (["seed=${foo}"], ["seed", "Interpolation key 'foo' not found"]),
    "sample_file_missing": (
        ["sample.file={tmp}/none.parquet", "sample.index=0"],
        ["sample.file = '{tmp}/none.parquet' cannot be read"],
    ),
    "vat_months_without_rates": (
        ["tax.vat_cut_months=[2019-04]", "tax.vat_cut_rates=[]"],
        ["tax.vat_cut_months has 1 months but tax.vat_cut_rates has 0 rates"],
    ),
    "abolish_before_downgrade": (
        ["policy.assessment.years_to_abolish=1"],
        ["policy.assessment.years_to_abolish = 1", "years_to_downgrade = 2"],
    ),
    "disposal_shares_above_one": (
        ["policy.zombie_disposal.merger_share=0.8", "policy.zombie_disposal.restructuring_share=0.5"],
        ["merger_share + restructuring_share = 1.3 is more than 1"],
    ),
}

# sizes no region has (issue 17, item 7): refused before a region is generated or anything allocated
BOUND_CASES = {
    "synthetic_enterprises": (
        ["region=synthetic", "region.synthetic.enterprises=1000000000"],
        ["region.synthetic.enterprises = 1,000,000,000 is out of range [1, 10,000,000]"],
    ),
    "arrival_scale": (
        ["investment.arrival_scale=1000000"],
        ["investment.arrival_scale = 1,000,000 is out of range [0, 1,000]"],
    ),
    "bureau_staff": (
        ["bodies.approval_staff.bureau=1000000000"],
        ["bodies.approval_staff.bureau = 1,000,000,000 is out of range [0, 100,000]"],
    ),
    "synthetic_cities": (
        ["region=synthetic", "region.synthetic.cities=100000000"],
        ["region.synthetic.cities = 100,000,000 is out of range [1, 100,000]"],
    ),
    "synthetic_counties": (
        ["region=synthetic", "region.synthetic.cities=1000", "region.synthetic.counties_per_city=1000"],
        ["region.synthetic.cities x counties_per_city", "1,000,000 counties, more than 100,000"],
    ),
    "synthetic_zones_per_county": (
        ["region=synthetic", "region.synthetic.zones_per_county=1000000"],
        ["region.synthetic.zones_per_county = 1,000,000 is out of range [0, 100]"],
    ),
    "national_counties": (
        ["region=national", "region.national.counties=1000000000"],
        ["region.national.counties = 1,000,000,000 is out of range"],
    ),
    "national_enterprises": (
        ["region=national", "region.national.enterprises=1000000000"],
        ["region.national.enterprises = 1,000,000,000 is out of range"],
    ),
    "total_firms": (["region.total_firms=1000000000"], ["region.total_firms = 1,000,000,000 is out of range"]),
    "pipeline_months": (["investment.pipeline_months=1e9"], ["investment.pipeline_months = 1,000,000,000"]),
    "county_staff_per_firm": (
        ["approval.county_staff_per_100_firms=1e9"],
        ["approval.county_staff_per_100_firms = 1,000,000,000 is out of range [0, 100]"],
    ),
    "dispatched_staff": (
        ["policy.devolution.dispatched_staff=1000000000"],
        ["policy.devolution.dispatched_staff = 1,000,000,000"],
    ),
    "yellow_card_staff": (
        ["policy.assessment.yellow_card_extra_staff=1000000000"],
        ["policy.assessment.yellow_card_extra_staff = 1,000,000,000"],
    ),
}

# --------------------------------------------------------------------------- Hydra's syntax and settings
SYNTAX_CASES = {
    "no_equals": (["seed"], ["seed: cannot parse this override", "missing EQUAL"]),
    "no_key": (["=3"], ["=3: no key before '='"]),
    "unclosed_list": (["seed=[1,2"], ["seed=[1,2: cannot parse this override"]),
    "bad_range_single_run": (["seed=range(a)"], ["seed=range(a): cannot parse this override", "TypeError"]),
    "empty_choice": (["seed=choice()"], ["seed=choice()", "empty choice"]),
    "list_without_multirun": (["seed=0,1"], ["seed=0,1: a list of values sweeps only with -m", "seed=[0,1]"]),
    "unknown_experiment": (["experiment=nope"], ["experiment=nope", "compare, decompose"]),
    "not_a_group": (["policy=nope"], ["policy: not a config group", "policy/devolution"]),
    "unknown_group_option": (["policy/devolution=nope"], ["policy/devolution=nope", "ningxia, off"]),
    "unknown_launcher": (["hydra/launcher=nope"], ["hydra/launcher=nope", "joblib", "zonesim_joblib"]),
    "unknown_option": (["--foo"], ["unknown option --foo"]),
    "run_and_multirun": (["-r", "-m"], ["-r/--run and -m/--multirun"]),
    "unknown_config_name": (["-cn", "nope"], ["--config-name nope: no such configuration", "config"]),
    "hydra_unknown_key": (["hydra.launcher.n_jobs=3"], ["hydra.launcher.n_jobs: unknown configuration key"]),
    "hydra_bool_text": (["hydra.job.chdir=maybe"], ["hydra.job.chdir = 'maybe' is not a boolean"]),
    "run_dir_proc": (["hydra.run.dir=/proc/zonesim-x"], ["hydra.run.dir = /proc/zonesim-x", "cannot write there"]),
    "run_dir_empty": (["hydra.run.dir="], ["hydra.run.dir is empty"]),
    "run_dir_interpolation": (["hydra.run.dir=${nope}"], ["hydra.run.dir = ${nope}", "Interpolation key 'nope'"]),
    "run_dir_name_too_long": ([f"hydra.run.dir={{tmp}}/{'a' * 300}"], ["hydra.run.dir", "longer than 255 bytes"]),
    "output_dir_under_a_file": (["output.dir=/dev/null/x"], ["output.dir = /dev/null/x", "/dev/null is a file"]),
    "output_subdir_proc": (
        ["hydra.output_subdir=/proc/zonesim-x"],
        ["hydra.output_subdir = /proc/zonesim-x", "cannot write there"],
    ),
    "callback_not_importable": (
        ["hydra.callbacks.experiment._target_=nope.Nope"],
        ["hydra.callbacks.experiment._target_ = 'nope.Nope' cannot be imported"],
    ),
}

# --------------------------------------------------------------------------- sweeps (issue 17, item 10)
_JOBLIB = ["hydra/launcher=joblib"]
SWEEP_CASES = {
    "point_out_of_range": (["-m", "seed=0,1", "policy.devolution.powers=38"], ["policy.devolution.powers = 38"]),
    "unknown_key": (["-m", "seed=0,1", "foo=1"], ["foo: unknown configuration key"]),
    "unknown_scenario": (
        ["-m", "scenario=baseline,nonexistent"],
        ["scenario=nonexistent: no such scenario", "approval_reform", "baseline", "zombie_disposal"],
    ),
    "bad_range": (["-m", "seed=range(a)"], ["seed=range(a): cannot parse this override", "TypeError"]),
    "seed_text": (["-m", "seed=abc,1"], ["seed = 'abc' is not an integer"]),
    "second_point_bad": (
        ["-m", "time.end=2015-06,2014-12"],
        ["time.end = 2014-12 is before", "(sweep point 2 of 2: time.end=2014-12)"],
    ),
    "interval": (["-m", "seed=interval(0,1)"], ["seed=interval(0,1)", "not interval()"]),
    "range_step_zero": (["-m", "seed=range(1,5,0)"], ["seed=range(1,5,0)", "must not be zero"]),
    "empty_range": (["-m", "seed=range(0)"], ["seed=range(0): the sweep has no values"]),
    "empty_glob": (["-m", "scenario=glob(nothing*)"], ["scenario=glob(nothing*): the sweep has no values"]),
    "hydra_setting_swept": (["-m", "hydra.run.dir=a,b"], ["hydra.run.dir=a,b", "cannot be swept"]),
    "n_jobs_zero": (["-m", "seed=0,1", *_JOBLIB, "hydra.launcher.n_jobs=0"], ["hydra.launcher.n_jobs = 0"]),
    "n_jobs_text": (
        ["-m", "seed=0,1", *_JOBLIB, "hydra.launcher.n_jobs=abc"],
        ["hydra.launcher.n_jobs = 'abc' is not an integer"],
    ),
    "restarts_negative": (
        ["-m", "seed=0,1", "hydra/launcher=zonesim_joblib", "hydra.launcher.restarts=-1"],
        ["hydra.launcher.restarts = -1"],
    ),
    "batch_size_zero": (["-m", "seed=0,1", *_JOBLIB, "hydra.launcher.batch_size=0"], ["hydra.launcher.batch_size"]),
    "prefer_unknown": (["-m", "seed=0,1", *_JOBLIB, "hydra.launcher.prefer=gpus"], ["hydra.launcher.prefer = 'gpus'"]),
    "pre_dispatch_text": (
        ["-m", "seed=0,1", *_JOBLIB, "hydra.launcher.pre_dispatch=abc"],
        ["hydra.launcher.pre_dispatch = 'abc'", "2*n_jobs"],
    ),
    "timeout_negative": (["-m", "seed=0,1", *_JOBLIB, "hydra.launcher.timeout=-1"], ["hydra.launcher.timeout = -1"]),
    "max_batch_size_zero": (["-m", "seed=0,1", "hydra.sweeper.max_batch_size=0"], ["hydra.sweeper.max_batch_size = 0"]),
    "sweep_dir_proc": (
        ["-m", "seed=0,1", "hydra.sweep.dir=/proc/zonesim-x"],
        ["hydra.sweep.dir = /proc/zonesim-x", "cannot write there"],
    ),
    "sweep_dir_empty": (["-m", "seed=0,1", "hydra.sweep.dir="], ["hydra.sweep.dir is empty"]),
    "sweep_subdir_proc": (
        ["-m", "seed=0,1", "hydra.sweep.subdir=/proc/zonesim-x"],
        ["hydra.sweep.subdir = /proc/zonesim-x", "cannot write there"],
    ),
    "experiment_bad_value": (["experiment=compare", "policy.devolution.powers=38"], ["policy.devolution.powers = 38"]),
    "experiment_n_jobs_zero": (["experiment=compare", "hydra.launcher.n_jobs=0"], ["hydra.launcher.n_jobs = 0"]),
    "experiment_unknown_scenario": (["experiment=compare", "scenario=nope"], ["scenario=nope: no such scenario"]),
    "point_above_bound": (
        ["-m", "seed=0,1", "investment.arrival_scale=1,1000000"],
        [
            "investment.arrival_scale = 1,000,000 is out of range",
            "(sweep point 2 of 4: seed=0 investment.arrival_scale=1000000)",
        ],
    ),
    "region_point_above_bound": (
        ["-m", "region=ningxia,synthetic", "region.synthetic.cities=100000000"],
        ["region.synthetic.cities = 100,000,000 is out of range"],
    ),
    "choice_out_of_list": (["-m", "region.kind=ningxia,mars"], ["region.kind = 'mars'", "sweep point 2 of 2"]),
    "broken_data": (
        ["-m", "seed=0,1", "region.data_dir={data:sectors_all_output_share_zero}"],
        ["sectors.csv", "column output_share is 0 in every row"],
    ),
}


# --------------------------------------------------------------------------- data files
def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(line + "\n")


def _cell(file: str, id_col: str, ident: str, col: str, value: str, *pieces: str) -> tuple:
    """A fault in one cell (the row whose ``id_col`` is ``ident``): its message names the file and
    the row's CSV line, and holds ``pieces``."""
    return (lambda d: _edit(d, file, _set(id_col, ident, col, value)), file, f"{ident},", [file, "row {line}", *pieces])


#: the embedded Ningxia files' header rows (a ragged row is reported against their width)
DATA_HEADER = {
    name: (embedded_dir() / name).read_text(encoding="utf-8").splitlines()[0].split(",") for name in ("zones.csv",)
}


def _whole(file: str, edit, *pieces: str) -> tuple:
    """A fault of a whole file or column (``edit`` of the copied folder): the message holds the file and ``pieces``."""
    return (edit, file, None, [file, *pieces])


# name -> (edit of a copied folder, file, prefix of the faulty CSV line or None, pieces; {line}: its number)
EXTRA_FAULTS = {  # issue 17, item 7: 1e8 blocks and 1e9 arrivals tried to allocate gigabytes
    "zones_blocks_absurd": _cell(
        "zones.csv", "zone_id", "yinchuan_etdz", "blocks", "100000000", "column blocks = 100000000", "[1, 1000]"
    ),
    "sectors_arrivals_absurd": _cell(
        "sectors.csv",
        "sector",
        "chemicals",
        "arrivals_per_1000_firms",
        "1e9",
        "arrivals_per_1000_firms = 1000000000",
        "[0, 1000]",
    ),
    "zones_founded_not_a_month": _cell("zones.csv", "zone_id", "suyin", "founded", "2019-13", "'2019-13'", "YYYY-MM"),
    "zones_body_blank": _cell("zones.csv", "zone_id", "jinfeng", "body_id", "", "column body_id is empty"),
    "counties_city_blank": _cell("counties.csv", "county_id", "xixia", "city_id", "", "column city_id is empty"),
    "zones_county_with_space": _cell(
        "zones.csv", "zone_id", "jinfeng", "county_id", " xixia", "unknown county ' xixia'"
    ),
    "zones_unknown_level": _cell("zones.csv", "zone_id", "jinfeng", "level", "county", "column level", "'county'"),
    "counties_revenue_negative": _cell(
        "counties.csv", "county_id", "xixia", "fiscal_revenue", "-1", "fiscal_revenue = -1", "out of range"
    ),
    "sectors_output_share_above_one": _cell(
        "sectors.csv", "sector", "coal", "output_share", "1.5", "output_share = 1.5", "[0, 1]"
    ),
    "items_share_above_one": _cell(
        "approval_items.csv", "item_id", "project_filing", "share", "1.5", "share = 1.5", "[0, 1]"
    ),
    "items_waits_for_itself": _cell(
        "approval_items.csv", "item_id", "energy_review", "predecessors", "energy_review", "the item waits for itself"
    ),
    "zones_firms_above_total": _whole(
        "zones.csv",
        lambda d: _edit(d, "zones.csv", _set("zone_id", "ningdong", "firms", "5000")),
        "column firms sums to 5,",
        "region.total_firms = 1,150",
    ),
    "zones_output_share_above_one": _whole(
        "zones.csv",
        lambda d: _edit(d, "zones.csv", lambda df: df.assign(output_share="0.5")),
        "column output_share sums to 17.000 > 1",
    ),
    "zones_not_a_file": _whole(
        "zones.csv", lambda d: ((d / "zones.csv").unlink(), (d / "zones.csv").mkdir()), "zones.csv: not a file"
    ),
    "zones_ragged_row": _whole(
        "zones.csv",
        lambda d: _append(d / "zones.csv", ",".join("abcdefghijklmnopqrstuvw")),
        "cannot be read as CSV",
        f"Expected {len(DATA_HEADER['zones.csv'])} fields",  # the embedded file's columns
    ),
    "counties_not_utf8": _whole(
        "counties.csv",
        lambda d: (d / "counties.csv").write_bytes((d / "counties.csv").read_text(encoding="utf-8").encode("gbk")),
        "cannot be read as CSV",
        "'utf-8' codec",
    ),
    "items_powers_above_total": _whole(
        "approval_items.csv",
        lambda d: _edit(d, "approval_items.csv", lambda df: df.assign(powers="5")),
        "column powers sums to",
        "> 37",
    ),
    "items_file_missing": _whole(
        "approval_items.csv", lambda d: (d / "approval_items.csv").unlink(), "approval_items.csv: file not found"
    ),
    "adjacency_missing_column": _whole(
        "adjacency.csv",
        lambda d: _edit(d, "adjacency.csv", lambda df: df.drop(columns=["county_b"])),
        "missing column county_b",
    ),
    "spending_year_out_of_range": _whole(
        "spending.csv",
        lambda d: _edit(
            d,
            "spending.csv",
            lambda df: df.assign(from_year=[("3000" if i == 0 else v) for i, v in enumerate(df["from_year"])]),
        ),
        "row 2",
        "from_year = 3000",
        "[1900, 2200]",
    ),
}
FAULTS = {**DATA_FAULTS, **EXTRA_FAULTS}
DATA_CASES = sorted(FAULTS)

CASES = {
    **{
        f"cli-{k}": ([a.replace("{root}", "{tmp}") for a in argv], [p.replace("{root}", "{tmp}") for p in pieces])
        for k, (argv, pieces) in CLI_CASES.items()
    },
    **{f"value-{k}": v for k, v in VALUE_CASES.items()},
    **{f"bound-{k}": v for k, v in BOUND_CASES.items()},
    **{f"syntax-{k}": v for k, v in SYNTAX_CASES.items()},
    **{f"sweep-{k}": v for k, v in SWEEP_CASES.items()},
    **{f"data-{k}": ([f"region.data_dir={{data:{k}}}"], None) for k in DATA_CASES},
}

# run as real processes (exit status, stderr, time and memory of the console script itself)
PROCESS_CASES = [
    "value-deleted_seed",
    "syntax-run_dir_proc",
    "cli-wrong_type_seed",
    "sweep-n_jobs_zero",
    "sweep-point_out_of_range",
    "sweep-unknown_scenario",
    "sweep-bad_range",
    "bound-synthetic_enterprises",
    "bound-synthetic_cities",
    "data-sectors_all_output_share_zero",
    "data-zones_blocks_absurd",
]


def test_the_corpus_covers_the_issue():
    """At least 100 cases, over values, syntax, sweeps and data files (issue 17, acceptance a)."""
    kinds = {name.split("-", 1)[0] for name in CASES}
    assert len(CASES) >= 100 and kinds == {"cli", "value", "bound", "syntax", "sweep", "data"}
    assert set(PROCESS_CASES) <= set(CASES)


def _data_folder(root: Path, fault: str) -> Path:
    """A copy of the embedded data with ``fault`` made (once per test session folder)."""
    folder = root / f"data_{fault}"
    if not folder.exists():
        FAULTS[fault][0](_copy_data(folder))
    return folder


def _command(case: str, root: Path) -> tuple[list[str], list[str]]:
    """(command line, expected pieces of the stderr line) of a case; data folders under ``root``."""
    argv, pieces = CASES[case]
    out = []
    for arg in argv:
        if "{data:" in arg:
            fault = arg.split("{data:", 1)[1].rstrip("}")
            arg = arg.split("{data:", 1)[0] + str(_data_folder(root, fault))
        out.append(arg.replace("{tmp}", str(root)))
    if pieces is None:  # a data case
        fault = case.split("-", 1)[1]
        pieces = _expected(_data_folder(root, fault), fault, FAULTS)
    if not any(a.startswith("time.end=") for a in out):
        out.append(SHORT)  # if a bad case wrongly runs, it runs briefly
    return out, [p.replace("{tmp}", str(root)) for p in pieces]


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bad_inputs")


def _entry_in_process(argv: list[str], cwd: Path, monkeypatch, capsys) -> tuple[object, str, str]:
    """``zonesim <argv>`` through the console script's entry point, in ``cwd``: (status, stdout, stderr)."""
    return _main_in_process(argv, cwd, monkeypatch, capsys, main=entry.main)


def _assert_refused(cwd: Path, status, out: str, err: str, pieces: list[str], root: Path) -> None:
    assert "Traceback" not in err
    _assert_clean_failure(cwd, status, out, err, pieces)  # status 2, one line, pieces, nothing in cwd
    assert not any(p.name.startswith(("outputs", "multirun")) for p in root.iterdir())


def _tiered(cases) -> list:
    """Every case; in the fast tier (``make test-fast``) only the first of each kind (cli, value,
    bound, syntax, sweep, data), as each case composes the whole configuration (the rest: slow)."""
    seen: set[str] = set()
    out = []
    for case in sorted(cases):
        kind = case.split("-", 1)[0]
        out.append(case if kind not in seen else pytest.param(case, marks=pytest.mark.slow))
        seen.add(kind)
    return out


@pytest.mark.parametrize("case", _tiered(CASES))
def test_bad_input_is_refused_in_one_line(root, tmp_path, monkeypatch, capsys, case):
    """Status 2, one ``zonesim: error:`` line naming the key / file / row, nothing made in the
    working folder (no run, sweep or output folder) and nothing run."""
    argv, pieces = _command(case, root)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    status, out, err = _entry_in_process(argv, cwd, monkeypatch, capsys)
    _assert_refused(cwd, status, out, err, pieces, root)


# --------------------------------------------------------------------------- the memory estimate
def test_a_run_larger_than_the_memory_available_is_refused_with_the_estimate(root, tmp_path, monkeypatch, capsys):
    """Within the hard bounds, a run whose estimated peak memory is more than this machine has
    available is refused before anything is allocated, with the estimate and the key driving it
    (the machine's memory made 2 GiB, so the case is the same on every machine)."""
    monkeypatch.setattr(limits, "available_memory", lambda: 2.0 * GiB)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    argv = ["region=synthetic", "region.synthetic.enterprises=2000000", SHORT]
    status, out, err = _entry_in_process(argv, cwd, monkeypatch, capsys)
    _assert_refused(
        cwd,
        status,
        out,
        err,
        [
            "region.synthetic.enterprises = 2,000,000 firms over 6 months",
            "a run needs ~3.7 GiB of memory (firms ~2.5 GiB)",
            "this machine has ~2.0 GiB available",
        ],
        root,
    )


def test_a_sweep_checks_the_memory_of_its_runs_at_once(root, tmp_path, monkeypatch, capsys):
    """A sweep's runs at once (the joblib launcher's workers) must fit together: the line names
    hydra.launcher.n_jobs."""
    monkeypatch.setattr(limits, "available_memory", lambda: 2.0 * GiB)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    argv = [
        "-m",
        "seed=0,1",
        *_JOBLIB,
        "hydra.launcher.n_jobs=2",
        "region=synthetic",
        "region.synthetic.enterprises=600000",
        SHORT,
    ]
    status, out, err = _entry_in_process(argv, cwd, monkeypatch, capsys)
    _assert_refused(
        cwd,
        status,
        out,
        err,
        [
            "region.synthetic.enterprises = 600,000 firms",
            "x 2 runs at once (hydra.launcher.n_jobs = 2)",
            "this machine has ~2.0 GiB available",
        ],
        root,
    )


def test_the_estimate_is_close_to_measured_runs():
    """The estimate against peak memory measured with /usr/bin/time (docs/cluster.md, 2026-12-05:
    national x1, 2015-2035, 3,131 MiB; national x0.1: 633 MiB; Ningxia 2015-2030: 317 MiB): within a
    factor 1.6."""
    from sim import make_params
    from sim.data import build_region

    national = ["region=national", "time.end=2035-12", "output.firm_panel=false", "output.land_yearly=false"]
    for overrides, measured_mib in ((national, 3131), ([*national, "region.national.scale=0.1"], 633), ([], 317)):
        params = make_params(hydra_overrides=overrides)
        need = sum(limits.estimate(params, limits.sizes(params, build_region(params))).values()) / 2**20
        assert measured_mib / 1.6 < need < measured_mib * 1.6, (overrides, need)


def test_the_default_runs_are_never_refused_for_memory():
    """Whatever the machine: estimates under 1 GiB pass (the embedded data, a comparison)."""
    from sim import make_params
    from sim.data import build_region

    params = make_params()
    assert limits.check_memory(params, build_region(params), available=0.0) < limits.FLOOR_BYTES


# --------------------------------------------------------------------------- as real processes
_MEASURE = r"""
import json, resource, subprocess, sys, time
stats, cmd = sys.argv[1], sys.argv[2:]
t = time.perf_counter()
rc = subprocess.call(cmd)
seconds = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
json.dump({"seconds": seconds, "cpu_seconds": ru.ru_utime + ru.ru_stime, "maxrss_kib": ru.ru_maxrss}, open(stats, "w"))
sys.exit(rc)
"""


@pytest.mark.parametrize("case", PROCESS_CASES)
def test_bad_input_process_ends_fast_and_small(root, tmp_path, case):
    """As a real ``zonesim`` process: status 2, exactly one stderr line, nothing in the working
    folder, within 5 s (of CPU time; the wall time as well, allowing for a machine whose cores
    other work keeps busy) and under 1 GiB of peak memory (its children's rusage, measured by a
    wrapper process of its own)."""
    argv, pieces = _command(case, root)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    exe = Path(sys.executable).parent / "zonesim"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "sim.runner.entry"]
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    stats = tmp_path / "stats.json"
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(stats), *cmd, *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    _assert_refused(cwd, proc.returncode, proc.stdout, proc.stderr, pieces, root)
    measured = json.loads(stats.read_text())
    assert measured["cpu_seconds"] < 5.0, measured  # the work; the wall time also waits for a busy machine's cores
    assert measured["seconds"] < 5.0 * max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1)), measured
    assert measured["maxrss_kib"] * 1024 < 1 * GiB, measured
