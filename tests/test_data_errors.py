"""Bad input (acceptance h): an unknown key, a value out of range, a bad date, a wrong type, an
unknown scenario or a broken data file ends ``zonesim`` with status 2 and ONE line on stderr
naming the key / file / row / value, before any run starts and without an output folder.
The messages of ``load_region`` and ``validate`` are unit-tested as well."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf

from sim.config.schema import ModelConfig
from sim.config.validate import ConfigError, from_dictconfig, validate
from sim.data import DataError
from sim.data.loader import embedded_dir, load_region
from sim.runner import cli as cli_module
from tests.conftest import compose_params, run_cli

SHORT = "time.end=2015-06"  # if a bad case wrongly runs, it runs briefly


# --------------------------------------------------------------------------- broken data folders
def _copy_data(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for f in embedded_dir().glob("*.csv"):
        shutil.copy(f, dest / f.name)
    return dest


def _edit(folder: Path, file: str, fn) -> None:
    path = folder / file
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    fn(df).to_csv(path, index=False)


def _set(id_col: str, ident: str, col: str, value: str):
    def fn(df):
        assert (df[id_col] == ident).sum() == 1
        df.loc[df[id_col] == ident, col] = value
        return df

    return fn


def _other_rank_for_first_zone_of(body: str):
    """Give the first zone of ``body`` (a body with two zones) a rank its other zone does not have."""

    def fn(df):
        first = df.index[df["body_id"] == body][0]
        df.loc[first, "rank"] = "bureau" if df.loc[first, "rank"] != "bureau" else "division"
        return df

    return fn


def _line_of(folder: Path, file: str, prefix: str) -> int:
    """1-based line number of the first line of ``file`` starting with ``prefix`` (read raw)."""
    lines = (folder / file).read_text(encoding="utf-8").splitlines()
    return next(i + 1 for i, ln in enumerate(lines) if ln.startswith(prefix))


ADJ_A = pd.read_csv(embedded_dir() / "adjacency.csv", dtype=str).loc[6, "county_a"]

# name -> (edit of a copied folder, expected pieces of the message; {line} is the faulty CSV line)
DATA_FAULTS = {
    # degenerate weights: nothing to draw sectors or counties from (was "Probabilities contain NaN")
    "sectors_all_output_share_zero": (
        lambda d: _edit(d, "sectors.csv", lambda df: df.assign(output_share="0")),
        "sectors.csv",
        None,
        ["sectors.csv", "column output_share is 0 in every row"],
    ),
    "counties_all_fiscal_revenue_zero": (
        lambda d: _edit(d, "counties.csv", lambda df: df.assign(fiscal_revenue="0")),
        "counties.csv",
        None,
        ["counties.csv", "column fiscal_revenue is 0 in every row"],
    ),
    "zones_missing_column": (
        lambda d: _edit(d, "zones.csv", lambda df: df.drop(columns=["output_per_mu"])),
        "zones.csv",
        None,
        ["zones.csv", "missing column output_per_mu"],
    ),
    "zones_unknown_county": (
        lambda d: _edit(d, "zones.csv", _set("zone_id", "yinchuan_hitech", "county_id", "atlantis")),
        "zones.csv",
        "yinchuan_hitech,",
        ["zones.csv", "row {line}", "yinchuan_hitech", "county_id", "'atlantis'"],
    ),
    "zones_firms_not_numeric": (
        lambda d: _edit(d, "zones.csv", _set("zone_id", "yinchuan_etdz", "firms", "many")),
        "zones.csv",
        "yinchuan_etdz,",
        ["zones.csv", "row {line}", "yinchuan_etdz", "column firms", "'many'"],
    ),
    "zones_firms_negative": (
        lambda d: _edit(d, "zones.csv", _set("zone_id", "jinfeng", "firms", "-5")),
        "zones.csv",
        "jinfeng,",
        ["zones.csv", "row {line}", "column firms", "-5", "out of range"],
    ),
    "zones_firms_fractional": (
        lambda d: _edit(d, "zones.csv", _set("zone_id", "jinfeng", "firms", "3.5")),
        "zones.csv",
        "jinfeng,",
        ["zones.csv", "row {line}", "column firms", "3.5", "whole number"],
    ),
    "zones_unknown_rank": (
        lambda d: _edit(d, "zones.csv", _set("zone_id", "jinfeng", "rank", "ministry")),
        "zones.csv",
        "jinfeng,",
        ["zones.csv", "row {line}", "column rank", "'ministry'"],
    ),
    "zones_unknown_sector": (
        lambda d: _edit(d, "zones.csv", _set("zone_id", "jinfeng", "leading_sectors", "machinery;unicorns")),
        "zones.csv",
        "jinfeng,",
        ["zones.csv", "row {line}", "leading_sectors", "'unicorns'"],
    ),
    "zones_unknown_base_sector": (
        lambda d: _edit(d, "zones.csv", _set("zone_id", "ningdong", "base_sectors", "chemicals;unicorns")),
        "zones.csv",
        "ningdong,",
        ["zones.csv", "row {line}", "base_sectors", "'unicorns'"],
    ),
    "zones_duplicate_id": (
        lambda d: _edit(d, "zones.csv", _set("zone_id", "jinfeng", "zone_id", "ningdong")),
        "zones.csv",
        "ningdong,",
        ["zones.csv", "duplicate zone_id", "'ningdong'"],
    ),
    "adjacency_unknown_county": (
        lambda d: _edit(
            d,
            "adjacency.csv",
            lambda df: df.assign(county_b=[("atlantis" if i == 6 else v) for i, v in enumerate(df["county_b"])]),
        ),
        "adjacency.csv",
        f"{ADJ_A},atlantis",
        ["adjacency.csv", "row {line}", "county_b", "'atlantis'"],
    ),
    "counties_revenue_blank": (
        lambda d: _edit(d, "counties.csv", _set("county_id", "xixia", "fiscal_revenue", "")),
        "counties.csv",
        "xixia,",
        ["counties.csv", "row {line}", "xixia", "fiscal_revenue", "''", "not a finite number"],
    ),
    "items_stage_out_of_range": (
        lambda d: _edit(d, "approval_items.csv", _set("item_id", "energy_review", "stage", "7")),
        "approval_items.csv",
        "energy_review,",
        ["approval_items.csv", "row {line}", "energy_review", "stage", "7"],
    ),
    "items_scaled_unknown_time": (
        lambda d: _edit(d, "approval_items.csv", _set("item_id", "energy_review", "scaled", "prep;transit")),
        "approval_items.csv",
        "energy_review,",
        ["approval_items.csv", "row {line}", "energy_review", "scaled", "'prep;transit'"],
    ),
    "sectors_file_missing": (
        lambda d: (d / "sectors.csv").unlink(),
        "sectors.csv",
        None,
        ["sectors.csv", "file not found"],
    ),
    "sectors_file_empty": (
        lambda d: (d / "sectors.csv").write_text(""),
        "sectors.csv",
        None,
        ["sectors.csv", "cannot be read"],
    ),
    "sectors_sigma_below_armington": (
        lambda d: _edit(d, "sectors.csv", _set("sector", "machinery", "substitution_elasticity", "2")),
        "sectors.csv",
        "machinery,",
        ["sectors.csv", "row {line}", "machinery", "substitution_elasticity = 2", "armington_elasticity"],
    ),
    "sectors_utilisation_out_of_range": (
        lambda d: _edit(d, "sectors.csv", _set("sector", "coal", "initial_utilisation", "1.4")),
        "sectors.csv",
        "coal,",
        ["sectors.csv", "row {line}", "initial_utilisation", "1.4", "out of range"],
    ),
    "spending_file_missing": (
        lambda d: (d / "spending.csv").unlink(),
        "spending.csv",
        None,
        ["spending.csv", "file not found"],
    ),
    "spending_growth_not_numeric": (
        lambda d: _edit(
            d,
            "spending.csv",
            lambda df: df.assign(growth=[("fast" if i == 3 else v) for i, v in enumerate(df["growth"])]),
        ),
        "spending.csv",
        None,
        ["spending.csv", "row 5", "column growth", "'fast'"],
    ),
    "spending_price_growth_out_of_range": (
        lambda d: _edit(
            d,
            "spending.csv",
            lambda df: df.assign(price_growth=[(0.9 if i == 7 else v) for i, v in enumerate(df["price_growth"])]),
        ),
        "spending.csv",
        None,
        ["spending.csv", "row 9", "price_growth", "0.9"],
    ),
    "spending_sector_without_path": (
        lambda d: _edit(d, "spending.csv", lambda df: df[df["sector"] != "pharma"]),
        "spending.csv",
        None,
        ["spending.csv", "no spending path for sector 'pharma'"],
    ),
    "spending_unknown_sector": (
        lambda d: _edit(
            d,
            "spending.csv",
            lambda df: df.assign(sector=[("unicorns" if i == 0 else v) for i, v in enumerate(df["sector"])]),
        ),
        "spending.csv",
        None,
        ["spending.csv", "row 2", "'unicorns'"],
    ),
    # cross-row and cross-file consistency (issue 17, item 8)
    "zones_body_with_two_ranks": (
        lambda d: _edit(d, "zones.csv", _other_rank_for_first_zone_of("b_pingluo")),
        "zones.csv",
        None,
        ["zones.csv", "body_id 'b_pingluo' has two ranks"],
    ),
    "zones_body_across_counties": (
        lambda d: _edit(d, "zones.csv", _set("zone_id", "jinfeng", "body_id", "b_pingluo")),
        "zones.csv",
        None,
        ["zones.csv", "body_id 'b_pingluo' has two counties"],
    ),
    "zones_header_only": (
        lambda d: (d / "zones.csv").write_text((d / "zones.csv").read_text().splitlines()[0] + "\n"),
        "zones.csv",
        None,
        ["zones.csv", "no rows"],
    ),
}


def _expected(folder: Path, fault: str, faults: dict | None = None) -> list[str]:
    """The pieces the message of ``fault`` (of ``faults``, default :data:`DATA_FAULTS`) must hold."""
    _, file, prefix, pieces = (faults or DATA_FAULTS)[fault]
    line = _line_of(folder, file, prefix) if prefix else None
    return [str(folder)] + [p.format(line=line) for p in pieces]


def test_unmodified_copy_of_the_data_loads(tmp_path):
    """Control: a plain copy of the embedded files loads (so each fault below is the only fault)."""
    region = load_region(_copy_data(tmp_path / "data"))
    assert region.origin == str(tmp_path / "data")
    assert len(region.zones) == 34 and len(region.counties) == 22


@pytest.mark.parametrize("fault", sorted(DATA_FAULTS))
def test_load_region_message_names_file_row_column(tmp_path, fault):
    """``load_region`` raises DataError whose one-line message names the folder, the file and, for a
    cell fault, the CSV line number (header = line 1), the column and the bad value."""
    folder = _copy_data(tmp_path / "data")
    DATA_FAULTS[fault][0](folder)
    expected = _expected(folder, fault)
    with pytest.raises(DataError) as info:
        load_region(folder)
    msg = str(info.value)
    assert "\n" not in msg
    for piece in expected:
        assert piece in msg, f"{piece!r} not in {msg!r}"


def test_zone_firms_above_the_region_total_are_refused_before_a_run(tmp_path):
    """The zones' firms cannot exceed the region's above-scale firms (zones and outside): a
    cross-file fault, found when the configuration's totals meet the data (issue 17, item 8)."""
    folder = _copy_data(tmp_path / "data")
    _edit(folder, "zones.csv", _set("zone_id", "ningdong", "firms", "5000"))
    res = run_cli([f"region.data_dir={folder}", SHORT], cwd=tmp_path)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr
    for piece in (
        str(folder),
        "zones.csv",
        "column firms sums to 5,",
        "more than the region's above-scale firms",
        "region.total_firms = 1,150",
    ):
        assert piece in lines[0], f"{piece!r} not in {lines[0]!r}"
    assert not (tmp_path / "outputs").exists()


