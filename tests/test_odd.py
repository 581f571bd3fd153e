"""The ODD model description (``docs/ODD.md``) stays in step with the configuration schema.

The parameter tables of ``docs/ODD.md`` are the markdown tables whose first column header is
``parameter``.  They are checked against :class:`sim.config.schema.ModelConfig` (walked
recursively, with each field's ``param(...)`` metadata):

(a) every model parameter of the schema appears in an ODD table;
(b) every parameter named in an ODD table exists in the schema, and appears exactly once;
(c) its default, unit, source and admissible range in the table equal the schema's;
(d) ODD.md has the seven ODD element headings (Grimm et al. 2020), the eleven design concepts,
    and a parameter table in every submodel subsection.

Conventions (stated in docs/ODD.md as well):

* ``output.*`` and ``sample.*`` are run bookkeeping (what the runner writes; a row of a
  sensitivity sample), not model parameters: they are not tabled (``EXCLUDED_SECTIONS``).
  ``seed`` and ``scenario_name`` are tabled, as run settings.
* A dict-valued parameter is tabled as one row per key, named by its dotted key as on the
  command line: ``bodies.approval_staff.bureau``.  Unit and source are the dict's.  Its range
  is set by ``sim/config/validate.py``, not by the field metadata, so it is not compared.
* Defaults are written as on a Hydra command line: numbers, ``true``/``false``, ``null``,
  ``[a, b]`` for lists, bare strings; they are compared as parsed values.
* The range column is rendered from the metadata by :func:`range_text` (``YYYY-MM`` months and
  booleans are named as such; "any" where the schema sets no bound).

Adding a parameter to, or removing one from, the schema without updating docs/ODD.md fails here.
"""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path
from typing import Any

import pytest

from sim.config.schema import ModelConfig, range_text

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"

EXCLUDED_SECTIONS = ("output", "sample")
"""Top-level config sections that are run bookkeeping, not model parameters (not tabled)."""

ODD_ELEMENTS = (
    "Purpose and patterns",
    "Entities, state variables and scales",
    "Process overview and scheduling",
    "Design concepts",
    "Initialization",
    "Input data",
    "Submodels",
)
DESIGN_CONCEPTS = (
    "Basic principles",
    "Emergence",
    "Adaptation",
    "Objectives",
    "Learning",
    "Prediction",
    "Sensing",
    "Interaction",
    "Stochasticity",
    "Collectives",
    "Observation",
)


# --------------------------------------------------------------------------- schema side
def schema_parameters() -> dict[str, tuple[Any, dict, bool]]:
    """Every model parameter: dotted key -> (default, metadata, is a key of a dict parameter)."""
    out: dict[str, tuple[Any, dict, bool]] = {}

    def walk(obj: Any, prefix: str) -> None:
        for f in dataclasses.fields(obj):
            key = f"{prefix}{f.name}"
            if not prefix and f.name in EXCLUDED_SECTIONS:
                continue
            value = getattr(obj, f.name)
            if dataclasses.is_dataclass(value):
                walk(value, key + ".")
            elif isinstance(value, dict):
                for k, v in value.items():
                    out[f"{key}.{k}"] = (v, dict(f.metadata), True)
            else:
                out[key] = (value, dict(f.metadata), False)

    walk(ModelConfig(), "")
    return out


