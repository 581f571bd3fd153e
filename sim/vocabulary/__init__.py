"""zonesim's data dictionary: every outcome and every column it writes, declared once.

* :data:`OUTCOMES` — the run-level outcomes (``outcomes.yaml``): one number per run, with a
  label, unit, aggregation and description.  A run's ``summary.csv``, ``sim.simulate().outcomes``,
  an experiment's ``run_outcomes.parquet``, ``summary.csv`` and ``effects.csv``, the sensitivity
  and decomposition tables, ``zonesim-discover`` and the dashboard's scoreboard all use them.
* :data:`TABLES` — the tables a run writes (``tables.yaml``), each column with its unit and
  meaning; :data:`EXPERIMENT_TABLES` — the tables ``zonesim-aggregate`` writes
  (``experiment.yaml``), whose rows carry the run's identity and, per swept parameter, a column
  named by :func:`parameter_column`.
* :func:`arrow_table` — a DataFrame as a pyarrow table whose schema carries each column's unit
  and description (and the dotted key of a swept parameter) as field metadata.
* :func:`markdown` — ``docs/outputs.md`` (``zonesim-dictionary``, :mod:`sim.runner.dictionary`, writes it).

Names are ASCII ``snake_case``; units are metadata, never part of a name.  This package reads
its own YAML files and nothing else; it imports neither the model nor Hydra.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

RECENT_FROM = "2019-01"
"""Approvals applied from this month on: the period in which the reform's approval measures act
(the ``*_from2019`` outcomes)."""

OUTPUT_YEARS = (2020, 2025)
"""Calendar years with an output outcome of their own (``output_2020``, ``output_2025``)."""

STREAMS = ("filed", "approved", "government")
"""The project streams that have latency outcomes of their own."""

PARAMETER_SEPARATOR = "__"
"""A swept parameter's column name: its dotted key with ``.`` written as this."""


@dataclass(frozen=True)
class Outcome:
    """A run-level outcome: short label, unit, how the run's number is formed, what it means."""

    name: str
    label: str
    unit: str
    aggregation: str
    description: str
    label_zh: str = ""  # the Chinese term, where a bilingual screen (the dashboard) shows the outcome


@dataclass(frozen=True)
class Column:
    """A column of a written table: its unit and meaning."""

    name: str
    unit: str
    description: str


@dataclass(frozen=True)
class Table:
    """A table zonesim writes: its file name, what a row is, what it is for, and its columns."""

    name: str
    file: str
    rows: str
    description: str
    columns: dict[str, Column]