def test_load_region_rejects_a_bad_founded_month(tmp_path):
    """A ``founded`` value that is not a month is a data fault of zones.csv, found by the loader
    (regression: it used to pass the loader and crash the model after the run had started)."""
    folder = _copy_data(tmp_path / "data")
    _edit(folder, "zones.csv", _set("zone_id", "suyin", "founded", "2019-13"))
    with pytest.raises(DataError, match=r"zones\.csv row \d+ \(zone_id=suyin\).*founded.*2019-13"):
        load_region(folder)


# --------------------------------------------------------------------------- validate() messages
def _setting(path: str, value):
    def apply(p: ModelConfig) -> ModelConfig:
        *parents, last = path.split(".")
        obj = p
        for name in parents:
            obj = obj[name] if isinstance(obj, dict) else getattr(obj, name)
        if isinstance(obj, dict):
            obj[last] = value
        else:
            setattr(obj, last, value)
        return p

    return apply


VALIDATE_CASES = [
    ("policy.devolution.powers", 38, ["policy.devolution.powers = 38", "[0, 37]"]),
    ("policy.devolution.powers", -1, ["policy.devolution.powers = -1", "[0, 37]"]),
    ("policy.consolidation.max_blocks", 0, ["policy.consolidation.max_blocks = 0", "out of range"]),
    ("approval.min_office_staff", 0, ["approval.min_office_staff = 0", "out of range"]),
    ("bodies.approval_staff.division", -1, ["bodies.approval_staff.division = -1", "out of range"]),
    ("bodies.leadership_posts.bureau", -2, ["bodies.leadership_posts.bureau = -2"]),
    ("policy.consolidation.date", "2018-13", ["policy.consolidation.date", "'2018-13'", "YYYY-MM"]),
    ("policy.devolution.start", "2019-1", ["policy.devolution.start", "'2019-1'"]),
    ("policy.zombie_disposal.start", "soon", ["policy.zombie_disposal.start", "'soon'"]),
    ("time.end", "2014-12", ["time.end = 2014-12", "before time.start = 2015-01"]),
    ("seed", -1, ["seed = -1", "out of range"]),
    ("time.working_days_per_month", 0.0, ["time.working_days_per_month = 0.0", "greater than 0"]),
    ("approval.background_load", float("nan"), ["approval.background_load = nan", "not a finite number"]),
    ("policy.devolution.service_mode", "by_fax", ["policy.devolution.service_mode = 'by_fax'", "zone_office"]),
    ("region.kind", "mars", ["region.kind = 'mars'", "ningxia"]),
    ("policy.assessment.years_to_abolish", 1, ["policy.assessment.years_to_abolish = 1", "years_to_downgrade = 2"]),
    ("policy.assessment.weights.luck", 1.0, ["policy.assessment.weights", "'luck'"]),
    ("policy.assessment.weights.tax_per_mu", -0.3, ["policy.assessment.weights.tax_per_mu = -0.3"]),
]


