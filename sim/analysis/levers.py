"""Separate contributions of policy levers, from a two-level factorial sweep.

A lever is a swept parameter (or config group) with exactly two values in the experiment, one
"off" and one "on".  Its **main effect** on an outcome is the mean, over every pair of runs that
differ only in that lever (same seed, same setting of every other lever), of on − off, with a
t-interval over those pairs.  In a full factorial design this averages the lever's effect over
all settings of the others, so the effects of devolved powers, regional assessment, one-stop
agent service and staff pooling are separated even though the reform switches them on together.

The levers experiment of the notebooks (:data:`LEVERS_COMMAND`) switches six levers of the full
reform on and off, 2⁶ = 64 cells × 2 seeds.
"""

from __future__ import annotations

import shlex
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.load import Experiment
from sim.experiments.stats import paired_diff_ci, relative_pct

LEVER_LABELS = {
    "policy.devolution.powers": "devolved powers (赋权, 37 economic powers)",
    "policy.devolution.regional_assessment_items": "regional assessment (区域评, items done once per zone)",
    "policy.devolution.one_stop_agent": "one-stop agent service (一站式代办)",
    "policy.devolution.no_meeting": "no-meeting approval (不见面审批)",
    "policy.devolution.service_mode": "approval office in the zone or dispatched by the county",
    "policy.consolidation.staff_retention": "staff pooling of merged bodies (人员整合)",
    "policy/assessment": "assessment-ranking (亩产论英雄: yellow card 黄牌警告, downgrade, abolition)",
    "policy/zombie_disposal": "zombie-firm disposal (处置僵尸企业)",
    "policy/devolution": "devolution (放管服)",
    "policy/approval_process": "approval-process reform (工程建设项目审批制度改革, 国办发〔2019〕11号)",
    "policy/consolidation": "consolidation (整合优化)",
}
"""Plain-English names (with the Chinese policy terms) of the levers an analyst is likely to sweep."""

LEVERS_ARGS = [
    "-m",
    "scenario=full_reform",
    "policy.devolution.powers=0,37",
    "policy.devolution.regional_assessment_items=0,9",
    "policy.devolution.one_stop_agent=false,true",
    "policy.consolidation.staff_retention=0,1",
    "policy/assessment=off,ningxia",
    "policy/zombie_disposal=off,ningxia",
    "seed=range(2)",
    "hydra.sweep.dir=multirun/levers",
]
"""Arguments of ``zonesim`` for the factorial levers experiment read by the latency and zombie notebooks."""
LEVERS_COMMAND = shlex.join(["zonesim", *LEVERS_ARGS])
"""The levers experiment as a shell command."""

_OFF_VALUES = ("off", "false", "0", "none", "[]")  # "[]": a list lever (items, edges) emptied


def lever_label(name: str) -> str:
    """A lever's readable name (the parameter key itself when it has none)."""
    return LEVER_LABELS.get(name, name)


def off_on(values: list[Any]) -> tuple[Any, Any]:
    """The (off, on) order of a lever's two values: ``off``/``false``/``0``/``[]`` first, else the smaller first."""
    a, b = values
    if str(b).lower() in _OFF_VALUES and str(a).lower() not in _OFF_VALUES:
        return b, a
    if str(a).lower() in _OFF_VALUES:
        return a, b
    try:
        return (a, b) if float(a) <= float(b) else (b, a)
    except (TypeError, ValueError):
        return tuple(sorted((a, b), key=str))


def two_level_levers(exp: Experiment) -> dict[str, tuple[Any, Any]]:
    """The swept parameters with exactly two values: name → (off value, on value)."""
    out = {}
    for name in exp.swept:
        values = list(pd.unique(exp.run_outcomes[exp.column(name)].dropna()))
        if len(values) == 2:
            out[name] = off_on(values)
    return out


def main_effects(
    exp: Experiment,
    outcomes: list[str] | tuple[str, ...],
    runs: pd.DataFrame | None = None,
    units: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Main effect (on − off) of every two-level lever on each outcome, over matched pairs of runs.

    ``runs``: one row per run with the experiment's identity columns and the outcome columns
    (default: ``run_outcomes.parquet``; an analysis may pass outcomes it measured itself, with
    their ``units``).  Columns: ``lever``, ``label``, ``off``, ``on``, ``outcome``, ``unit``,
    ``pairs``, ``off_mean``, ``on_mean``, ``diff``, ``ci_low``, ``ci_high``, ``rel_pct`` (% of ``off_mean``).
    """
    runs = exp.run_outcomes if runs is None else runs
    units = units or {}
    levers = two_level_levers(exp)
    rows = []
    for name, (off, on) in levers.items():
        others = ["scenario", "seed", *[exp.column(k) for k in exp.swept if k != name]]
        low = runs[runs[exp.column(name)] == off]
        high = runs[runs[exp.column(name)] == on]
        pairs = high.merge(low, on=others, suffixes=("", "__off"))
        for outcome in outcomes:
            a = pairs[outcome].to_numpy(float)
            b = pairs[f"{outcome}__off"].to_numpy(float)
            ci = paired_diff_ci(a, b, exp.level)
            ok = ~(np.isnan(a) | np.isnan(b))
            off_mean = float(b[ok].mean()) if ok.any() else np.nan
            rows.append(
                {
                    "lever": name,
                    "label": lever_label(name),
                    "off": off,
                    "on": on,
                    "outcome": outcome,
                    "unit": units.get(outcome) or exp.outcome_unit(outcome),
                    "pairs": ci.n,
                    "off_mean": off_mean,
                    "on_mean": float(a[ok].mean()) if ok.any() else np.nan,
                    "diff": ci.mean,
                    "ci_low": ci.low,
                    "ci_high": ci.high,
                    "rel_pct": relative_pct(ci.mean, off_mean),
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "lever",
            "label",
            "off",
            "on",
            "outcome",
            "unit",
            "pairs",
            "off_mean",
            "on_mean",
            "diff",
            "ci_low",
            "ci_high",
            "rel_pct",
        ],
    )


def effects_display(effects: pd.DataFrame, exp: Experiment) -> pd.DataFrame:
    """:func:`main_effects` with readable column names, for a styled table."""
    pct = round(exp.level * 100)
    return pd.DataFrame(
        {
            "lever": effects["label"],
            "off → on": [f"{a} → {b}" for a, b in zip(effects["off"], effects["on"])],
            "outcome": effects["outcome"].map(exp.outcome_label),
            "unit": effects["unit"],
            "pairs": effects["pairs"],
            "mean, off": effects["off_mean"],
            "mean, on": effects["on_mean"],
            "effect (on − off)": effects["diff"],
            f"{pct}% CI low": effects["ci_low"],
            f"{pct}% CI high": effects["ci_high"],
            "relative (%)": effects["rel_pct"],
        }
    )
