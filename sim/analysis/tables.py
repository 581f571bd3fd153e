"""Analyst tables of an experiment: effects, summary, provenance and caveats; HTML styling.

Every table here is a plain :class:`pandas.DataFrame` with readable column names; :func:`styled`
turns one into a :class:`pandas.io.formats.style.Styler` (numbers formatted, no index) that
notebooks display and the HTML report embeds.  Caveats are computed from the data (failed or
incomplete runs, few seeds, intervals that contain zero, runs of different model code,
parameters whose source is "assumed" in the schema), never typed in.
"""

from __future__ import annotations

import dataclasses
import html
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.colors import to_hex
from pandas.io.formats.style import Styler

from sim.analysis.load import Experiment, Sensitivity, shown_path
from sim.analysis.text import change_phrase, headline_change, is_clear, num, quantity, share
from sim.experiments.aggregate.reading import dotted_get
from sim.plotting import colors, group_rank

FEW_SEEDS = 5
"""Below this many seed pairs an interval rests on too few replicates to be read with confidence."""
QUICK_LOOK_TRAJECTORIES = 10
"""Morris screening with fewer trajectories than this is a quick look: rankings may change."""
HEADLINE_OUTCOMES = ("output_cumulative", "zombie_share_end", "zombie_exits_total", "approval_wd_mean_from2019")
"""The outcomes an analyst reads first: industrial output, zombie-firm exit and approval latency."""
ASSUMED = "assumed"
TABLE_CLASS = "zonesim-table"


def _readable(
    exp: Experiment, frame: pd.DataFrame, outcomes: tuple[str, ...] | list[str] | None, columns: dict[str, str]
) -> pd.DataFrame:
    """Rows of ``frame`` (one per group and outcome) for ``outcomes`` (all if None): the scenario and swept
    parameters, the outcome's label and unit, then ``columns`` (readable name → column of ``frame``);
    ``{ci}`` in a readable name becomes the confidence level in percent."""
    if outcomes is not None:
        frame = frame[frame["outcome"].isin(outcomes)]
    frame = frame.sort_values("group", key=lambda g: g.map(group_rank), kind="stable")  # the full reform first
    table = frame[["scenario", *exp.swept_columns]].rename(columns=dict(zip(exp.swept_columns, exp.swept)))
    table["outcome"] = frame["outcome"].map(exp.outcome_label)
    table["unit"] = frame["unit"]
    pct = round(exp.level * 100)
    for name, source in columns.items():
        table[name.format(ci=f"{pct}% CI")] = frame[source]
    return table.reset_index(drop=True)


def effects_table(exp: Experiment, outcomes: tuple[str, ...] | list[str] | None = None) -> pd.DataFrame:
    """Paired differences versus the reference, one row per group and outcome (all outcomes by default).

    Columns: the scenario and swept parameters, outcome, unit, pairs, reference and group means,
    difference, its interval, relative difference (% of the reference mean).
    """
    return _readable(
        exp,
        exp.effects,
        outcomes,
        {
            "pairs": "n_pairs",
            "reference mean": "ref_mean",
            "group mean": "group_mean",
            "difference": "diff_mean",
            "{ci} low": "ci_low",
            "{ci} high": "ci_high",
            "relative (%)": "rel_diff_pct",
        },
    )


def summary_table(exp: Experiment, outcomes: tuple[str, ...] | list[str] | None = None) -> pd.DataFrame:
    """Mean and interval of each outcome per group across seeds."""
    return _readable(
        exp,
        exp.summary,
        outcomes,
        {"runs": "n_runs", "mean": "mean", "{ci} low": "ci_low", "{ci} high": "ci_high", "sd": "sd"},
    )


def styled(
    table: pd.DataFrame,
    *,
    caption: str | None = None,
    table_id: str | None = None,
    percent_columns: tuple[str, ...] = (),
) -> Styler:
    """``table`` as an HTML-ready Styler: numbers to 4 significant digits with thousands separators,
    ``percent_columns`` (shares 0–1) as percentages, cell text, column names and the optional caption
    HTML-escaped, no index; ``table_id`` makes the table's HTML id ``T_<table_id>``."""
    formats = {}
    for col in table.columns:
        if col in percent_columns:
            formats[col] = share
        elif pd.api.types.is_float_dtype(table[col]):
            formats[col] = num
    sty = (
        table.style.format(formats, na_rep="–", escape="html")
        .format_index(escape="html", axis="columns")
        .hide(axis="index")
    )
    text_columns = [c for c in table.columns if not pd.api.types.is_numeric_dtype(table[c])]
    if text_columns:
        sty = sty.set_properties(subset=text_columns, **{"text-align": "left"})
    if caption:
        sty = sty.set_caption(html.escape(caption))  # Styler inserts a caption as it is
    if table_id:
        sty = sty.set_uuid(table_id)
    return sty.set_table_attributes(f'class="{TABLE_CLASS}"')


