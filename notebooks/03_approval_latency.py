# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Approval latency anatomy (审批时限剖析)
#
# An investment project passes four approval stages in sequence (国办发〔2019〕11号): project
# approval & land (立项用地规划许可), planning permit (工程建设许可), construction permit
# (施工许可) and completion acceptance (竣工验收). Within a stage its items run in parallel;
# each item is prepared by the applicant, carried to its office, queued behind other items at
# an office with finite staff, worked, reviewed, and possibly sent back once.
#
# Four reform levers act on this pipeline:
#
# - **devolved powers** (赋权): items move from region, city and county offices to the zone's
#   own office — less transit, other queues;
# - **regional assessment** (区域评): the county does an item once for the whole zone, and
#   projects there skip it;
# - **one-stop agent service** (一站式代办): an agent prepares the file — less preparation
#   time, fewer send-backs;
# - **staff pooling** (人员整合): approval staff of merged bodies join the host zone's office.
#
# Beside them, the national **approval-process reform** (工程建设项目审批制度改革, 国办发〔2019〕11号,
# from 2019-03, for every project of the region) changes the process itself: parallel stages,
# combined drawing review, joint acceptance, commitment-based approval, fewer send-backs, a
# statutory limit per item and one online system that removes the transit between offices. The
# last section separates what each of its levers removes, stage by stage.
#
# Projects come in three streams, each on its own route through the catalogue: enterprise
# projects outside the government's approval catalogue are **filed** (备案); those in it (coal mines,
# power stations, large coal-chemical plants; 政府核准的投资项目目录, 2016) are **approved** (核准)
# after a project application report; **government-investment** projects (审批: proposal,
# feasibility study, preliminary design) are not firms but queue at the same offices. The headline
# latency is the enterprise projects' (filed and approved); the section on streams shows each.
#
# Latency here is from application to production with construction excluded, in working days
# (wd) or calendar days.

# %%
from IPython.display import Markdown, display

from sim.analysis import latency, levers, load, plots, tables, text

exp = load.open_experiment(load.folder_from_env("ZONESIM_EXPERIMENT"))
lever_exp = load.open_experiment(load.folder_from_env("ZONESIM_LEVERS"))
start = exp.meta.get("recent_from", "2019-01")
display(Markdown(
    f"Scenario comparison: `{load.shown_path(exp.folder)}` ({exp.meta['n_runs']} runs). "
    f"Levers sweep: `{load.shown_path(lever_exp.folder)}` ({lever_exp.meta['n_runs']} runs). "
    f"Periods: projects applied before {start} and from {start} on (devolution starts then by default)."
))

# %% [markdown]
# ## Time per stage
#
# Mean working days of each stage, per scenario and period, over every project of every seed;
# with the mean number of catalogue items a project skipped thanks to regional assessment.

# %%
stages = latency.stage_times(exp)
display(tables.styled(stages, caption="Working days per stage (mean over projects and seeds)"))
after = stages[stages["period"].str.startswith(latency.PERIOD_AFTER)].reset_index(drop=True)
stage_names = list(latency.STAGES.values())
plots.show(plots.stacked_bars(after, "group", stage_names,
                              title=f"Working days per approval stage, projects applied from {start}",
                              xlabel="working days (stages in sequence)"))

# %%
shares = latency.stage_shares(after).set_index("group")
lines = []
for group, row in shares.iterrows():
    longest = row[stage_names].astype(float).idxmax()
    total = after.set_index("group").loc[group, "total (working days)"]
    lines.append(f"- **{group}**: {text.num(total)} wd in total; the longest stage is *{longest}* "
                 f"({row[longest]:.0%} of the stage time).")
display(Markdown("\n".join(lines)))

# %% [markdown]
# ## By project stream, in and outside zones
#
# Mean working days in total (with the applicant's preparation) and of government processing only,
# per stream and place, over every new project of every seed; projects per run.

# %%
streams = latency.stream_times(exp)
display(tables.styled(streams, caption="Working days by project stream and place (mean over projects and seeds)"))
recent = streams[streams["period"].str.startswith(latency.PERIOD_AFTER)]
if recent.empty:  # the runs end before the period: show every project
    recent = streams.groupby(["group", "stream", "place"], as_index=False)[["total (wd)", "government (wd)"]].mean()
