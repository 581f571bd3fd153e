"""One outcome vocabulary and a data dictionary (sim.vocabulary): every column every table has,
documented once, written into the Parquet schema, and the same names wherever outcomes appear."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import run_cli

import sim
from sim import vocabulary
from sim.demo.model import SCOREBOARD
from sim.experiments.aggregate import aggregate
from sim.experiments.sensitivity import DesignError, design_from_spec, load_spec
from sim.vocabulary import EXPERIMENT_TABLES, OUTCOMES, TABLES, field_metadata, parameter_column

ROOT = Path(__file__).resolve().parents[1]
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")  # what SQL engines (DuckDB, SQLite) take unquoted
SWEPT = "policy.devolution.powers"


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """A small sweep: two scenarios x two settings of one parameter, one seed, aggregated."""
    root = tmp_path_factory.mktemp("vocabulary")
    exp = root / "sweep"
    res = run_cli(
        [
            "-m",
            "scenario=baseline,devolution",
            f"{SWEPT}=0,37",
            "seed=0",
            "region=synthetic",
            "region.synthetic.enterprises=300",
            "time.end=2019-12",
            f"hydra.sweep.dir={exp}",
        ],
        root,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    return exp


def _run_folder(exp: Path) -> Path:
    return next(p for p in (exp / "runs").iterdir() if (p / "DONE").exists())


def test_names_are_ascii_identifiers_and_every_entry_has_a_unit_and_meaning():
    for o in OUTCOMES.values():
        assert IDENTIFIER.match(o.name), o.name
        assert o.label and o.unit and o.aggregation and o.description, o.name
    for t in [*TABLES.values(), *EXPERIMENT_TABLES.values()]:
        assert t.file and t.rows and t.description, t.name
        for c in t.columns.values():
            assert IDENTIFIER.match(c.name), (t.name, c.name)
            assert c.unit.strip() and c.description.strip(), (t.name, c.name)


def test_every_column_a_run_writes_is_in_the_dictionary_and_in_the_parquet_schema(sweep):
    run = _run_folder(sweep)
    written = {p.stem for p in run.glob("*.parquet")}
    assert written == set(TABLES) - {"summary"}
    for name in written:
        path = run / f"{name}.parquet"
        assert pq.read_schema(path).names == list(TABLES[name].columns), name
        meta = field_metadata(path)
        for col, entry in TABLES[name].columns.items():
            assert meta[col] == {"unit": entry.unit, "description": entry.description}, (name, col)
    summary = pd.read_csv(run / "summary.csv")
    assert list(summary.columns) == list(TABLES["summary"].columns) == ["scenario", "seed", *OUTCOMES]


def test_every_column_the_aggregator_writes_is_documented_and_swept_parameters_are_plain_names(sweep):
    agg = sweep / "aggregate"
    col = parameter_column(SWEPT)
    assert col == "policy__devolution__powers" and IDENTIFIER.match(col)
    for name, t in EXPERIMENT_TABLES.items():
        path = agg / t.file
        cols = list(pq.read_schema(path).names) if path.suffix == ".parquet" else list(pd.read_csv(path).columns)
        assert set(cols) - {col} <= set(t.columns), (name, set(cols) - set(t.columns))
        if name != "failures":
            assert col in cols, name
        if path.suffix == ".parquet":
            meta = field_metadata(path)
            assert meta[col]["parameter"] == SWEPT and meta[col]["unit"] == "powers devolved"
            assert all(meta[c]["unit"] and meta[c]["description"] for c in cols)
    runs = pd.read_parquet(agg / "runs.parquet")
    assert runs["date"].map(type).eq(str).all() and runs["date"].str.fullmatch(r"\d{4}-\d{2}").all()
    effects = pd.read_csv(agg / "effects.csv")
    assert list(dict.fromkeys(effects["outcome"])) == list(OUTCOMES)
    assert effects["unit"].tolist() == [OUTCOMES[o].unit for o in effects["outcome"]]
    # a reference is given with the dotted key, as a user writes it
    tables = aggregate(sweep, reference=f"scenario=baseline,{SWEPT}=0", figures=False)
    assert set(tables["effects"][col]) == {0, 37}


def test_one_function_gives_every_outcome_under_the_same_names(sweep):
    """A run's summary.csv, the experiment's run_outcomes.parquet and sim.outcomes() of the same
    tables agree name for name and value for value; the scoreboard shows outcomes of the vocabulary."""
    run = _run_folder(sweep)
    summary = pd.read_csv(run / "summary.csv").iloc[0]
    loaded = sim.load_run(run)
    again = sim.outcomes(loaded.tables)
    outcomes = pd.read_parquet(sweep / "aggregate" / "run_outcomes.parquet").set_index("key")
    row = outcomes.loc[run.name]
    assert list(again) == list(OUTCOMES)
    for name in OUTCOMES:
        assert summary[name] == pytest.approx(again[name], nan_ok=True), name
        assert row[name] == pytest.approx(again[name], nan_ok=True), name
    assert set(SCOREBOARD) <= set(OUTCOMES)


def test_a_swept_config_group_choice_is_a_plain_column_too():
    assert parameter_column("policy/assessment") == "policy__assessment"
    assert IDENTIFIER.match(parameter_column("policy/zombie_disposal"))


def test_latency_outcomes_are_in_working_days_with_calendar_days_named_as_such():
    for name, o in OUTCOMES.items():
        if name.startswith(("approval_wd", "approval_gov_wd")):
            assert o.unit == "working days", name
        if "calendar" in name:
            assert o.unit == "calendar days", name
    assert not [n for n in OUTCOMES if "_days" in n and "calendar" not in n]


def test_the_data_dictionary_document_is_generated_from_the_declarations():
    """docs/outputs.md is what zonesim-dictionary writes (re-run it after changing sim/vocabulary)."""
    assert (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8") == vocabulary.markdown()


def test_an_unknown_column_or_outcome_is_refused_with_its_name(tmp_path):
    frame = pd.DataFrame({"date": ["2015-01"], "mystery": [1.0]})
    with pytest.raises(KeyError, match="mystery"):
        vocabulary.arrow_table(frame, "monthly")
    spec, _ = load_spec()
    with pytest.raises(DesignError, match="output_cumulative_yi"):
        design_from_spec({**spec, "outcomes": ["output_cumulative_yi"]})


@pytest.mark.parametrize("name", ["outcomes.yaml", "tables.yaml", "experiment.yaml"])
def test_the_fast_yaml_loader_reads_what_pyyaml_reads(name):
    """The vocabulary is read with libyaml's loader where there is one: the same content as PyYAML's
    own safe loader."""
    import yaml

    text = (Path(vocabulary.__file__).parent / name).read_text(encoding="utf-8")
    assert vocabulary._load(name) == yaml.safe_load(text)