def effect_sentences(exp: Experiment, outcomes: tuple[str, ...] | list[str]) -> dict[str, list[str]]:
    """Per compared group, one sentence per outcome: "<outcome> (reference …): lowers it (−x unit, CI; %)"."""
    eff = exp.effects
    out: dict[str, list[str]] = {}
    for row in eff[eff["outcome"].isin(outcomes)].itertuples(index=False):
        phrase = change_phrase(
            row.diff_mean, row.ci_low, row.ci_high, row.unit, exp.level, rel_pct=row.rel_diff_pct, pairs=row.n_pairs
        )
        out.setdefault(row.group, []).append(
            f"{exp.outcome_label(row.outcome)} (reference {quantity(row.ref_mean, row.unit)}): {phrase}."
        )
    return out


def answer_boxes(exp: Experiment, outcomes: tuple[str, ...] | list[str] = HEADLINE_OUTCOMES) -> list[dict[str, Any]]:
    """The report's answer, one box per compared group (the full reform first): for each headline
    outcome, the paired difference from the reference with its interval, in the outcome's unit
    (shares in percentage points) to three significant digits, and the relative change.  Each box:
    ``group``, ``color`` (the scenario's, :mod:`sim.plotting`) and ``lines``."""
    eff = exp.effects[exp.effects["outcome"].isin(outcomes)]
    groups = sorted(dict.fromkeys(eff["group"]), key=group_rank)
    palette = colors(groups)
    boxes = []
    for group in groups:
        lines = []
        rows = eff[eff["group"] == group].set_index("outcome")
        for name in [o for o in outcomes if o in rows.index]:
            r = rows.loc[name]
            change = headline_change(r.diff_mean, r.ci_low, r.ci_high, r.unit, r.rel_diff_pct)
            lines.append(f"{exp.outcome_label(name)}: {change}")
        # CSS takes hex, not matplotlib's names ("tab:red")
        boxes.append({"group": group, "color": to_hex(palette[group]), "lines": lines})
    return boxes


def interval_note(exp: Experiment) -> str:
    """What the answer's intervals cover, in one sentence."""
    pct = round(exp.level * 100)
    seeds = len(exp.meta.get("seeds", []))
    return (
        f"Brackets: {pct}% t-intervals of the mean paired difference over {seeds} seeds run with common random "
        f"numbers, versus {exp.reference}. They cover the model's randomness between seeds only, not the "
        "uncertainty of its parameters (see the sensitivity analysis) or of its mechanisms."
    )


# --------------------------------------------------------------------------- provenance
def provenance_table(exp: Experiment | Sensitivity) -> pd.DataFrame:
    """What produced the folder: command, git commit, times, runs, package versions (from ``manifest.json``)."""
    man = exp.manifest
    rows: list[tuple[str, Any]] = [("folder", shown_path(exp.folder))]
    if man:
        rows += [
            ("command", "zonesim " + " ".join(man.get("command", []))),
            ("git commit", man.get("git_commit") or "unknown"),
            ("started", man.get("started")),
            ("ended", man.get("ended")),
            ("wall time (s)", man.get("wall_seconds")),
            ("runs in manifest", len(man.get("runs", []))),
            ("failed runs", len(man.get("failures", []))),
        ]
        rows += [(f"version: {k}", v) for k, v in (man.get("versions") or {}).items()]
    else:
        rows.append(("manifest.json", "absent: provenance unknown"))
    if isinstance(exp, Experiment):
        meta = exp.meta
        rows += [
            ("complete runs aggregated", meta.get("n_runs")),
            ("groups", ", ".join(exp.groups)),
            ("swept parameters", ", ".join(exp.swept) or "none"),
            ("seeds", ", ".join(map(str, meta.get("seeds", [])))),
            ("reference", exp.reference),
            ("pairs matched on", ", ".join(meta.get("pair_keys", []))),
            ("statistics", meta.get("method", "")),
        ]
    else:
        d = exp.design
        rows += [
            ("method", d.get("method")),
            ("size", d.get("n")),
            ("scenario", d.get("scenario")),
            ("paired with", d.get("paired_with") or "none"),
            ("model seed", d.get("seed")),
            ("model overrides", " ".join(d.get("overrides", [])) or "none"),
        ]
    return pd.DataFrame(rows, columns=["item", "value"]).astype({"value": str})