def test_validate_accepts_the_defaults():
    """The schema defaults are valid and ``validate`` returns the very object it was given."""
    p = ModelConfig()
    assert validate(p) is p


@pytest.mark.parametrize("path,value,pieces", VALIDATE_CASES, ids=[f"{c[0]}={c[1]}" for c in VALIDATE_CASES])
def test_validate_message_names_key_and_value(path, value, pieces):
    """Each out-of-range / malformed value raises ConfigError (a ValueError) naming key and value."""
    p = _setting(path, value)(ModelConfig())
    with pytest.raises(ConfigError) as info:
        validate(p)
    assert isinstance(info.value, ValueError)
    msg = str(info.value)
    assert "\n" not in msg
    for piece in pieces:
        assert piece in msg, f"{piece!r} not in {msg!r}"


def test_validate_rank_table_missing_rank():
    """A rank table without one of the three ranks is rejected, naming the table and the rank."""
    p = ModelConfig()
    del p.bodies.approval_staff["bureau"]
    with pytest.raises(ConfigError, match=r"bodies\.approval_staff .*missing \['bureau'\]"):
        validate(p)


@pytest.mark.parametrize(
    "mapping,key",
    [
        ({"seed": "abc"}, "seed"),
        ({"policy": {"devolution": {"powers": "many"}}}, "policy.devolution.powers"),
    ],
)
def test_from_dictconfig_wrong_type_names_the_key(mapping, key):
    """A wrong-typed value in a plain mapping gives a ConfigError naming its dotted key
    (regression: only OmegaConf's first line was kept, which does not name the key)."""
    with pytest.raises(ConfigError) as info:
        from_dictconfig(OmegaConf.create(mapping))
    assert key in str(info.value)


