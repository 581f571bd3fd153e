"""Aggregate an experiment folder: tidy tables of all runs, group summaries, paired effects.

    zonesim-aggregate <exp>                              # reference: scenario=baseline if present
    zonesim-aggregate <exp> --reference scenario=full_reform
    zonesim-aggregate <exp> --reference scenario=full_reform,policy.devolution.powers=0 --no-figures

An experiment folder (a Hydra multirun sweep dir written by the runner) holds ``runs/<key>/``
(one folder per completed run, marked by an empty ``DONE`` file written last; folders without
it are incomplete and ignored), ``failures/<key>.json`` for runs that raised, and Hydra's own
job folders (ignored).  Everything is written to ``<exp>/aggregate/``:

``runs.parquet``
    tidy monthly table of all runs: ``key``, ``scenario``, one column per swept parameter,
    ``seed``, ``group`` (label), ``date`` (first day of the month), ``year``, ``month``, then
    every column of the runs' ``monthly.parquet`` (output in 万 yuan/month, shares 0-1, counts).
``run_outcomes.parquet``
    one row per run: the same keys, ``wall_seconds`` and the run-level outcomes of
    :data:`OUTCOMES` (names, units and meanings there).
``approvals.parquet``
    every approval of every run (the runs' ``approvals.parquet``, enterprise ``key`` renamed
    ``firm_key``) with the run keys; ``approval_days`` in calendar days.
``summary.csv`` / ``summary.md``
    per group (scenario × swept-parameter values) and outcome: runs, mean, standard deviation
    and t-interval of the mean across seeds.
``effects.csv`` / ``effects.md``
    per non-reference group and outcome: mean paired difference versus the reference over
    same-seed pairs, its t-interval, and the relative difference in % of the reference mean.
``failures.csv``
    ``key, overrides, error`` of failed runs (header only if none).
``meta.json``
    what was found and how it was grouped: swept parameters, grouping and pairing keys,
    reference, incomplete runs, outcome units.
``figures/*.png``
    see :mod:`sim.experiments.figures`.

Grouping, reference and pairing
-------------------------------
*Grouping keys* are ``scenario`` (from run.json) and the *swept parameters*: override keys
whose value differs across runs, excluding ``seed``, ``scenario``/``scenario_name``,
``hydra.*`` and ``output.*`` (output settings do not change a run's outcomes).  A run without
an override that others have takes the value from its resolved configuration (or is missing,
for config-group choices such as ``region=synthetic``).

The *reference* is an assignment of some grouping keys (default ``scenario=baseline`` if a
baseline was run, else every grouping key of the first group in sorted order).  Each group
whose values differ from it on those keys is compared with the reference runs having the same
*pairing keys*: ``seed`` plus every other grouping key that varies among the reference runs.
So with ``--reference scenario=baseline`` a full factorial sweep over scenarios and
``policy.devolution.powers`` compares (full_reform, powers=20, seed 3) with (baseline,
powers=20, seed 3), while a baseline run at one setting only is paired on the seed alone.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.stats import mean_ci, paired_diff_ci, relative_pct
from sim.runner.files import DONE, check_done, write_frame, write_json, write_text
from sim.runner.outputs import STREAM_NAMES, project_approvals, stream_approvals

log = logging.getLogger("zonesim.aggregate")

AGGREGATE_DIR = "aggregate"
RECENT_FROM = "2019-01"  # approvals applied from this month on: the devolution period
OUTPUT_YEARS = (2020, 2025)
EXIT_FAILURES = 1
EXIT_BAD_INPUT = 2
_EXCLUDED_KEYS = {"seed", "scenario", "scenario_name"}
_EXCLUDED_PREFIXES = ("hydra.", "output.")
_GROUP_PREFIX_KEYS = ("scenario",)


@dataclass(frozen=True)
class Outcome:
    """A run-level outcome: short label, unit and what the number means."""

    label: str
    unit: str
    description: str


OUTCOMES: dict[str, Outcome] = {
    "output_2020": Outcome("Output 2020", "亿 yuan/year",
                           "industrial output of the region in 2020: sum of monthly output / 1e4 (NaN if the "
                           "horizon does not cover all 12 months of 2020)"),
    "output_2025": Outcome("Output 2025", "亿 yuan/year", "industrial output of the region in 2025 (as output_2020)"),
    "output_cumulative": Outcome("Cumulative output", "亿 yuan",
                                 "industrial output summed over the whole simulated horizon"),
    "output_per_mu_end": Outcome("Output per mu (end)", "万 yuan/mu/year",
                                 "in-zone output per mu of zone land in use, annualised, in the last month"),
    "zombie_share_end": Outcome("Zombie share (end)", "share of firms",
                                "zombie firms / operating firms (by count, 0-1) in the last month"),
    "zombie_share_mean": Outcome("Zombie share (mean)", "share of firms",
                                 "monthly zombie share averaged over the horizon"),
    "zombie_exits_total": Outcome("Zombie exits", "firms", "exits of zombie firms over the horizon"),
    "exits_total": Outcome("Exits", "firms", "exits of all firms over the horizon"),
    "approval_days_mean_all": Outcome("Approval latency, mean (all)", "calendar days",
                                      "mean approval latency of all projects that reached production"),
    "approval_days_median_all": Outcome("Approval latency, median (all)", "calendar days",
                                        "median approval latency of all projects"),
    "approval_days_p90_all": Outcome("Approval latency, p90 (all)", "calendar days",
                                     "90th percentile of approval latency of all projects"),
    "approval_days_mean_from2019": Outcome("Approval latency, mean (applied 2019+)", "calendar days",
                                           f"mean approval latency of projects applied from {RECENT_FROM} on"),
    "approval_days_median_from2019": Outcome("Approval latency, median (applied 2019+)", "calendar days",
                                             f"median approval latency of projects applied from {RECENT_FROM} on"),
    "approval_days_p90_from2019": Outcome("Approval latency, p90 (applied 2019+)", "calendar days",
                                          f"90th percentile of latency of projects applied from {RECENT_FROM} on"),
    "approval_gov_days_mean_all": Outcome("Approval government time, mean (all)", "calendar days",
                                          "mean of the government's processing time (no applicant preparation)"),
    "approval_gov_days_mean_from2019": Outcome("Approval government time, mean (applied 2019+)", "calendar days",
                                               f"as above, projects applied from {RECENT_FROM} on"),
    "approvals_all": Outcome("Approvals (all)", "projects", "projects that completed approval and started production"),
    "approvals_from2019": Outcome("Approvals (applied 2019+)", "projects",
                                  f"of which applied from {RECENT_FROM} on"),
    **{f"approval_{kind}days_mean_from2019_{stream}": Outcome(
        f"Approval {'government time' if kind else 'latency'}, mean (applied 2019+, {label})", "calendar days",
        f"as approval_{kind}days_mean_from2019, of {label} projects applied from {RECENT_FROM} on")
       for stream, label in STREAM_NAMES.items() for kind in ("", "gov_")},
    "zones_end": Outcome("Zones (end)", "zones", "active development zones in the last month"),
    "bodies_end": Outcome("Bodies (end)", "bodies", "active zone management bodies in the last month"),
}


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


# --------------------------------------------------------------------------- reading
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
    meta = json.loads((path / "run.json").read_text())
    config = meta.get("config") or {}
    scenario = meta.get("scenario") or config.get("scenario_name") or "unknown"
    seed = meta.get("seed", config.get("seed"))
    raw = meta.get("overrides")
    if raw is None:
        raw = [f"scenario={scenario}", f"seed={seed}"]
    overrides = dict(p for p in (parse_override(o) for o in raw) if p is not None)
    if seed is None:
        seed = overrides.get("seed")
    return RunRecord(key=str(meta.get("key") or path.name), scenario=str(scenario), seed=int(seed),
                     overrides=overrides, config=config, path=path,
                     wall_seconds=float(meta.get("wall_seconds", np.nan)), code=str(meta.get("code") or ""))


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
    return sorted(d.parent.name for d in (Path(exp_dir) / "runs").glob(f"*/{DONE}") if run_problem(d.parent))


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
    runs_dir = Path(exp_dir) / "runs"
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
        log.warning("%s: %d runs made by other model code than the current one (%s) are ignored; delete "
                    "them or use a new folder", runs_dir, len(stale), current)
        records = [r for r in records if r.code == current]
        incomplete += [r.path.name for r in stale]
    return records, incomplete


def read_failures(exp_dir: str | Path) -> pd.DataFrame:
    """``<exp>/failures/*.json`` as a table ``key, overrides, error`` (overrides joined by spaces)."""
    rows = []
    fdir = Path(exp_dir) / "failures"
    for f in sorted(fdir.glob("*.json")) if fdir.is_dir() else []:
        try:
            d = json.loads(f.read_text())
        except (OSError, ValueError) as exc:
            d = {"error": f"unreadable failure record: {exc}"}
        ov = d.get("overrides") or []
        rows.append({"key": str(d.get("key") or f.stem),
                     "overrides": " ".join(ov) if isinstance(ov, list) else str(ov),
                     "error": str(d.get("error", ""))})
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


def _typed_column(values: list[Any]) -> pd.Series:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        s = pd.Series([np.nan if v is None else v for v in values], dtype=float)
        if all(isinstance(v, int) for v in present) and len(present) == len(values):
            s = s.astype("int64")
        return s
    return pd.Series([None if v is None else str(v) for v in values], dtype="object")


# --------------------------------------------------------------------------- outcomes
def run_outcomes(monthly: pd.DataFrame, approvals: pd.DataFrame | None) -> dict[str, float]:
    """The run-level outcomes of :data:`OUTCOMES` from one run's monthly and approvals tables
    (``approvals``: new projects of every stream, :func:`~sim.runner.outputs.stream_approvals`; the
    headline latency is the enterprise projects', :func:`~sim.runner.outputs.project_approvals`)."""
    out: dict[str, float] = {}
    months_in_year = monthly.groupby("year")["output"].agg(["sum", "count"])
    for y in OUTPUT_YEARS:
        ok = y in months_in_year.index and months_in_year.loc[y, "count"] == 12
        out[f"output_{y}"] = float(months_in_year.loc[y, "sum"] / 1e4) if ok else np.nan
    out["output_cumulative"] = float(monthly["output"].sum() / 1e4)
    last = monthly.iloc[-1]
    out["output_per_mu_end"] = float(last["output_per_mu"])
    out["zombie_share_end"] = float(last["zombie_share"])
    out["zombie_share_mean"] = float(monthly["zombie_share"].mean())
    out["zombie_exits_total"] = float(monthly["zombie_exits"].sum())
    out["exits_total"] = float(monthly["exits"].sum())
    have = approvals is not None and "approval_days" in approvals
    if have and "stream" in approvals:
        recent = approvals["applied"].astype(str) >= RECENT_FROM
        for stream in STREAM_NAMES:
            mine = approvals[recent & (approvals["stream"] == stream)]
            for kind in ("", "gov_"):
                col = f"approval_{kind}days"
                v = mine[col].dropna() if col in mine else pd.Series(dtype=float)
                out[f"approval_{kind}days_mean_from2019_{stream}"] = float(v.mean()) if len(v) else np.nan
    approvals = project_approvals(approvals) if have else approvals
    for suffix, sel in (("all", None), ("from2019", "recent")):
        if not have:
            days = pd.Series(dtype=float)
        elif sel is None:
            days = approvals["approval_days"]
        else:
            days = approvals.loc[approvals["applied"].astype(str) >= RECENT_FROM, "approval_days"]
        days = days.dropna()
        out[f"approval_days_mean_{suffix}"] = float(days.mean()) if len(days) else np.nan
        out[f"approval_days_median_{suffix}"] = float(days.median()) if len(days) else np.nan
        out[f"approval_days_p90_{suffix}"] = float(days.quantile(0.9)) if len(days) else np.nan
        out[f"approvals_{suffix}"] = float(len(days)) if have else np.nan
        gov = approvals.loc[days.index, "approval_gov_days"] if have and "approval_gov_days" in approvals else None
        out[f"approval_gov_days_mean_{suffix}"] = float(gov.mean()) if gov is not None and len(gov) else np.nan
    out["zones_end"] = float(last["zones"])
    out["bodies_end"] = float(last["bodies"])
    return {k: out.get(k, np.nan) for k in OUTCOMES}


# --------------------------------------------------------------------------- grouping
def _short_names(keys: list[str]) -> dict[str, str]:
    last = [k.replace("/", ".").split(".")[-1] for k in keys]
    return {k: (s if last.count(s) == 1 else k) for k, s in zip(keys, last)}


def _fmt_value(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "-"
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _labels(frame: pd.DataFrame, swept: list[str]) -> pd.Series:
    short = _short_names(swept)
    parts = [frame["scenario"].astype(str)]
    for k in swept:
        parts.append(short[k] + "=" + frame[k].map(_fmt_value))
    lab = parts[0]
    for p in parts[1:]:
        lab = lab + ", " + p
    return lab


def parse_reference(spec: str | list[str] | dict | None) -> dict[str, Any] | None:
    """``"scenario=baseline,policy.devolution.powers=0"`` (or a list of such, or a dict) → dict."""
    if spec is None or isinstance(spec, dict):
        return spec
    items = [spec] if isinstance(spec, str) else list(spec)
    out = {}
    for item in items:
        for part in item.split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise ValueError(f"reference {part!r} is not key=value (e.g. scenario=baseline)")
            k, v = parse_override(part) or (None, None)
            out[k] = v
    return out or None


def _match(frame: pd.DataFrame, ref: dict[str, Any]) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for k, v in ref.items():
        col = frame[k]
        if v is None or (isinstance(v, float) and np.isnan(v)):
            mask &= col.isna()
        elif pd.api.types.is_numeric_dtype(col):
            try:
                mask &= col == float(v)
            except (TypeError, ValueError):
                mask &= False
        else:
            mask &= col.astype(str) == str(v)
    return mask


def _resolve_reference(outcomes: pd.DataFrame, group_keys: list[str], ref: dict | None) -> dict[str, Any]:
    if ref is None:
        if (outcomes["scenario"] == "baseline").any():
            return {"scenario": "baseline"}
        first = outcomes.iloc[0]
        return {k: (None if pd.isna(first[k]) else first[k]) for k in group_keys}
    unknown = [k for k in ref if k not in group_keys]
    if unknown:
        raise ValueError(f"reference key(s) {unknown} are not grouping keys; grouping keys: {group_keys}")
    if not _match(outcomes, ref).any():
        avail = {k: sorted(map(_fmt_value, outcomes[k].unique())) for k in ref}
        raise ValueError(f"no run matches reference {_ref_label(ref)}; available values: {avail}")
    return ref


def _ref_label(ref: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_fmt_value(v)}" for k, v in ref.items())


def summarise_groups(outcomes: pd.DataFrame, group_keys: list[str], level: float = 0.95) -> pd.DataFrame:
    """Per group and outcome: ``n_runs``, ``n`` (non-NaN), ``mean``, ``sd``, ``ci_low``, ``ci_high``.

    ``mean`` is the mean across the group's runs (seeds) in the outcome's unit; the interval is
    the t-interval of that mean at ``level`` (:func:`sim.experiments.stats.mean_ci`).
    """
    rows = []
    for name, outcome in OUTCOMES.items():
        for label, sub in outcomes.groupby("group", sort=False):
            ci = mean_ci(sub[name], level)
            sd = float(sub[name].std(ddof=1)) if ci.n >= 2 else np.nan
            row = {k: sub[k].iloc[0] for k in group_keys}
            row.update(group=label, outcome=name, unit=outcome.unit, n_runs=len(sub), n=ci.n,
                       mean=ci.mean, sd=sd, ci_low=ci.low, ci_high=ci.high)
            rows.append(row)
    cols = [*group_keys, "group", "outcome", "unit", "n_runs", "n", "mean", "sd", "ci_low", "ci_high"]
    return pd.DataFrame(rows, columns=cols)


def paired_effects(outcomes: pd.DataFrame, group_keys: list[str], reference: dict[str, Any],
                   level: float = 0.95) -> tuple[pd.DataFrame, list[str]]:
    """Paired differences (group − reference) per non-reference group and outcome; and the pairing keys.

    Columns: grouping keys, ``group``, ``outcome``, ``unit``, ``reference``, ``n_pairs``,
    ``ref_mean`` and ``group_mean`` (means over the paired runs), ``diff_mean`` (mean of
    group − reference over pairs, in the outcome's unit), ``ci_low``/``ci_high`` (its t-interval;
    exactly [0, 0] when every difference is 0), ``rel_diff_pct`` (``100 · diff_mean / ref_mean``),
    ``rel_ci_low_pct``/``rel_ci_high_pct`` (the interval in % of ``ref_mean``, which is taken as fixed).
    """
    is_ref = _match(outcomes, reference)
    ref_runs = outcomes[is_ref]
    pair_keys = ["seed"] + [k for k in group_keys if k not in reference
                            and ref_runs[k].astype(str).nunique(dropna=False) > 1]
    names = list(OUTCOMES)
    ref_by = ref_runs.groupby(pair_keys, dropna=False)[names].mean().reset_index()  # duplicates: averaged
    rows = []
    ref_label = _ref_label(reference)
    for label, sub in outcomes[~is_ref].groupby("group", sort=False):
        pairs = sub.merge(ref_by, on=pair_keys, how="inner", suffixes=("", "__ref"))
        for name in names:
            a, b = pairs[name].to_numpy(float), pairs[name + "__ref"].to_numpy(float)
            ok = ~(np.isnan(a) | np.isnan(b))
            ci = paired_diff_ci(a, b, level)
            ref_mean = float(b[ok].mean()) if ok.any() else np.nan
            row = {k: sub[k].iloc[0] for k in group_keys}
            row.update(group=label, outcome=name, unit=OUTCOMES[name].unit, reference=ref_label, n_pairs=ci.n,
                       ref_mean=ref_mean, group_mean=float(a[ok].mean()) if ok.any() else np.nan,
                       diff_mean=ci.mean, ci_low=ci.low, ci_high=ci.high,
                       rel_diff_pct=relative_pct(ci.mean, ref_mean),
                       rel_ci_low_pct=relative_pct(ci.low, ref_mean),
                       rel_ci_high_pct=relative_pct(ci.high, ref_mean))
            rows.append(row)
    cols = [*group_keys, "group", "outcome", "unit", "reference", "n_pairs", "ref_mean", "group_mean", "diff_mean",
            "ci_low", "ci_high", "rel_diff_pct", "rel_ci_low_pct", "rel_ci_high_pct"]
    return pd.DataFrame(rows, columns=cols), pair_keys


# --------------------------------------------------------------------------- markdown
def fmt_number(v: Any) -> str:
    """A number for a Markdown table: 4 significant digits, thousands separators, '–' for NaN."""
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "–"
    v = float(v)
    if v == 0:
        return "0"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"


def _ci_text(lo: float, hi: float) -> str:
    return f"[{fmt_number(lo)}, {fmt_number(hi)}]"


def effects_markdown(effects: pd.DataFrame, level: float = 0.95) -> str:
    """The effects table as Markdown (one row per group and outcome)."""
    if effects.empty:
        return "_No group to compare with the reference._\n"
    pct = round(level * 100)
    t = pd.DataFrame({
        "group": effects["group"],
        "outcome": effects["outcome"].map(lambda o: OUTCOMES[o].label),
        "unit": effects["unit"],
        "pairs": effects["n_pairs"],
        "reference": effects["ref_mean"].map(fmt_number),
        "group mean": effects["group_mean"].map(fmt_number),
        "difference": effects["diff_mean"].map(fmt_number),
        f"{pct}% CI": [_ci_text(lo, hi) for lo, hi in zip(effects["ci_low"], effects["ci_high"])],
        "relative": effects["rel_diff_pct"].map(lambda v: "–" if not np.isfinite(v) else f"{v:+.2f}%"),
    })
    return _markdown(t, right={"pairs", "reference", "group mean", "difference", "relative"})


def summary_markdown(summary: pd.DataFrame, level: float = 0.95) -> str:
    """The summary table as Markdown, outcomes in the order of :data:`OUTCOMES`, groups within."""
    pct = round(level * 100)
    t = pd.DataFrame({
        "outcome": summary["outcome"].map(lambda o: OUTCOMES[o].label),
        "unit": summary["unit"],
        "group": summary["group"],
        "runs": summary["n_runs"],
        "mean": summary["mean"].map(fmt_number),
        f"{pct}% CI": [_ci_text(lo, hi) for lo, hi in zip(summary["ci_low"], summary["ci_high"])],
        "sd": summary["sd"].map(fmt_number),
    })
    return _markdown(t, right={"runs", "mean", "sd"})


def _markdown(table: pd.DataFrame, right: set[str]) -> str:
    """``table`` (numbers already formatted as text) as a Markdown table; ``right`` columns right-aligned."""
    align = ["right" if c in right else "left" for c in table.columns]
    return table.astype(str).to_markdown(index=False, disable_numparse=True, colalign=align) + "\n"


def _header(meta: dict) -> str:
    fixed = ", ".join(f"`{k}={_fmt_value(v)}`" for k, v in meta["fixed_overrides"].items()) or "none"
    lines = [
        (f"Experiment `{meta['exp_dir']}`: {meta['n_runs']} complete runs in {len(meta['groups'])} groups, "
         f"{meta['n_incomplete']} incomplete run folders ignored, {meta['n_failures']} failed runs."),
        "",
        f"- grouping keys: {', '.join(f'`{k}`' for k in meta['group_keys'])}",
        f"- swept parameters: {', '.join(f'`{k}`' for k in meta['swept']) or 'none'}",
        f"- fixed overrides: {fixed}",
        f"- seeds: {', '.join(map(str, meta['seeds']))}",
        f"- approvals \"2019+\": applied from {RECENT_FROM} on; latency in calendar days",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main entry
def aggregate(exp_dir: str | Path, reference: str | list[str] | dict | None = None, *, figures: bool = True,
              level: float = 0.95, parallel: dict | None = None) -> dict[str, pd.DataFrame]:
    """Aggregate the experiment folder ``exp_dir``; write ``<exp>/aggregate/``; return its tables.

    ``reference`` selects the reference group for the paired effects (``"scenario=baseline"``,
    ``"k=v,k2=v2"``, a list of such or a dict; default: see the module docstring).  ``level`` is
    the confidence level of every interval; ``parallel`` (``joblib.Parallel`` arguments) draws the
    figures in parallel.  Returns ``runs``, ``run_outcomes``, ``approvals``,
    ``summary``, ``effects`` and ``failures``.  Raises :class:`NoRunsError` when no run is complete,
    ``ValueError`` for a reference that names no grouping key or matches no run.
    """
    exp_dir = Path(exp_dir)
    if not exp_dir.is_dir():
        raise FileNotFoundError(f"experiment folder {exp_dir} not found")
    records, incomplete = discover_runs(exp_dir)
    failures = read_failures(exp_dir)
    out_dir = exp_dir / AGGREGATE_DIR
    out_dir.mkdir(exist_ok=True)
    write_frame(failures, out_dir / "failures.csv")
    if not records:
        raise NoRunsError(f"no complete run under {exp_dir / 'runs'} ({len(incomplete)} incomplete, "
                          f"{len(failures)} failed)")
    swept, fixed = swept_parameters(records)
    group_keys = ["scenario", *swept]

    ident = pd.DataFrame({"key": [r.key for r in records], "scenario": [r.scenario for r in records]})
    for k in swept:
        ident[k] = _typed_column([r.params.get(k) for r in records])
    ident["seed"] = pd.Series([r.seed for r in records], dtype="int64")
    ident = ident.sort_values([*group_keys, "seed", "key"], na_position="last", kind="stable").reset_index(drop=True)
    ident["group"] = _labels(ident, swept)
    by_key = {r.key: r for r in records}

    monthly_parts, approval_parts, outcome_rows = [], [], []
    for row in ident.itertuples(index=False):
        rec = by_key[row.key]
        keys = dict(zip(ident.columns, row))
        monthly = pd.read_parquet(rec.path / "monthly.parquet")
        approvals = stream_approvals(pd.read_parquet(rec.path / "approvals.parquet")
                                     if (rec.path / "approvals.parquet").exists() else None)
        outcome_rows.append({**keys, "wall_seconds": rec.wall_seconds, **run_outcomes(monthly, approvals)})
        m = monthly.copy()
        m["date"] = pd.to_datetime(m["date"].astype(str), format="%Y-%m")
        monthly_parts.append(m.assign(**{k: v for k, v in keys.items()}))
        if approvals is not None and len(approvals):
            approval_parts.append(approvals.rename(columns={"key": "firm_key"}).assign(**keys))
    id_cols = list(ident.columns)
    runs = pd.concat(monthly_parts, ignore_index=True)
    time_cols = [c for c in ("date", "year", "month") if c in runs]
    runs = runs[id_cols + time_cols + [c for c in runs.columns if c not in id_cols + time_cols]]
    for k in swept:  # assign() broadcast scalars: restore the typed columns
        runs[k] = runs[k].astype(ident[k].dtype)
    outcomes = pd.DataFrame(outcome_rows, columns=[*id_cols, "wall_seconds", *OUTCOMES])
    for k in swept:
        outcomes[k] = outcomes[k].astype(ident[k].dtype)
    if approval_parts:
        approvals_all = pd.concat(approval_parts, ignore_index=True)
        approvals_all = approvals_all[id_cols + [c for c in approvals_all.columns if c not in id_cols]]
        for k in swept:
            approvals_all[k] = approvals_all[k].astype(ident[k].dtype)
    else:
        approvals_all = pd.DataFrame(columns=[*id_cols, "applied", "approval_wd", "approval_days"])

    ref = _resolve_reference(outcomes, group_keys, parse_reference(reference))
    summary = summarise_groups(outcomes, group_keys, level)
    effects, pair_keys = paired_effects(outcomes, group_keys, ref, level)

    meta = {
        "exp_dir": str(exp_dir), "n_runs": len(records), "n_incomplete": len(incomplete), "incomplete": incomplete,
        "n_failures": len(failures), "swept": swept, "group_keys": group_keys,
        "fixed_overrides": fixed, "seeds": sorted(int(s) for s in ident["seed"].unique()),
        "groups": list(dict.fromkeys(ident["group"])),
        "reference": {k: (v.item() if isinstance(v, np.generic) else v) for k, v in ref.items()},
        "reference_label": _ref_label(ref), "reference_groups": list(dict.fromkeys(outcomes.loc[
            _match(outcomes, ref), "group"])), "pair_keys": pair_keys, "level": level,
        "method": "t-interval of the mean (scipy.stats.t.interval, sem with ddof=1); effects from same-seed pairs",
        "recent_from": RECENT_FROM,
        "outcomes": {k: {"label": o.label, "unit": o.unit, "description": o.description} for k, o in OUTCOMES.items()},
    }
    for frame, name in ((runs, "runs.parquet"), (outcomes, "run_outcomes.parquet"),
                        (approvals_all, "approvals.parquet"), (summary, "summary.csv"), (effects, "effects.csv")):
        write_frame(frame, out_dir / name)
    write_json(out_dir / "meta.json", meta)
    pct = round(level * 100)
    write_text(
        out_dir / "summary.md",
        f"# Summary by group\n\n{_header(meta)}\nMean across runs (seeds) and {pct}% t-interval of the mean.\n\n"
        + summary_markdown(summary, level) + _outcome_glossary())
    write_text(
        out_dir / "effects.md",
        f"# Paired differences versus {meta['reference_label']}\n\n{_header(meta)}\n"
        f"Each group minus the reference, over pairs matched on {', '.join(f'`{k}`' for k in pair_keys)}: "
        f"mean difference, {pct}% t-interval of the paired differences, relative difference "
        f"= mean difference / reference mean.\n\n" + effects_markdown(effects, level) + _outcome_glossary())
    tables = {"runs": runs, "run_outcomes": outcomes, "approvals": approvals_all, "summary": summary,
              "effects": effects, "failures": failures}
    if figures:
        from sim.experiments.figures import make_figures

        make_figures(exp_dir, tables, parallel=parallel)
    return tables


def _outcome_glossary() -> str:
    rows = [f"- **{o.label}** (`{k}`, {o.unit}): {o.description}" for k, o in OUTCOMES.items()]
    return "\nOutcomes:\n\n" + "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> None:
    """``zonesim-aggregate <folder> [--reference k=v[,k=v]] [--level 0.95] [--no-figures]``.

    Exits 0 when all runs succeeded, 1 when the folder has failed runs or runs whose files do not
    match their ``DONE`` (after aggregating the complete ones and printing a failures summary), 2
    when nothing can be aggregated.
    """
    parser = argparse.ArgumentParser(prog="zonesim-aggregate",
                                     description="Aggregate an experiment folder into <folder>/aggregate/.")
    parser.add_argument("folder", help="experiment folder (a Hydra multirun sweep dir with runs/<key>/)")
    parser.add_argument("--reference", action="append", default=None, metavar="KEY=VALUE[,KEY=VALUE]",
                        help="reference group for paired effects (default: scenario=baseline if present)")
    parser.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    parser.add_argument("--no-figures", action="store_true", help="skip the figures")
    args = parser.parse_args(argv)
    try:
        tables = aggregate(args.folder, reference=args.reference, figures=not args.no_figures, level=args.level)
    except (NoRunsError, ValueError, FileNotFoundError) as exc:
        print(f"zonesim-aggregate: error: {exc}", file=sys.stderr)
        fails = read_failures(args.folder) if Path(args.folder).is_dir() else pd.DataFrame()
        if len(fails):
            print(_failures_text(fails), file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)
    print_report(tables, args.folder)
    damaged = damaged_runs(args.folder)
    if damaged:
        print(f"zonesim-aggregate: {len(damaged)} run(s) marked complete have missing or truncated files and were "
              f"left out (re-run the sweep to recompute them): {', '.join(damaged)}", file=sys.stderr)
    sys.exit(EXIT_FAILURES if len(tables["failures"]) or damaged else 0)


def print_report(tables: dict[str, pd.DataFrame], exp_dir: str | Path) -> None:
    """Print what :func:`aggregate` found in ``exp_dir``: counts, the effects table, failed runs.

    ``tables`` is the result of ``aggregate(exp_dir, ...)`` (its ``meta.json`` is read for the
    reference, pairing keys and level).  Used by ``zonesim-aggregate`` and the multirun callback.
    """
    out_dir = Path(exp_dir) / AGGREGATE_DIR
    meta = json.loads((out_dir / "meta.json").read_text())
    level = float(meta.get("level", 0.95))
    print(f"{meta['n_runs']} complete runs in {len(meta['groups'])} groups "
          f"({meta['n_incomplete']} incomplete ignored, {meta['n_failures']} failed); outputs in {out_dir}")
    print(f"\nPaired differences versus {meta['reference_label']} "
          f"(pairs matched on {', '.join(meta['pair_keys'])}; mean and {round(level * 100)}% CI):\n")
    print(effects_markdown(tables["effects"], level))
    if len(tables["failures"]):
        print(_failures_text(tables["failures"]))


def _failures_text(fails: pd.DataFrame) -> str:
    t = fails.assign(error=fails["error"].map(lambda e: (str(e).strip().splitlines() or [""])[0][:120]))
    return f"{len(fails)} failed run(s):\n\n" + _markdown(t, right=set())


if __name__ == "__main__":
    main()