# --------------------------------------------------------------------------- caveats
def assumed_parameters(prefix_of_source: str = ASSUMED) -> dict[str, Any]:
    """Model parameters whose declared source starts with ``prefix_of_source`` ("assumed": no source
    gives the number; "calibrated": fitted to the 2017 state): dotted key → default value, read
    from the schema's field metadata (:mod:`sim.config.schema`)."""
    from sim.config.schema import ModelConfig

    out: dict[str, Any] = {}

    def walk(obj: Any, prefix: str) -> None:
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if dataclasses.is_dataclass(value):
                walk(value, f"{prefix}{f.name}.")
            elif str(f.metadata.get("source", "")).startswith(prefix_of_source):
                out[f"{prefix}{f.name}"] = value

    walk(ModelConfig(), "")
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return bool(np.isclose(float(a), float(b)))
    return a == b


def calibration_caveat(configs: list[dict]) -> str:
    """How many of the parameters these runs used are "assumed" at their default (not fitted) values."""
    assumed = assumed_parameters()
    changed = sorted(
        {
            k
            for cfg in configs
            for k, default in assumed.items()
            if dotted_get(cfg, k) is not None and not _same(dotted_get(cfg, k), default)
        }
    )
    at_default = len(assumed) - len(changed)
    calibrated = assumed_parameters("calibrated")
    text = (
        f"{len(calibrated)} parameters are calibrated to the 2017 state only (docs/ODD.md §8.1); "
        f'{at_default} of the {len(assumed)} parameters declared "assumed" in the schema (no source gives '
        f"the number) are at their default values in these runs"
    )
    return text + (f"; changed here: {', '.join(changed)}." if changed else ".")


def experiment_caveats(exp: Experiment) -> list[str]:
    """Caveats of a comparison or sweep, each computed from the folder's data."""
    meta = exp.meta
    out = []
    if meta.get("n_failures"):
        out.append(f"{meta['n_failures']} run(s) failed and are not in the tables (see aggregate/failures.csv).")
    if meta.get("n_incomplete"):
        out.append(f"{meta['n_incomplete']} incomplete run folder(s) were ignored.")
    eff = exp.effects
    pairs = eff["n_pairs"].dropna()
    if len(pairs) and int(pairs.min()) < FEW_SEEDS:
        out.append(
            f"Effects rest on as few as {int(pairs.min())} seed pair(s) (fewer than {FEW_SEEDS}): "
            "intervals are wide or missing."
        )
    if len(eff):
        unclear = sum(not is_clear(lo, hi) for lo, hi in zip(eff["ci_low"], eff["ci_high"]))
        out.append(
            f"{unclear} of the {len(eff)} group × outcome differences have an interval that contains zero "
            "(their sign is not established)."
        )
    missing = [
        exp.outcome_label(o)
        for o in meta.get("outcomes", {})
        if o in exp.run_outcomes and exp.run_outcomes[o].isna().all()
    ]
    if missing:
        out.append(f"Not covered by the simulated horizon: {', '.join(missing)}.")
    records = exp.run_records.values()
    codes = {r.get("code") for r in records if r.get("code")}
    if len(codes) > 1:
        out.append(
            f"The runs were made by {len(codes)} different versions of the model code; re-run the "
            "experiment to make them comparable."
        )
    configs = [r["config"] for r in records if r.get("config")]
    if configs:
        out.append(calibration_caveat(configs))
    return out


def sensitivity_caveats(sens: Sensitivity) -> list[str]:
    """Caveats of a sensitivity experiment, computed from its design and results."""
    d = sens.design
    out = []
    if sens.method == "morris" and int(d.get("n", 0)) < QUICK_LOOK_TRAJECTORIES:
        out.append(
            f"Only {d.get('n')} Morris trajectories (fewer than {QUICK_LOOK_TRAJECTORIES}): a quick look; "
            "the ranking of close parameters can change with more."
        )
    analysed = set(sens.indices["outcome"]) if len(sens.indices) else set()
    skipped = [o for o in d.get("outcomes", {}) if o not in analysed]
    if skipped:
        out.append(f"Not analysed (missing or failed sample rows): {', '.join(skipped)}.")
    if sens.method == "morris":
        out.append(
            "Morris screening ranks parameters by importance; it does not split the outcome's variance "
            "(Sobol indices do: zonesim-sensitivity --method sobol)."
        )
    out.append(
        f"Every run uses model seed {d.get('seed')}: the indices mix parameter effects with that seed's randomness."
    )
    return out
