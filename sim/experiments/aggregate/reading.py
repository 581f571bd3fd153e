"""Reading an experiment folder: the complete runs (:func:`discover_runs`), the failed ones
(:func:`read_failures`), the override values of each run, which parameters were swept and the
outcomes a run stored (:func:`stored_outcomes`)."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.layout import FAILURES, RUN_JSON, RUNS, SUMMARY_CSV
from sim.runner.files import DONE, check_done

log = logging.getLogger("zonesim.aggregate")

_EXCLUDED_KEYS = {"seed", "scenario", "scenario_name"}
_EXCLUDED_PREFIXES = ("hydra.", "output.")


class NoRunsError(ValueError):
    """The experiment folder has no complete run."""


@dataclass
class RunRecord:
    """One complete run folder: its identity, parsed overrides and resolved configuration."""

    key: str
    scenario: str
    seed: int
    overrides: dict[str, Any]
    config: dict
    path: Path
    wall_seconds: float = np.nan
    params: dict[str, Any] = field(default_factory=dict)  # filled with the swept-parameter values
    code: str = ""  # fingerprint of the model code that made the run (sim.runner.run.code_fingerprint)
    outcomes_code: str = ""  # fingerprint of what computed its summary.csv (sim.runner.outcomes.outcomes_fingerprint)


def coerce_value(text: Any) -> Any:
    """An override value as Python: int, float, bool, None or the (unquoted) string."""
    if not isinstance(text, str):
        return text
    s = text.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1]
    low = s.lower()
    if low in ("null", "none", "~"):
        return None
    if low in ("true", "false"):
        return low == "true"
    for conv in (int, float):
        try:
            v = conv(s)
        except ValueError:
            continue
        return v if conv is int or math.isfinite(v) else s
    return s


def parse_override(text: str) -> tuple[str, Any] | None:
    """``"policy.devolution.powers=20"`` → ``("policy.devolution.powers", 20)``; deletions (``~k``) → None."""
    text = text.strip()
    if text.startswith("~") or "=" not in text:
        return None
    key, _, value = text.partition("=")
    return key.lstrip("+").strip(), coerce_value(value)


def _is_param_key(key: str) -> bool:
    return key not in _EXCLUDED_KEYS and not key.startswith(_EXCLUDED_PREFIXES) and not key.startswith("hydra/")


def dotted_get(config: dict, key: str) -> Any:
    """The value at a dotted key (``policy.devolution.powers``) of a nested config dict, or None."""
    node: Any = config
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _config_value(config: dict, key: str) -> Any:
    node = dotted_get(config, key)
    return node if not isinstance(node, (dict, list)) else json.dumps(node, sort_keys=True)


def _read_run(path: Path) -> RunRecord:
    meta = json.loads((path / RUN_JSON).read_text())
    config = meta.get("config") or {}
    scenario = meta.get("scenario") or config.get("scenario_name") or "unknown"
    seed = meta.get("seed", config.get("seed"))
    raw = meta.get("overrides")
    if raw is None:
        raw = [f"scenario={scenario}", f"seed={seed}"]
    overrides = dict(p for p in (parse_override(o) for o in raw) if p is not None)
    if seed is None:
        seed = overrides.get("seed")
    return RunRecord(
        key=str(meta.get("key") or path.name),
        scenario=str(scenario),
        seed=int(seed),
        overrides=overrides,
        config=config,
        path=path,
        wall_seconds=float(meta.get("wall_seconds", np.nan)),
        code=str(meta.get("code") or ""),
        outcomes_code=str(meta.get("outcomes_code") or ""),
    )


def stored_outcomes(rec: RunRecord, names: Iterable[str]) -> dict[str, float] | None:
    """The run-level outcomes ``names`` as the run's ``summary.csv`` holds them, when the code that
    computed them is the current one (the run's ``outcomes_code``; the file is one the run's
    ``DONE`` lists): the values :func:`sim.runner.outcomes.run_outcomes` would compute from its
    tables, read instead of computed (about 15 ms a run).  None when they must be computed: a run
    of other outcome code or of an older zonesim, or a summary without all of them."""
    from sim.runner.outcomes import outcomes_fingerprint

    if not rec.outcomes_code or rec.outcomes_code != outcomes_fingerprint():
        return None
    frame = pd.read_csv(rec.path / SUMMARY_CSV)
    names = list(names)
    if len(frame) != 1 or not set(names) <= set(frame.columns):
        return None
    return {name: float(frame[name].iloc[0]) for name in names}


def run_problem(path: Path) -> str | None:
    """Why the run folder ``path``, which has a ``DONE``, cannot be read as complete (None if it can):
    a file its ``DONE`` lists is missing or of another size, or it has no ``monthly.parquet``."""
    problem = check_done(path, hashes=False, legacy=True)
    if problem is None and not (path / "monthly.parquet").exists():
        problem = "no monthly.parquet"
    return problem


def damaged_runs(exp_dir: str | Path) -> list[str]:
    """The run folders of ``exp_dir`` marked complete whose files do not match their ``DONE``
    (:func:`run_problem`): commands that read runs count them as failed."""
    return sorted(d.parent.name for d in (Path(exp_dir) / RUNS).glob(f"*/{DONE}") if run_problem(d.parent))


def discover_runs(exp_dir: str | Path) -> tuple[list[RunRecord], list[str]]:
    """Complete runs under ``<exp>/runs/`` (those with ``DONE``) and the names of incomplete ones.

    A folder without ``DONE``, with a file its ``DONE`` lists missing or of another size, or whose
    ``run.json``/``monthly.parquet`` is missing or unreadable, is listed as incomplete (with a
    warning for the damaged ones) and ignored (content hashes are checked by the resume).  Runs made by
    other model code than the current one (their ``run.json`` ``code``) are ignored too, with a
    warning, when the folder also holds runs of the current code: a re-run after a model change
    adds new runs beside the old ones, which must not be mixed with them.  A folder with no run of
    the current code (an old experiment read again) is read whole.
    """
    runs_dir = Path(exp_dir) / RUNS
    records, incomplete = [], []
    if not runs_dir.is_dir():
        return records, incomplete
    for path in sorted(p for p in runs_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not (path / DONE).exists():
            incomplete.append(path.name)
            continue
        problem = run_problem(path)
        if problem:
            log.warning("run %s has DONE but %s: ignored (a re-run of the sweep recomputes it)", path.name, problem)
            incomplete.append(path.name)
            continue
        try:
            records.append(_read_run(path))
        except (OSError, ValueError, TypeError) as exc:
            log.warning("run %s: unreadable run.json (%s): ignored", path.name, exc)
            incomplete.append(path.name)
    from sim.runner.run import code_fingerprint  # the model's code: imported only when runs are read

    current = code_fingerprint()
    codes = {r.code for r in records}
    if current in codes and len(codes) > 1:
        stale = [r for r in records if r.code != current]
        log.warning(
            "%s: %d runs made by other model code than the current one (%s) are ignored; delete "
            "them or use a new folder",
            runs_dir,
            len(stale),
            current,
        )
        records = [r for r in records if r.code == current]
        incomplete += [r.path.name for r in stale]
    return records, incomplete


def read_failures(exp_dir: str | Path) -> pd.DataFrame:
    """``<exp>/failures/*.json`` as a table ``key, overrides, error`` (overrides joined by spaces)."""
    rows = []
    fdir = Path(exp_dir) / FAILURES
    for f in sorted(fdir.glob("*.json")) if fdir.is_dir() else []:
        try:
            d = json.loads(f.read_text())
        except (OSError, ValueError) as exc:
            d = {"error": f"unreadable failure record: {exc}"}
        ov = d.get("overrides") or []
        rows.append(
            {
                "key": str(d.get("key") or f.stem),
                "overrides": " ".join(ov) if isinstance(ov, list) else str(ov),
                "error": str(d.get("error", "")),
            }
        )
    return pd.DataFrame(rows, columns=["key", "overrides", "error"])


def swept_parameters(records: list[RunRecord]) -> tuple[list[str], dict[str, Any]]:
    """The swept parameters (sorted) and the fixed overrides ``{key: value}`` of ``records``.

    A parameter key is swept when its value (override, else the resolved config value, else
    missing) differs across runs; numeric values compare as numbers (``37 == 37.0``).
    Fills ``record.params`` with each run's values of the swept parameters.
    """
    keys = sorted({k for r in records for k in r.overrides if _is_param_key(k)})
    swept, fixed = [], {}
    for k in keys:
        vals = []
        for r in records:
            v = r.overrides[k] if k in r.overrides else _config_value(r.config, k)
            vals.append(v)
        norm = {(float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v) for v in vals}
        if len(norm) > 1:
            swept.append(k)
            for r, v in zip(records, vals):
                r.params[k] = v
        else:
            fixed[k] = vals[0]
    return swept, fixed


def typed_column(values: list[Any]) -> pd.Series:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        s = pd.Series([np.nan if v is None else v for v in values], dtype=float)
        if all(isinstance(v, int) for v in present) and len(present) == len(values):
            s = s.astype("int64")
        return s
    return pd.Series([None if v is None else str(v) for v in values], dtype="object")


def parameter_descriptions(columns: dict[str, str]):
    """The data-dictionary entries of swept-parameter columns (``{dotted key: column}``): unit and
    meaning from the configuration schema (a key that is not a schema field, such as a region or
    launcher choice, is described as a configuration choice)."""
    from sim.experiments.sensitivity.design import DesignError, schema_field
    from sim.vocabulary import Column

    out = {}
    for key, col in columns.items():
        try:
            meta, _, _ = schema_field(key)
        except DesignError:
            meta = {}
        what = f": {meta['doc']}" if meta.get("doc") else ""
        source = f" (source: {meta['source']})" if meta.get("source") else ""
        out[col] = Column(col, meta.get("unit") or "as configured", f"swept parameter {key}{what}{source}")
    return out