def default_text(value: Any) -> str:
    """A default as the ODD tables write it (Hydra command-line syntax)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) >= 1e6 else repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(default_text(v) for v in value) + "]"
    return str(value)


# --------------------------------------------------------------------------- document side
def clean(cell: str) -> str:
    """A table cell without backticks, escapes of the pipe, and surplus whitespace."""
    return " ".join(cell.replace("`", "").replace("\\|", "|").split())


def _cells(line: str) -> list[str]:
    body = line.strip().removeprefix("|")
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [clean(c) for c in re.split(r"(?<!\\)\|", body)]


def parameter_tables(text: str) -> list[list[dict[str, str]]]:
    """The markdown tables whose first header is ``parameter``, as lists of rows (header -> cell)."""
    lines = text.splitlines()
    tables = []
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith("|") and i + 1 < len(lines) and re.match(r"^\|?\s*:?-{3,}", lines[i + 1].strip()):
            header = [h.lower() for h in _cells(line)]
            j = i + 2
            rows = []
            while j < len(lines) and lines[j].strip().startswith("|"):
                cells = _cells(lines[j])
                rows.append(dict(zip(header, cells + [""] * (len(header) - len(cells)))))
                j += 1
            if header and header[0] == "parameter":
                tables.append(rows)
            i = j
        else:
            i += 1
    return tables


def parse_value(text: str) -> Any:
    """Parse a default written in Hydra command-line syntax."""
    t = clean(text)
    low = t.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("null", "none", "~"):
        return None
    if t.startswith("[") and t.endswith("]"):
        inner = t[1:-1].strip()
        return [parse_value(x) for x in inner.split(",")] if inner else []
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"":
        return t[1:-1]
    for kind in (int, float):
        try:
            return kind(t)
        except ValueError:
            pass
    return t


def same_value(doc: Any, schema: Any) -> bool:
    if schema is None or isinstance(schema, (bool, str)):
        return type(doc) is type(schema) and doc == schema
    if isinstance(schema, int):
        return type(doc) is int and doc == schema
    if isinstance(schema, float):
        return (
            isinstance(doc, (int, float))
            and not isinstance(doc, bool)
            and math.isclose(doc, schema, rel_tol=1e-9, abs_tol=1e-12)
        )
    if isinstance(schema, list):
        return isinstance(doc, list) and len(doc) == len(schema) and all(map(same_value, doc, schema))
    return doc == schema


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def odd_text() -> str:
    assert ODD.is_file(), f"{ODD} is missing"
    return ODD.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def odd_rows(odd_text) -> list[dict[str, str]]:
    tables = parameter_tables(odd_text)
    assert tables, "docs/ODD.md has no parameter tables (first column header 'parameter')"
    for rows in tables:
        for col in ("parameter", "unit", "default", "source", "range"):
            assert col in rows[0], f"a parameter table of docs/ODD.md lacks the column {col!r}"
    return [row for rows in tables for row in rows]


@pytest.fixture(scope="module")
def schema() -> dict[str, tuple[Any, dict, bool]]:
    return schema_parameters()


# --------------------------------------------------------------------------- tests
def test_every_schema_parameter_is_tabled(odd_rows, schema):
    tabled = {r["parameter"] for r in odd_rows}
    missing = sorted(set(schema) - tabled)
    assert not missing, f"parameters of the schema missing from the ODD tables: {missing}"


def test_every_tabled_parameter_exists_once(odd_rows, schema):
    names = [r["parameter"] for r in odd_rows]
    unknown = sorted(set(names) - set(schema))
    assert not unknown, f"ODD tables name parameters that are not in the schema: {unknown}"
    dup = sorted({n for n in names if names.count(n) > 1})
    assert not dup, f"parameters tabled more than once in docs/ODD.md: {dup}"


def test_defaults_match_schema(odd_rows, schema):
    bad = []
    for r in odd_rows:
        if r["parameter"] not in schema:
            continue
        default = schema[r["parameter"]][0]
        if not same_value(parse_value(r["default"]), default):
            bad.append(f"{r['parameter']}: ODD {r['default']!r} != schema {default_text(default)!r}")
    assert not bad, "defaults differ:\n" + "\n".join(bad)


def test_units_match_schema(odd_rows, schema):
    bad = [
        f"{r['parameter']}: ODD {r['unit']!r} != schema {clean(schema[r['parameter']][1]['unit'])!r}"
        for r in odd_rows
        if r["parameter"] in schema and r["unit"] != clean(schema[r["parameter"]][1]["unit"])
    ]
    assert not bad, "units differ:\n" + "\n".join(bad)


def test_sources_match_schema(odd_rows, schema):
    bad = [
        f"{r['parameter']}: ODD {r['source']!r} != schema {clean(schema[r['parameter']][1]['source'])!r}"
        for r in odd_rows
        if r["parameter"] in schema and r["source"] != clean(schema[r["parameter"]][1]["source"])
    ]
    assert not bad, "sources differ:\n" + "\n".join(bad)


def test_ranges_match_schema(odd_rows, schema):
    def squash(s: str) -> str:
        return "".join(s.split())

    bad = []
    for r in odd_rows:
        if r["parameter"] not in schema or schema[r["parameter"]][2]:
            continue  # dict keys: range set in validate.py, not compared
        default, meta, _ = schema[r["parameter"]]
        want = range_text(meta, default)
        if squash(r["range"]) != squash(want):
            bad.append(f"{r['parameter']}: ODD {r['range']!r} != schema {want!r}")
    assert not bad, "ranges differ:\n" + "\n".join(bad)


def _headings(text: str, level: int) -> list[str]:
    out = []
    for line in text.splitlines():
        m = re.match(rf"^{'#' * level}\s+(.*?)\s*#*\s*$", line)
        if m and not line.startswith("#" * (level + 1)):
            out.append(re.sub(r"^\d+(\.\d+)*\.?\s+", "", m.group(1)).strip().lower())
    return out


def test_odd_has_the_seven_elements_in_order(odd_text):
    heads = _headings(odd_text, 2)
    found = [h for h in heads if h in {e.lower() for e in ODD_ELEMENTS}]
    assert found == [e.lower() for e in ODD_ELEMENTS], (
        f"docs/ODD.md must have the level-2 headings {list(ODD_ELEMENTS)} in this order; found {heads}"
    )


def test_design_concepts_all_present(odd_text):
    heads = set(_headings(odd_text, 3))
    missing = [c for c in DESIGN_CONCEPTS if c.lower() not in heads]
    assert not missing, f"design concepts without a subsection in docs/ODD.md: {missing}"


def test_every_submodel_has_a_parameter_table(odd_text):
    part = odd_text.split("\n## 7", 1)
    assert len(part) == 2, "no section 7 (Submodels) in docs/ODD.md"
    body = part[1].split("\n## ", 1)[0]  # up to the next level-2 heading (e.g. references)
    sections = re.split(r"\n### ", body)[1:]
    assert len(sections) >= 12, f"section 7 has {len(sections)} submodel subsections, expected at least 12"
    empty = [s.splitlines()[0] for s in sections if not parameter_tables(s)]
    assert not empty, f"submodel subsections without a parameter table: {empty}"
