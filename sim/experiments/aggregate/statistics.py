"""Statistics of an experiment's run outcomes: groups (scenario × swept-parameter values) and
their labels, the reference group, group summaries (:func:`summarise_groups`) and paired
effects versus the reference (:func:`paired_effects`), with t-intervals
(:mod:`sim.experiments.stats`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.aggregate.outcomes import OUTCOMES
from sim.experiments.aggregate.reading import parse_override
from sim.experiments.stats import mean_ci, paired_diff_ci, relative_pct
from sim.formatting import fmt_value
from sim.vocabulary import parameter_key


def _short_names(keys: list[str]) -> dict[str, str]:
    last = [k.replace("/", ".").split(".")[-1] for k in keys]
    return {k: (s if last.count(s) == 1 else k) for k, s in zip(keys, last)}


def group_labels(frame: pd.DataFrame, swept: list[str], keys: Mapping[str, str] | None = None) -> pd.Series:
    """Each run's group label, ``scenario, powers=20`` (``swept``: the swept-parameter columns,
    ``policy__devolution__powers``; ``keys``: column → the key as written, default
    :func:`~sim.vocabulary.parameter_key`; a label names a parameter by the last part of its key
    unless two share it)."""
    key = {k: (keys or {}).get(k) or parameter_key(k) for k in swept}
    short = _short_names([key[k] for k in swept])
    parts = [frame["scenario"].astype(str)]
    for k in swept:
        parts.append(short[key[k]] + "=" + frame[k].map(fmt_value))
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


def match_reference(frame: pd.DataFrame, ref: dict[str, Any]) -> pd.Series:
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


def resolve_reference(outcomes: pd.DataFrame, group_keys: list[str], ref: dict | None) -> dict[str, Any]:
    if ref is None:
        if (outcomes["scenario"] == "baseline").any():
            return {"scenario": "baseline"}
        first = outcomes.iloc[0]
        return {k: (None if pd.isna(first[k]) else first[k]) for k in group_keys}
    unknown = [k for k in ref if k not in group_keys]
    if unknown:
        raise ValueError(f"reference key(s) {unknown} are not grouping keys; grouping keys: {group_keys}")
    if not match_reference(outcomes, ref).any():
        avail = {k: sorted(map(fmt_value, outcomes[k].unique())) for k in ref}
        raise ValueError(f"no run matches reference {reference_label(ref)}; available values: {avail}")
    return ref


def reference_label(ref: dict[str, Any], keys: Mapping[str, str] | None = None) -> str:
    """``scenario=baseline, policy.devolution.powers=0``: the reference as its keys are written
    (``keys``: column → key, default :func:`~sim.vocabulary.parameter_key`)."""
    return ", ".join(f"{(keys or {}).get(k) or parameter_key(k)}={fmt_value(v)}" for k, v in ref.items())


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
            row.update(
                group=label,
                outcome=name,
                unit=outcome.unit,
                n_runs=len(sub),
                n=ci.n,
                mean=ci.mean,
                sd=sd,
                ci_low=ci.low,
                ci_high=ci.high,
            )
            rows.append(row)
    cols = [*group_keys, "group", "outcome", "unit", "n_runs", "n", "mean", "sd", "ci_low", "ci_high"]
    return pd.DataFrame(rows, columns=cols)


def paired_effects(
    outcomes: pd.DataFrame,
    group_keys: list[str],
    reference: dict[str, Any],
    level: float = 0.95,
    keys: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Paired differences (group − reference) per non-reference group and outcome; and the pairing keys.

    Columns: grouping keys, ``group``, ``outcome``, ``unit``, ``reference``, ``n_pairs``,
    ``ref_mean`` and ``group_mean`` (means over the paired runs), ``diff_mean`` (mean of
    group − reference over pairs, in the outcome's unit), ``ci_low``/``ci_high`` (its t-interval;
    exactly [0, 0] when every difference is 0), ``rel_diff_pct`` (``100 · diff_mean / ref_mean``),
    ``rel_ci_low_pct``/``rel_ci_high_pct`` (the interval in % of ``ref_mean``, which is taken as fixed).
    """
    is_ref = match_reference(outcomes, reference)
    ref_runs = outcomes[is_ref]
    pair_keys = ["seed"] + [
        k for k in group_keys if k not in reference and ref_runs[k].astype(str).nunique(dropna=False) > 1
    ]
    names = list(OUTCOMES)
    ref_by = ref_runs.groupby(pair_keys, dropna=False)[names].mean().reset_index()  # duplicates: averaged
    rows = []
    ref_label = reference_label(reference, keys)
    for label, sub in outcomes[~is_ref].groupby("group", sort=False):
        pairs = sub.merge(ref_by, on=pair_keys, how="inner", suffixes=("", "__ref"))
        for name in names:
            a, b = pairs[name].to_numpy(float), pairs[name + "__ref"].to_numpy(float)
            ok = ~(np.isnan(a) | np.isnan(b))
            ci = paired_diff_ci(a, b, level)
            ref_mean = float(b[ok].mean()) if ok.any() else np.nan
            row = {k: sub[k].iloc[0] for k in group_keys}
            row.update(
                group=label,
                outcome=name,
                unit=OUTCOMES[name].unit,
                reference=ref_label,
                n_pairs=ci.n,
                ref_mean=ref_mean,
                group_mean=float(a[ok].mean()) if ok.any() else np.nan,
                diff_mean=ci.mean,
                ci_low=ci.low,
                ci_high=ci.high,
                rel_diff_pct=relative_pct(ci.mean, ref_mean),
                rel_ci_low_pct=relative_pct(ci.low, ref_mean),
                rel_ci_high_pct=relative_pct(ci.high, ref_mean),
            )
            rows.append(row)
    cols = [
        *group_keys,
        "group",
        "outcome",
        "unit",
        "reference",
        "n_pairs",
        "ref_mean",
        "group_mean",
        "diff_mean",
        "ci_low",
        "ci_high",
        "rel_diff_pct",
        "rel_ci_low_pct",
        "rel_ci_high_pct",
    ]
    return pd.DataFrame(rows, columns=cols), pair_keys
