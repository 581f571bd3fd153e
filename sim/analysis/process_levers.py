"""Which lever of the approval-process reform removes which days, stage by stage.

The process reform (工程建设项目审批制度改革, ``policy/approval_process``) acts through eight
levers at once.  The process-levers experiment (:data:`PROCESS_LEVERS_COMMAND`) runs
``approval_reform`` in a two-level factorial of them, 2⁸ = 256 cells × 2 seeds, each lever at
its default ("on") or off; a lever's **main effect** on a stage's working days is on − off over
every pair of runs that differ in that lever only (same seed, same setting of every other lever),
averaged over the settings of the others (:func:`sim.analysis.levers.main_effects`).  The days
are the mean over the enterprise projects (not firms' new plants) that applied in :data:`COHORT`,
after the reform's start (2019-03), in both measures: government processing time and total.

The same main effects per project stream (:func:`stream_effects`): enterprise projects filed
(备案) and approved (核准), and government-investment projects (审批), each on its own route.
"""

from __future__ import annotations

import shlex

import pandas as pd

from sim.analysis.levers import main_effects
from sim.analysis.load import Experiment
from sim.runner.outputs import STREAM_NAMES, projects_applied, stream_approvals

PROCESS_LEVERS_ARGS = [
    "-m",
    "scenario=approval_reform",
    "policy.approval_process.parallel_edges=[],['seismic>design_review','climate>design_review',"
    "'geohazard>land_supply','quality_safety>construction_permit','planning_verification>utility_connection']",
    "policy.approval_process.combined_review=[],[drawing_review,fire_design]",
    "policy.approval_process.joint_acceptance=[],[completion_filing,fire_acceptance,planning_verification]",
    "policy.approval_process.commitment_items=[],[energy_review,water_resources,soil_water,flood_impact,climate]",
    "policy.approval_process.rework_cut=0,0.5",
    "policy.approval_process.rework_prep_cut=0,0.5",
    "policy.approval_process.review_limit_days=0,20",
    "policy.approval_process.transit_cut=0,1",
    "seed=range(2)",
    "time.end=2023-12",
    "hydra.sweep.dir=multirun/process_levers",
]
"""Arguments of ``zonesim`` for the factorial of the process reform's levers (each off or at its
default of ``configs/policy/approval_process/national.yaml``) read by notebook 03."""
PROCESS_LEVERS_COMMAND = shlex.join(["zonesim", *PROCESS_LEVERS_ARGS])
"""The process-levers experiment as a shell command."""

COHORT = ("2020-01", "2021-12")
"""Application months (first, last) of the projects measured: all under the reformed process and
complete by the experiment's end (2023-12)."""

STAGE_NAMES = {1: "1 land", 2: "2 planning", 3: "3 construction", 4: "4 acceptance"}
"""Short names of the four stages (立项用地规划许可, 工程建设许可, 施工许可, 竣工验收)."""
MEASURES = {"gov": "government processing", "total": "total (with preparation)"}
PROCESS_LEVER_LABELS = {
    "policy.approval_process.parallel_edges": "parallel stages (并联审批)",
    "policy.approval_process.combined_review": "combined drawing review (多图联审)",
    "policy.approval_process.joint_acceptance": "joint acceptance (联合验收)",
    "policy.approval_process.commitment_items": "commitment-based approval (告知承诺制)",
    "policy.approval_process.rework_cut": "fewer send-backs (容缺受理)",
    "policy.approval_process.rework_prep_cut": "less preparation redone (容缺受理)",
    "policy.approval_process.review_limit_days": "statutory limit per item (20 wd)",
    "policy.approval_process.transit_cut": "one online system and window (一个系统、一个窗口)",
}


def _column(stage: int | None, measure: str) -> str:
    gov = "_gov" if measure == "gov" else ""
    return f"approval{gov}_wd" if stage is None else f"stage{stage}{gov}_wd"


def stage_days_by_run(exp: Experiment, cohort: tuple[str, str] = COHORT) -> pd.DataFrame:
    """One row per run: its identity columns and the mean working days of each stage and in all, in
    both measures (columns ``stageN_gov_wd``, ``stageN_wd``, ``approval_gov_wd``, ``approval_wd``),
    over the enterprise projects that applied in ``cohort``."""
    app = projects_applied(exp.run_table("approvals"), cohort)
    cols = [_column(s, m) for s in (*STAGE_NAMES, None) for m in MEASURES]
    days = app.groupby("key")[cols].mean()
    runs = exp.run_outcomes[exp.id_columns]
    return runs.merge(days, left_on="key", right_index=True, how="left")