#: libyaml's safe loader where PyYAML was built with it (ten times faster: the vocabulary is read by
#: every command that writes or reads a table), else PyYAML's own
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(name: str) -> Any:
    return yaml.load(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"), Loader=_LOADER)


@cache
def _outcomes() -> dict[str, Outcome]:
    raw = _load("outcomes.yaml")
    return {name: Outcome(name=name, **entry) for name, entry in raw.items()}


def _tables(file: str) -> dict[str, Table]:
    raw = _load(file)
    shared = {name: Column(name=name, **entry) for name, entry in (raw.get("shared") or {}).items()}
    out = {}
    for tname, t in raw["tables"].items():
        cols = {}
        for cname, entry in t["columns"].items():
            if entry == "shared":
                if cname not in shared:
                    raise ValueError(f"{file}: table {tname}, column {cname}: 'shared' but no shared entry")
                cols[cname] = shared[cname]
            elif entry == "outcomes":  # the run-level outcomes, in their order
                cols.update({o.name: Column(o.name, o.unit, o.description) for o in _outcomes().values()})
            else:
                cols[cname] = Column(name=cname, **entry)
        if "include" in t:  # every column of a run table not listed above (same meaning)
            cols.update({k: c for k, c in TABLES[t["include"]].columns.items() if k not in cols})
        out[tname] = Table(name=tname, file=t["file"], rows=t["rows"], description=t["description"], columns=cols)
    return out


OUTCOMES: dict[str, Outcome] = _outcomes()
TABLES: dict[str, Table] = _tables("tables.yaml")
EXPERIMENT_TABLES: dict[str, Table] = _tables("experiment.yaml")


def parameter_column(key: str) -> str:
    """The column name of a swept parameter: ``policy.devolution.powers`` →
    ``policy__devolution__powers``, a config-group choice ``policy/assessment`` →
    ``policy__assessment`` (names SQL engines such as DuckDB take unquoted)."""
    return key.replace(".", PARAMETER_SEPARATOR).replace("/", PARAMETER_SEPARATOR)


def parameter_key(column: str) -> str:
    """The dotted key of a swept-parameter column (the inverse of :func:`parameter_column` for a
    parameter; a config-group choice's own key, with ``/``, is in the tables' metadata)."""
    return column.replace(PARAMETER_SEPARATOR, ".")


def outcome(name: str) -> Outcome:
    """The outcome ``name``; a ``KeyError`` naming the known outcomes if there is none."""
    try:
        return OUTCOMES[name]
    except KeyError:
        raise KeyError(f"unknown outcome {name!r}; known: {', '.join(OUTCOMES)}") from None


EXPERIMENT = "experiment/"
"""Prefix of an experiment table's name where a run table has the same one (``experiment/approvals``)."""


def table_entry(table: str) -> Table:
    """The dictionary entry of ``table``: a run table (``approvals``) or, with the prefix
    :data:`EXPERIMENT`, an experiment table (``experiment/approvals``)."""
    if table.startswith(EXPERIMENT):
        return EXPERIMENT_TABLES[table.removeprefix(EXPERIMENT)]
    return TABLES[table]


def column(table: str, name: str, parameters: dict[str, Column] | None = None) -> Column:
    """The dictionary entry of column ``name`` of ``table`` (:func:`table_entry`); ``parameters``
    describes swept-parameter columns (:func:`parameter_column` names)."""
    t = table_entry(table)
    if name in t.columns:
        return t.columns[name]
    if parameters and name in parameters:
        return parameters[name]
    raise KeyError(
        f"column {name!r} of table {table!r} is not in zonesim's data dictionary: a table written by another "
        f"version of zonesim (re-run it), or a new column to declare in sim/vocabulary/*.yaml"
    )


def arrow_table(frame, table: str, parameters: dict[str, Column] | None = None):
    """``frame`` as a pyarrow Table whose fields carry ``unit`` and ``description`` metadata from
    the dictionary entry of ``table`` (and ``parameter``, the dotted key, for a swept-parameter
    column), and whose schema metadata names the table.  A column the dictionary does not know is
    an error: every written column is documented."""
    import pyarrow as pa

    at = pa.Table.from_pandas(frame, preserve_index=False)
    fields = []
    for f in at.schema:
        c = column(table, f.name, parameters)
        meta = {"unit": c.unit, "description": c.description}
        if parameters and f.name in parameters:
            meta["parameter"] = parameter_key(f.name)
        fields.append(f.with_metadata({k: v.encode("utf-8") for k, v in meta.items()}))
    t = table_entry(table)
    schema_meta = dict(at.schema.metadata or {})
    schema_meta[b"zonesim.table"] = t.name.encode()
    schema_meta[b"zonesim.description"] = t.description.encode("utf-8")
    return pa.Table.from_arrays(at.columns, schema=pa.schema(fields, metadata=schema_meta))


def write_parquet(frame, path, table: str, parameters: dict[str, Column] | None = None) -> None:
    """Write ``frame`` to ``path`` as Parquet with the dictionary's metadata (:func:`arrow_table`).
    The caller makes the write whole-or-nothing (``sim.runner.files.atomic_write``)."""
    import pyarrow.parquet as pq

    pq.write_table(arrow_table(frame, table, parameters), path)


def field_metadata(path) -> dict[str, dict[str, str]]:
    """``{column: {unit, description[, parameter]}}`` read back from a Parquet file's schema."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    return {f.name: {k.decode(): v.decode() for k, v in (f.metadata or {}).items()} for f in schema}


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(t: Table) -> list[str]:
    lines = [f"### `{t.file}`", "", f"{t.description} One row per {t.rows.removeprefix('one row per ')}.", ""]
    lines += ["| column | unit | meaning |", "|---|---|---|"]
    lines += [f"| `{c.name}` | {_md_cell(c.unit)} | {_md_cell(c.description)} |" for c in t.columns.values()]
    return [*lines, ""]


def markdown() -> str:
    """The data dictionary as Markdown (``docs/outputs.md``)."""
    lines = [
        "# Outputs: the data dictionary",
        "",
        "<!-- generated from sim/vocabulary/*.yaml by `zonesim-dictionary`; do not edit by hand -->",
        "",
        "Every column zonesim writes, with its unit and meaning. The same units and descriptions are",
        "stored in each Parquet file's schema (field metadata `unit` and `description`; read them with",
        "`sim.vocabulary.field_metadata(path)` or `pyarrow.parquet.read_schema(path)`).",
        "Names are ASCII `snake_case`; months are text `YYYY-MM` in every table; approval latency",
        "is in working days, with calendar days in columns that say so.",
        "",
        "## Run-level outcomes",
        "",
        "One number per run. A run's `summary.csv`, `sim.simulate(...).outcomes`, an experiment's",
        "`run_outcomes.parquet`, `summary.csv` and `effects.csv` (column `outcome`), the sensitivity and",
        "decomposition tables, `zonesim-discover --outcome` and the dashboard's scoreboard use these names.",
        "",
        "| outcome | unit | how it is formed | meaning |",
        "|---|---|---|---|",
        *(
            f"| `{o.name}` | {_md_cell(o.unit)} | {_md_cell(o.aggregation)} | {_md_cell(o.description)} |"
            for o in OUTCOMES.values()
        ),
        "",
        "## Tables of one run",
        "",
        "A run folder (`zonesim ...`, or `runs/<key>/` of an experiment) holds these tables.",
        "",
    ]
    for t in TABLES.values():
        lines += _md_table(t)
    lines += [
        "## Tables of an experiment",
        "",
        "`zonesim-aggregate` (run after every sweep) writes these into `<experiment>/aggregate/`.",
        "Every row carries its run's identity; a **swept parameter** becomes a column named by its",
        f"dotted key with `.` written `{PARAMETER_SEPARATOR}` (`policy.devolution.powers` →",
        "`policy__devolution__powers`), which SQL engines such as DuckDB take unquoted; the Parquet field",
        "metadata `parameter` holds the dotted key, with the parameter's unit and description from the",
        "configuration schema.",
        "",
    ]
    for t in EXPERIMENT_TABLES.values():
        lines += _md_table(t)
    return "\n".join(lines).rstrip() + "\n"