def test_compose_rejects_unknown_key_and_wrong_type():
    """Through Hydra composition an unknown key or a wrong type fails before validation."""
    from hydra.errors import HydraException

    with pytest.raises(HydraException, match="policy.devolution.powerz"):
        compose_params("policy.devolution.powerz=3")
    with pytest.raises(HydraException, match="seed=abc"):
        compose_params("seed=abc")


def test_appended_unknown_key_is_rejected():
    """``+policy.devolution.powerz=3`` (as Hydra's own hint suggests) must not pass validation:
    the model would silently ignore it (regression)."""
    with pytest.raises(ConfigError, match=r"policy\.devolution\.powerz"):
        cli_module.precheck(["+policy.devolution.powerz=3"])


# --------------------------------------------------------------------------- the command line
CLI_CASES = {
    # name: (overrides, pieces the stderr line must contain); {root} = a folder outside the cwd
    "unknown_key": (["policy.devolution.powerz=3"], ["policy.devolution.powerz"]),
    "appended_unknown_key": (["+policy.devolution.powerz=3"], ["policy.devolution.powerz"]),
    "powers_out_of_range": (["policy.devolution.powers=38"], ["policy.devolution.powers", "38", "[0, 37]"]),
    "powers_negative": (["policy.devolution.powers=-1"], ["policy.devolution.powers", "-1"]),
    "max_blocks_zero": (["policy.consolidation.max_blocks=0"], ["policy.consolidation.max_blocks", "0"]),
    "negative_staff": (["bodies.approval_staff.division=-1"], ["bodies.approval_staff.division", "-1"]),
    "office_staff_zero": (["approval.min_office_staff=0"], ["approval.min_office_staff", "0"]),
    "bad_date": (["policy.consolidation.date=2018-13"], ["policy.consolidation.date", "2018-13"]),
    "wrong_type_seed": (["seed=abc"], ["seed = 'abc' is not an integer"]),
    "unknown_scenario": (["scenario=nope"], ["scenario=nope: no such scenario", "baseline", "full_reform"]),
    "unknown_region": (["region=atlantis"], ["region=atlantis", "national, ningxia, synthetic"]),
    "end_before_start": (["time.end=2014-12"], ["time.end", "2014-12"]),
    "bad_choice": (["policy.devolution.service_mode=by_fax"], ["policy.devolution.service_mode", "by_fax"]),
    "data_dir_missing": (["region.data_dir={root}/no_such_folder"], ["no_such_folder", "file not found"]),
    # refused before the run, not after it (no folder can be made under /proc, even by root)
    "output_dir_not_writable": (
        ["output.dir=/proc/zonesim-no-such"],
        ["output.dir = /proc/zonesim-no-such", "cannot write there"],
    ),
}
CLI_DATA_CASES = [
    "zones_missing_column",
    "zones_unknown_county",
    "zones_firms_not_numeric",
    "adjacency_unknown_county",
    "sectors_all_output_share_zero",
    "counties_all_fiscal_revenue_zero",
]
# run as real processes too (exit status, nothing else on stderr, the console script itself)
SUBPROCESS_CASES = ["unknown_key", "powers_out_of_range", "zones_unknown_county"]