def stage_effects(exp: Experiment, cohort: tuple[str, str] = COHORT) -> pd.DataFrame:
    """Main effect (on − off, working days) of every lever on every stage and on the whole, in both
    measures: the columns of :func:`sim.analysis.levers.main_effects` plus ``stage`` (a name of
    :data:`STAGE_NAMES`, or ``all stages``) and ``measure`` (a name of :data:`MEASURES`); ``label``
    is the lever's name in :data:`PROCESS_LEVER_LABELS`."""
    runs = stage_days_by_run(exp, cohort)
    where = {
        _column(s, m): (STAGE_NAMES.get(s, "all stages"), MEASURES[m]) for s in (*STAGE_NAMES, None) for m in MEASURES
    }
    return _lever_effects(exp, runs, where, "stage")


def _lever_effects(exp: Experiment, runs: pd.DataFrame, where: dict[str, tuple[str, str]], by: str) -> pd.DataFrame:
    """Main effects of every lever on the columns of ``runs`` named in ``where`` (column → (name of
    ``by``, measure)), with the columns ``by``, ``measure`` and ``label`` added."""
    eff = main_effects(exp, list(where), runs=runs, units={c: "working days" for c in where})
    eff[by] = eff["outcome"].map(lambda c: where[c][0])
    eff["measure"] = eff["outcome"].map(lambda c: where[c][1])
    eff["label"] = eff["lever"].map(lambda k: PROCESS_LEVER_LABELS.get(k, k))
    return eff


def days_removed(effects: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Lever × stage table of the working days each lever removes (−main effect; negative: it adds
    days) in ``measure`` (a value of :data:`MEASURES`), levers ordered by days removed in all."""
    sub = effects[effects["measure"] == measure]
    table = sub.pivot(index="label", columns="stage", values="diff").mul(-1.0)
    table = table[[*STAGE_NAMES.values(), "all stages"]]
    return table.sort_values("all stages", ascending=False)


def stream_days_by_run(exp: Experiment, cohort: tuple[str, str] = COHORT) -> pd.DataFrame:
    """One row per run: its identity columns and the mean working days of the new projects of each
    stream that applied in ``cohort``, in both measures (columns ``<stream>_gov_wd``, ``<stream>_wd``)."""
    app = stream_approvals(exp.run_table("approvals"))
    app = app[(app["applied"] >= cohort[0]) & (app["applied"] <= cohort[1])]
    days = app.pivot_table(index="key", columns="stream", values=["approval_gov_wd", "approval_wd"], aggfunc="mean")
    days.columns = [f"{stream}_{'gov_wd' if col == 'approval_gov_wd' else 'wd'}" for col, stream in days.columns]
    runs = exp.run_outcomes[exp.id_columns]
    return runs.merge(days, left_on="key", right_index=True, how="left")


def stream_effects(exp: Experiment, cohort: tuple[str, str] = COHORT) -> pd.DataFrame:
    """Main effect (on − off, working days) of every lever on each stream's approval time, in both
    measures: the columns of :func:`sim.analysis.levers.main_effects` plus ``stream`` (a name of
    :data:`STREAM_NAMES`), ``measure`` (a name of :data:`MEASURES`) and ``label``."""
    runs = stream_days_by_run(exp, cohort)
    where = {
        col: (STREAM_NAMES[s], MEASURES[m])
        for s in STREAM_NAMES
        for m in MEASURES
        if (col := f"{s}_{'gov_wd' if m == 'gov' else 'wd'}") in runs
    }
    if not where:
        return pd.DataFrame(columns=["lever", "outcome", "diff", "stream", "measure", "label"])
    return _lever_effects(exp, runs, where, "stream")


def days_removed_by_stream(effects: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Lever × stream table of the working days each lever removes in ``measure`` (from
    :func:`stream_effects`), levers ordered as the filed projects'."""
    sub = effects[effects["measure"] == measure]
    table = sub.pivot(index="label", columns="stream", values="diff").mul(-1.0)
    table = table[[n for n in STREAM_NAMES.values() if n in table]]
    return table.sort_values(table.columns[0], ascending=False)