plots.show(plots.grouped_bars(recent, "stream", "group", "government (wd)", panel="place",
                              title="Government processing time by stream"
                                    + ("" if "period" not in recent else f", projects applied from {start}"),
                              ylabel="working days"))
lines = []
for (group, stream), sub in recent.groupby(["group", "stream"]):
    w = sub.set_index("place")
    parts = [f"{place} {text.num(w.loc[place, 'government (wd)'])} wd" for place in w.index]
    lines.append(f"- **{group}**, {stream}: government time " + ", ".join(parts) + ".")
display(Markdown("\n".join(lines)))

# %% [markdown]
# ## Latency by year of application
#
# Mean approval latency (working days) of the projects applied in each year, over seeds: the
# reform's levers act from their start dates on. The last application years are left out when
# fewer than half of a typical year's projects had finished by the end of the runs: only the fast
# ones had, so their mean would be biased down (right-censoring).

# %%
by_year = latency.latency_by_year(exp).reset_index().melt(id_vars="year", var_name="group",
                                                           value_name="approval_wd").dropna()
plots.show(plots.lines_by(by_year, "year", "approval_wd", "group",
                          title="Approval latency by year of application (mean over projects and seeds)",
                          ylabel="working days"))

# %% [markdown]
# ## Time per item
#
# The runs record time per *stage*, not per item, so simulated times per item are not
# available. The catalogue below (an input of the model, the embedded Ningxia data) gives
# each item's stage, its pre-reform authority, the powers it involves, whether regional
# assessment covers it, and its nominal preparation, effort and review times (working days,
# before queueing and send-backs).

# %%
items = latency.catalogue()
display(tables.styled(items, caption="Approval items (catalogue input, nominal working days)"))
per_stage = items.groupby("stage").agg(items=("item_id", "size"), covered=("regional assessment", "sum"))
display(Markdown("\n".join(
    f"- stage {s}: {int(r['items'])} items, {int(r['covered'])} covered by regional assessment"
    for s, r in per_stage.iterrows())))

# %% [markdown]
# ## Where queues form
#
# Per office level: offices and staff per run, items served, the mean queueing wait per item
# (working days, weighted by items) and the mean staff utilisation. Then the offices with the
# longest waits in the reform scenario.

# %%
queues = latency.office_queues(exp)
display(tables.styled(queues, caption="Approval offices by level (per run, mean over seeds)",
                      percent_columns=("mean utilisation",)))
focus = "full_reform" if "full_reform" in exp.groups else exp.groups[-1]
busiest = latency.busiest_offices(exp, focus, top=10)
display(tables.styled(busiest, caption=f"Offices with the longest mean wait, {focus}",
                      percent_columns=("utilisation",)))
lines = []
for group, sub in queues.dropna(subset=["mean wait (wd)"]).groupby("group"):
    worst = sub.sort_values("mean wait (wd)", ascending=False).iloc[0]
    lines.append(f"- **{group}**: the longest waits are at **{worst['level']}** offices, "
                 f"{text.num(worst['mean wait (wd)'])} wd per item at {worst['mean utilisation']:.0%} utilisation.")
if len(busiest):
    b = busiest.iloc[0]
    lines.append(f"- In {focus} the single most congested office is `{b['office']}` ({text.num(b['staff'])} staff, "
                 f"{text.num(b['mean wait (wd)'])} wd mean wait).")
display(Markdown("\n".join(lines)))

# %% [markdown]
# ## The separate contributions of the levers
#
# The scenario comparison switches the levers on together. The levers sweep switches each one
# on and off in a factorial design (every combination, same seeds), so each lever's **main
# effect** — on minus off, averaged over all settings of the other levers and paired on the
# seed — is its own contribution. Outcomes: mean, median and 90th percentile latency of projects
# applied from 2019 on (working days).