def _args(name: str, root: Path, cwd: Path) -> list[str]:
    """The command line of a bad case (with a short horizon and the run folder inside ``cwd``)."""
    if name in CLI_CASES:
        args = [a.format(root=root) for a in CLI_CASES[name][0]]
    elif name in DATA_FAULTS:
        folder = root / f"data_{name}"
        if not folder.exists():
            DATA_FAULTS[name][0](_copy_data(folder))
        args = [f"region.data_dir={folder}"]
    else:  # bad_founded_month
        folder = root / "data_bad_founded"
        if not folder.exists():
            _edit(_copy_data(folder), "zones.csv", _set("zone_id", "suyin", "founded", "2019-13"))
        args = [f"region.data_dir={folder}"]
    if not any(a.startswith("time.end=") for a in args):
        args.append(SHORT)
    return args + [f"hydra.run.dir={cwd / 'run'}"]


def _pieces(name: str, root: Path) -> list[str]:
    if name in CLI_CASES:
        return [p.format(root=root) for p in CLI_CASES[name][1]]
    if name in DATA_FAULTS:
        return _expected(root / f"data_{name}", name)
    return ["zones.csv", "founded", "2019-13"]


def _assert_clean_failure(cwd: Path, status, stdout: str, stderr: str, pieces: list[str]) -> None:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert status == 2, f"status {status}; stderr:\n{stderr[-2000:]}"
    assert len(lines) == 1, f"expected one stderr line, got:\n{stderr[-2000:]}"
    line = lines[0]
    assert line.startswith("zonesim: error: "), line
    for piece in pieces:
        assert piece in line, f"{piece!r} not in {line!r}"
    assert stdout == ""  # no summary: no run started
    assert "running scenario" not in stderr
    assert not (cwd / "run").exists()
    assert not (cwd / "outputs").exists()
    assert list(cwd.iterdir()) == []


def _main_in_process(argv: list[str], cwd: Path, monkeypatch, capsys, main=None):
    """``sim.runner.cli.main(argv)`` (or another ``main``) in ``cwd``; returns (exit status, stdout, stderr)."""
    monkeypatch.chdir(cwd)
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        (main or cli_module.main)(argv)
    out, err = capsys.readouterr()
    return info.value.code, out, err


@pytest.mark.parametrize("case", list(CLI_CASES) + CLI_DATA_CASES)
def test_cli_main_bad_input_fails_cleanly(tmp_path, monkeypatch, capsys, case):
    """``zonesim <bad override | broken data_dir>``: exit 2 and one ``zonesim: error:`` line naming the
    key and value (or folder, file, row, column and value), before any run, with no output folder."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    argv = _args(case, tmp_path, cwd)
    status, out, err = _main_in_process(argv, cwd, monkeypatch, capsys)
    _assert_clean_failure(cwd, status, out, err, _pieces(case, tmp_path))


def test_cli_bad_founded_month_fails_cleanly(bad_cli_processes):
    """A zones.csv ``founded`` value that is no month fails like any other data fault: exit 2, one
    line, no run folder (regression: the run started and crashed with a traceback, exit 1)."""
    root, results = bad_cli_processes
    cwd, proc = results["bad_founded_month"]
    _assert_clean_failure(cwd, proc.returncode, proc.stdout, proc.stderr, _pieces("bad_founded_month", root))


@pytest.fixture(scope="module")
def bad_cli_processes(tmp_path_factory):
    """The subprocess cases, started in parallel, each in an empty cwd (data folders outside it)."""
    root = tmp_path_factory.mktemp("bad_cli")

    def one(name):
        cwd = root / "cwd" / name
        cwd.mkdir(parents=True)
        if name == "multirun_output_dir":  # a folder the user already has, given as output.dir
            keep = root / "keep"
            return cwd, run_cli(
                ["-m", f"output.dir={keep}", "policy.devolution.powers=38", SHORT, f"hydra.sweep.dir={cwd / 'sweep'}"],
                cwd,
            )
        return cwd, run_cli(_args(name, root, cwd), cwd)

    names = SUBPROCESS_CASES + ["bad_founded_month"]
    for name in names:  # build the data folders before the threads start
        _args(name, root, root)
    (root / "keep").mkdir()
    (root / "keep" / "notes.txt").write_text("precious")
    names.append("multirun_output_dir")
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip(names, pool.map(one, names)))
    return root, results


@pytest.mark.parametrize("case", SUBPROCESS_CASES)
def test_cli_process_bad_input_fails_cleanly(bad_cli_processes, case):
    """As a real ``zonesim`` process: status 2, exactly one stderr line, no stdout, no folder."""
    root, results = bad_cli_processes
    cwd, proc = results[case]
    _assert_clean_failure(cwd, proc.returncode, proc.stdout, proc.stderr, _pieces(case, root))


def test_multirun_bad_input_does_not_delete_existing_output_dir(bad_cli_processes):
    """``zonesim -m output.dir=<existing folder> <bad value>`` is refused before the sweep starts
    (issue 17, item 10: status 2, one line, no sweep folder) and leaves a folder (and files) the
    user already had alone (regression: the task rmtree'd output.dir)."""
    root, results = bad_cli_processes
    cwd, proc = results["multirun_output_dir"]
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.strip().splitlines() == [
        "zonesim: error: policy.devolution.powers = 38 is out of range [0, 37] (powers devolved)"
    ]
    assert not (cwd / "sweep").exists()
    assert (root / "keep" / "notes.txt").read_text() == "precious"