# %%
latency_outcomes = ["approval_wd_mean_from2019", "approval_wd_median_from2019", "approval_wd_p90_from2019"]
main = levers.main_effects(lever_exp, latency_outcomes)
display(tables.styled(levers.effects_display(main, lever_exp), caption="Main effects of each lever on latency"))
mean_effects = main[main["outcome"] == "approval_wd_mean_from2019"].sort_values("diff")
if len(mean_effects):
    plots.show(plots.effect_bars(mean_effects, label="label", value="diff", low="ci_low", high="ci_high",
                                 title="Main effect on mean approval latency (applied 2019+), on - off",
                                 xlabel="working days"))
    lines = [f"- **{r.label}** ({r.off} → {r.on}), mean latency: "
             + text.change_phrase(r.diff, r.ci_low, r.ci_high, r.unit, lever_exp.level, rel_pct=r.rel_pct,
                                  pairs=r.pairs) + "."
             for r in mean_effects.itertuples()]
    display(Markdown("Ranked by their effect on mean latency:\n\n" + "\n".join(lines)))
else:
    display(Markdown(f"_The levers sweep `{load.shown_path(lever_exp.folder)}` has no two-level lever; "
                     f"produce it with:_\n\n    {levers.LEVERS_COMMAND}"))


# %% [markdown]
# ## Which lever of the approval-process reform removes which days
#
# The process-levers experiment runs `approval_reform` (the process reform alone) with each of its
# eight levers off or at its default, in every combination on the same seeds. A lever's **main
# effect** on a stage is on − off over the pairs of runs that differ in that lever only, averaged
# over the settings of the others: the working days it removes there (negative: it adds days).
# Projects that applied in 2020–21 (all under the reformed process), in two measures: the
# government's processing time (transit, queue, office work, review) and the total with the
# applicant's preparation. Then the same main effects per project stream (filed, approved,
# government), on the government processing time of all stages.

# %%
from sim.analysis import process_levers

proc_exp = load.open_experiment(load.folder_from_env("ZONESIM_PROCESS_LEVERS"))
proc_effects = process_levers.stage_effects(proc_exp).dropna(subset=["diff"])
if len(proc_effects):
    display(Markdown(f"Process-levers sweep: `{load.shown_path(proc_exp.folder)}` ({proc_exp.meta['n_runs']} runs)."))
    for measure in process_levers.MEASURES.values():
        removed = process_levers.days_removed(proc_effects, measure).reset_index().rename(columns={"label": "lever"})
        display(tables.styled(removed, caption=f"Working days each lever removes, {measure} (main effect, off − on)"))
    by_stage = proc_effects[proc_effects["stage"] != "all stages"].assign(removed=-proc_effects["diff"])
    plots.show(plots.grouped_bars(by_stage, "stage", "label", "removed", panel="measure",
                                  title="Working days each lever of the process reform removes, by stage",
                                  ylabel="working days removed (main effect)"))
    gov = process_levers.days_removed(proc_effects, process_levers.MEASURES["gov"])
    lines = [f"- **{stage}**: *{gov[stage].idxmax()}* removes most, {text.num(gov[stage].max())} wd of "
             f"government time" for stage in process_levers.STAGE_NAMES.values()]
    lines.append(f"- **All stages**: *{gov['all stages'].idxmax()}* removes most, "
                 f"{text.num(gov['all stages'].max())} wd; the main effects do not add up to the reform's whole "
                 "effect where levers interact (a lever off the critical path saves nothing).")
    display(Markdown("\n".join(lines)))
    by_stream = process_levers.stream_effects(proc_exp).dropna(subset=["diff"])
    if len(by_stream):
        per_stream = process_levers.days_removed_by_stream(by_stream, process_levers.MEASURES["gov"])
        display(tables.styled(per_stream.reset_index().rename(columns={"label": "lever"}),
                              caption="Government working days each lever removes, by project stream (all stages)"))
        display(Markdown("\n".join(
            f"- **{stream}**: *{per_stream[stream].idxmax()}* removes most, {text.num(per_stream[stream].max())} wd."
            for stream in per_stream.columns)))
else:
    first, last = process_levers.COHORT
    display(Markdown(f"_`{load.shown_path(proc_exp.folder)}` sweeps no lever with projects that applied in {first} to "
                     f"{last} and finished; produce the process-levers experiment with:_\n\n"
                     f"    {process_levers.PROCESS_LEVERS_COMMAND}"))
